// Generates real test clips with ffmpeg (moving test pattern + tone): the stand-in for a camera in tests.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../orchestrator-node/transcode/run-process.ts";

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  durationS?: number;
  /** "mp4" (fragmented, as a browser muxer writes) or "mpegts". */
  format?: "mp4" | "mpegts";
  audio?: boolean;
}

/** A clip that starts on a keyframe and has exactly fps × durationS frames; returns its path and bytes. */
export async function makeClip(o: ClipOptions = {}): Promise<{ path: string; bytes: Uint8Array }> {
  const { width = 1280, height = 720, fps = 30, durationS = 2, format = "mp4", audio = false } = o;
  const dir = await mkdtemp(join(tmpdir(), "streamflow-clip-"));
  const path = join(dir, `clip.${format === "mp4" ? "mp4" : "ts"}`);
  const frames = fps * durationS;
  const args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps}`];
  if (audio) args.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000`);
  args.push("-frames:v", String(frames), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", String(frames));
  if (audio) args.push("-c:a", "aac", "-shortest");
  if (format === "mp4") args.push("-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof");
  else args.push("-f", "mpegts");
  args.push(path);
  await runProcess("ffmpeg", args, 30_000);
  return { path, bytes: new Uint8Array(await readFile(path)) };
}

/**
 * A continuous clip cut into independently decodable segments of `segmentS` seconds (each starts on a keyframe), as
 * a broadcaster's segmenter produces them; returns each segment's bytes.
 */
export async function makeSegmentedClip(o: { count: number; segmentS?: number; width?: number; height?: number; fps?: number }): Promise<Uint8Array[]> {
  const { count, segmentS = 2, width = 1280, height = 720, fps = 30 } = o;
  const dir = await mkdtemp(join(tmpdir(), "streamflow-segments-"));
  const frames = count * segmentS * fps;
  await runProcess(
    "ffmpeg",
    [
      "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=${fps}`,
      "-frames:v", String(frames), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
      "-g", String(segmentS * fps), "-keyint_min", String(segmentS * fps), "-sc_threshold", "0",
      "-f", "segment", "-segment_time", String(segmentS), "-reset_timestamps", "1", "-segment_format", "mp4",
      "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
      join(dir, "seg%03d.mp4"),
    ],
    60_000,
  );
  return Promise.all(Array.from({ length: count }, async (_, i) => new Uint8Array(await readFile(join(dir, `seg${String(i).padStart(3, "0")}.mp4`)))));
}
