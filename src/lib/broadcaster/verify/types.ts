// What a spot check is given and what it reports: shared by the page (spot-checker.ts), the worker and the pure checks.

/** One rung of the job's output ladder, as the broadcaster asked for it. */
export interface LadderRendition {
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
}

/** One segment's source and what the orchestrator returned for it. */
export interface SpotCheckInput {
  sequenceNumber: number;
  /** The segment as it was sent: a standalone H.264 MP4. */
  source: Uint8Array;
  ladder: readonly LadderRendition[];
  /** The renditions as they arrived (fragmented MP4), by ladder name. */
  renditions: readonly { name: string; bytes: Uint8Array }[];
}

/** Each check a rendition can fail, cheapest first; the names are the same as the verifier's where both have one. */
export type CheckName =
  | "missing"
  | "decode"
  | "container"
  | "codec"
  | "resolution"
  | "frameCount"
  | "duration"
  | "pixelCount"
  | "audio"
  | "ssim";

/** A named check a rendition failed, with what the job called for and what the rendition holds, in words. */
export interface SpotCheckFailure {
  check: CheckName;
  rendition: string;
  expected: string;
  found: string;
}

/** The stage a check got to: it stops at the first stage that finds a fault. */
export type SpotCheckStage = "probe" | "metric" | "reference";

export interface SsimMetric {
  name: "ssim";
  /** Mean SSIM ("All": Y, U and V) of each rendition against the source scaled the same way. */
  perRendition: Record<string, number>;
  /** The lowest single-frame SSIM of each rendition: a few bad frames hide in a mean. */
  worstFrame: Record<string, number>;
  /** For renditions that scored low: the SSIM of the checker's own libx264 encode at the same size and bitrate. */
  reference?: Record<string, { mean: number; worstFrame: number }>;
}

export interface SpotCheckResult {
  sequenceNumber: number;
  /** `skipped` says nothing about the orchestrator: the check was not run, or could not finish (see `reason`). */
  outcome: "passed" | "failed" | "skipped";
  failures: SpotCheckFailure[];
  metric?: SsimMetric;
  /** The last stage run; absent when skipped before any. */
  stage?: SpotCheckStage;
  /** Time the check itself took, in the worker (0 when skipped before it started). */
  timeMs: number;
  /** Time it waited behind the check before it. */
  queuedMs: number;
  /** Why it was skipped, or a one-line summary of why it failed. */
  reason?: string;
}

/** Thresholds and limits of a check; every field has a measured default (checks.ts, docs/spot-checks.md). */
export interface SpotCheckOptions {
  /** Mean SSIM at or above which a rendition passes without a reference encode. */
  ssimThreshold: number;
  /** Single-frame SSIM at or above which no frame is suspect. */
  frameSsimThreshold: number;
  /** How far below the reference encode a rendition may score (mean and worst frame) and still pass. */
  referenceMargin: number;
  /** Allowed |rendition − source| video duration beyond one source frame interval. */
  durationToleranceMs: number;
}
