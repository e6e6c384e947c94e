// The ffmpeg command lines of a spot check, pure so that ffmpeg.wasm in the page and native ffmpeg in unit tests run
// exactly the same ones.
import { PAIR_FRAMES_BY_INDEX } from "../../protocol/frame-pairing.ts";
import type { LadderRendition } from "./types.ts";

/** As the orchestrator (orchestrator-node/transcode/transcode.ts): one GOP per segment. */
const GOP_FRAMES = 600;

/**
 * SSIM of each `distorted[i]` against the source scaled to `sizes[i]` with the orchestrator's scaler (bicubic), from
 * one decode of the source; per-frame values go to `statsPaths[i]` (ssim-stats.ts reads them). Frames are paired by
 * position (PAIR_FRAMES_BY_INDEX), as renditions keep every source frame (`-fps_mode passthrough`).
 */
export function ssimArgs(
  sourcePath: string,
  compared: readonly { path: string; width: number; height: number; statsPath: string }[],
): string[] {
  const n = compared.length;
  const graph = [`[0:v]${PAIR_FRAMES_BY_INDEX},split=${n}${compared.map((_, i) => `[s${i}]`).join("")}`];
  compared.forEach((c, i) => {
    graph.push(`[s${i}]scale=${c.width}:${c.height}:flags=bicubic,format=yuv420p[a${i}]`);
    graph.push(`[${i + 1}:v]${PAIR_FRAMES_BY_INDEX},format=yuv420p[b${i}]`);
    graph.push(`[b${i}][a${i}]ssim=stats_file=${c.statsPath}[o${i}]`);
  });
  const args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-i", sourcePath];
  for (const c of compared) args.push("-i", c.path);
  args.push("-filter_complex", graph.join(";"));
  compared.forEach((_, i) => args.push("-map", `[o${i}]`, "-f", "null", "-"));
  return args;
}

/**
 * The checker's own encode of the source at each rendition's size and bitrate: the orchestrator's settings
 * (orchestrator-node/transcode/ffmpeg-args.ts: constant bitrate, no B-frames, one GOP, passthrough timestamps) with
 * libx264's fastest preset, so it is a floor an honest encoder at that bitrate reaches.
 */
export function referenceEncodeArgs(sourcePath: string, outputs: readonly { rendition: LadderRendition; path: string }[]): string[] {
  const n = outputs.length;
  const graph = [`[0:v]split=${n}${outputs.map((_, i) => `[s${i}]`).join("")}`];
  outputs.forEach(({ rendition: r }, i) => graph.push(`[s${i}]scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p[v${i}]`));
  const args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", "-i", sourcePath, "-filter_complex", graph.join(";")];
  outputs.forEach(({ rendition: r, path }, i) => {
    const rate = `${r.bitrateKbps}k`;
    args.push(
      "-map", `[v${i}]`, "-an",
      "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "main",
      "-x264-params", `keyint=${GOP_FRAMES}:min-keyint=${GOP_FRAMES}:scenecut=0`,
      "-b:v", rate, "-maxrate", rate, "-bufsize", `${r.bitrateKbps * 2}k`, "-g", String(GOP_FRAMES), "-bf", "0",
      "-fps_mode", "passthrough", "-f", "mp4", path,
    );
  });
  return args;
}
