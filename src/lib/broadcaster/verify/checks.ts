// The spot checks' verdicts, pure and DOM-free: a rendition's probed facts against the job and its source, then its
// SSIM against the source scaled the same way, then (only for a low SSIM) against the checker's own encode.
import type { MediaFacts } from "./media-facts.ts";
import type { SsimScore } from "./ssim-stats.ts";
import type { LadderRendition, SpotCheckFailure, SpotCheckOptions } from "./types.ts";

/**
 * Measured in docs/spot-checks.md (ffmpeg.wasm in Chromium; native ffmpeg agrees within 0.0001), over honest
 * renditions made with the orchestrator's own arguments and over each kind of fault:
 * - ssimThreshold 0.95: honest renditions of easy pictures score ≥ 0.99 and pass here; pictures hard at their bitrate
 *   (a deep fractal zoom, heavy noise) score 0.89–0.94 and go to the reference; so do stale segments (0.89–0.91),
 *   which a threshold of 0.90 would let through.
 * - frameSsimThreshold 0.90: the worst honest frame of easy pictures is ≥ 0.99; five black frames in sixty leave the
 *   mean at 0.94 but the worst frame at 0.37.
 * - referenceMargin 0.05: honest renditions scored from 0.005 below to 0.06 above the checker's ultrafast reference
 *   (mean and worst frame); the closest fault, a stale segment, 0.083 below it, black frames 0.6 below.
 * - durationToleranceMs 50 (beyond one frame): container rounding, as the orchestrator-node verifier allows.
 */
export const DEFAULT_SPOT_CHECK_OPTIONS: Readonly<SpotCheckOptions> = Object.freeze({
  ssimThreshold: 0.95,
  frameSsimThreshold: 0.9,
  referenceMargin: 0.05,
  durationToleranceMs: 50,
});

const ms = (value: number) => `${Math.round(value)} ms`;

/**
 * Every probe check one rendition fails against the job and the source: container, codec, resolution, frame count,
 * duration, pixel count, audio. Renditions keep every source frame (`-fps_mode passthrough`), so counts are exact.
 */
export function checkRenditionFacts(
  rendition: LadderRendition,
  source: MediaFacts,
  found: MediaFacts,
  options: Pick<SpotCheckOptions, "durationToleranceMs"> = DEFAULT_SPOT_CHECK_OPTIONS,
): SpotCheckFailure[] {
  const fail = (check: SpotCheckFailure["check"], expected: string, foundText: string): SpotCheckFailure => ({
    check,
    rendition: rendition.name,
    expected,
    found: foundText,
  });
  if (found.formatName === "" || found.video === undefined) {
    return [fail("decode", "a fragmented MP4 with an H.264 video stream", found.formatName === "" ? "a file ffprobe cannot read" : `${found.formatName} with no video stream`)];
  }
  const sourceVideo = source.video;
  if (sourceVideo === undefined) throw new TypeError("checkRenditionFacts: the source has no video stream");

  const failures: SpotCheckFailure[] = [];
  const video = found.video;
  const isMp4 = found.formatName.split(",").includes("mp4");
  if (!isMp4 || !found.fragmented) {
    failures.push(fail("container", "fragmented mp4", isMp4 ? "mp4 without fragments" : found.formatName));
  }
  if (video.codec !== "h264") failures.push(fail("codec", "h264", video.codec));
  if (video.width !== rendition.width || video.height !== rendition.height) {
    failures.push(fail("resolution", `${rendition.width}x${rendition.height}`, `${video.width}x${video.height}`));
  }
  if (video.frameCount !== sourceVideo.frameCount) {
    failures.push(fail("frameCount", `${sourceVideo.frameCount} frames`, `${video.frameCount} frames`));
  }
  const frameIntervalMs = sourceVideo.frameCount > 0 ? sourceVideo.durationMs / sourceVideo.frameCount : 0;
  const toleranceMs = frameIntervalMs + options.durationToleranceMs;
  if (Math.abs(video.durationMs - sourceVideo.durationMs) > toleranceMs) {
    failures.push(fail("duration", `${ms(sourceVideo.durationMs)} ± ${ms(toleranceMs)}`, ms(video.durationMs)));
  }
  // What a per-pixel price pays for: every frame at the asked size.
  const expectedPixels = rendition.width * rendition.height * sourceVideo.frameCount;
  const foundPixels = video.width * video.height * video.frameCount;
  if (foundPixels !== expectedPixels) failures.push(fail("pixelCount", `${expectedPixels} pixels`, `${foundPixels} pixels`));
  if (source.audioCodec !== undefined && found.audioCodec !== "aac") {
    failures.push(fail("audio", "aac audio (the source has audio)", found.audioCodec === undefined ? "no audio" : `${found.audioCodec} audio`));
  }
  return failures;
}

/** Every ladder rendition that did not come back at all. */
export function checkMissing(ladder: readonly LadderRendition[], returned: readonly string[]): SpotCheckFailure[] {
  return ladder
    .filter((r) => !returned.includes(r.name))
    .map((r) => ({ check: "missing" as const, rendition: r.name, expected: `a ${r.width}x${r.height} rendition`, found: "none" }));
}

/** True when a rendition's SSIM clears both thresholds and needs no reference encode. */
export function ssimPasses(score: SsimScore, options: Pick<SpotCheckOptions, "ssimThreshold" | "frameSsimThreshold"> = DEFAULT_SPOT_CHECK_OPTIONS): boolean {
  return score.mean >= options.ssimThreshold && score.worstFrame >= options.frameSsimThreshold;
}

/**
 * The verdict on a rendition whose SSIM was low, given the SSIM of the checker's own encode at the same size and
 * bitrate: low because of the bitrate (within the margin of the reference, mean and worst frame) passes; lower fails.
 */
export function judgeAgainstReference(
  rendition: LadderRendition,
  score: SsimScore,
  reference: SsimScore,
  options: Pick<SpotCheckOptions, "referenceMargin"> = DEFAULT_SPOT_CHECK_OPTIONS,
): SpotCheckFailure | undefined {
  const margin = options.referenceMargin;
  const meanFloor = reference.mean - margin;
  const frameFloor = reference.worstFrame - margin;
  if (score.mean >= meanFloor && score.worstFrame >= frameFloor) return undefined;
  return {
    check: "ssim",
    rendition: rendition.name,
    expected:
      `SSIM ≥ ${meanFloor.toFixed(3)} (worst frame ≥ ${frameFloor.toFixed(3)}): a libx264 encode at ` +
      `${rendition.bitrateKbps} kbps scores ${reference.mean.toFixed(3)} (${reference.worstFrame.toFixed(3)}), less ${margin}`,
    found: `SSIM ${score.mean.toFixed(3)} (worst frame ${score.worstFrame.toFixed(3)})`,
  };
}
