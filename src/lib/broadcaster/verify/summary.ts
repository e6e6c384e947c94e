// A spot check's result in plain words, for the live stats: passed / failed and why / skipped and why, and the time.
import type { SpotCheckFailure, SpotCheckResult } from "./types.ts";

const CHECK_WORDS: Record<SpotCheckFailure["check"], string> = {
  missing: "missing",
  decode: "does not decode",
  container: "wrong container",
  codec: "wrong codec",
  resolution: "wrong resolution",
  frameCount: "wrong frame count",
  duration: "wrong duration",
  pixelCount: "wrong pixel count",
  audio: "wrong audio",
  ssim: "picture unlike the source",
};

/** `360p: wrong resolution (expected 640x360, found 426x240)`. */
export function describeFailure(f: SpotCheckFailure): string {
  return `${f.rendition}: ${CHECK_WORDS[f.check]} (expected ${f.expected}, found ${f.found})`;
}

export function describeFailures(failures: readonly SpotCheckFailure[]): string {
  return failures.map(describeFailure).join("; ");
}

/** One line for the stats table, e.g. `passed in 1.4 s (SSIM 480p 0.995, 360p 0.996)`. */
export function describeSpotCheck(result: SpotCheckResult): string {
  const seconds = `${(result.timeMs / 1000).toFixed(1)} s`;
  if (result.outcome === "skipped") return `skipped: ${result.reason ?? "not run"}`;
  if (result.outcome === "failed") return `failed in ${seconds}: ${describeFailures(result.failures)}`;
  const ssim = Object.entries(result.metric?.perRendition ?? {}).map(([name, value]) => `${name} ${value.toFixed(3)}`);
  const referenced = result.stage === "reference" ? ", low but as good as a reference encode at the same bitrate" : "";
  return `passed in ${seconds}${ssim.length > 0 ? ` (SSIM ${ssim.join(", ")}${referenced})` : ""}`;
}
