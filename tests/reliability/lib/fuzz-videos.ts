// Hostile segments made with ffmpeg for the orchestrator's format check: not a video, an 8K clip, the wrong codecs,
// a truncated segment and an MP4 whose first box claims to be gigabytes long. Each is a segment a paying broadcaster
// could send in place of what its job announced (H.264, 1280x720, 2 s).
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../../../orchestrator-node/transcode/run-process.ts";
import type { Segment } from "../../../src/lib/protocol/messages.ts";

export interface HostileVideo {
  name: string;
  bytes: Uint8Array;
  /** The container the message announces. */
  format: Segment["format"];
}

async function encode(dir: string, file: string, size: string, fps: number, frames: number, codecArgs: string[]): Promise<Uint8Array> {
  const path = join(dir, file);
  await runProcess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${fps}`,
    "-frames:v", String(frames), ...codecArgs, path], 120_000);
  return new Uint8Array(await readFile(path));
}

const FRAGMENTED_MP4 = ["-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"];

/** The hostile segments, given one good segment of the job to mangle. */
export async function hostileVideos(good: Uint8Array): Promise<HostileVideo[]> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-hostile-"));
  const [eightK, vp8, mjpeg] = await Promise.all([
    // Two seconds at 1 fps: the resolution is the attack, not the frame count.
    encode(dir, "8k.mp4", "7680x4320", 1, 2, ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", ...FRAGMENTED_MP4]),
    encode(dir, "vp8.webm", "1280x720", 30, 60, ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-f", "webm"]),
    encode(dir, "mjpeg.mp4", "1280x720", 30, 60, ["-c:v", "mjpeg", "-q:v", "20", "-f", "mp4"]),
  ]);
  const giantBox = good.slice();
  new DataView(giantBox.buffer).setUint32(0, 0xffff_fff0); // the ftyp box now claims ~4 GiB
  const giantLargeSize = good.slice();
  // size = 1 means a 64-bit size follows the type: claim 2^62 bytes.
  const view = new DataView(giantLargeSize.buffer);
  view.setUint32(0, 1);
  view.setBigUint64(8, 2n ** 62n);
  return [
    { name: "not a video (text and random bytes)", bytes: new Uint8Array([...new TextEncoder().encode("#EXTM3U not a video "), ...crypto.getRandomValues(new Uint8Array(4096))]), format: "mp4" },
    { name: "one byte", bytes: new Uint8Array([0]), format: "mp4" },
    { name: "8K (7680x4320) H.264", bytes: eightK, format: "mp4" },
    { name: "VP8 in WebM, announced as mp4", bytes: vp8, format: "mp4" },
    { name: "VP8 in WebM, announced as webm", bytes: vp8, format: "webm" },
    { name: "MJPEG in MP4", bytes: mjpeg, format: "mp4" },
    { name: "truncated to a third", bytes: good.slice(0, Math.floor(good.byteLength / 3)), format: "mp4" },
    { name: "first box claims ~4 GiB", bytes: giantBox, format: "mp4" },
    { name: "first box claims 2^62 bytes (64-bit size)", bytes: giantLargeSize, format: "mp4" },
    { name: "announced as MPEG-TS", bytes: good, format: "mpegts" },
  ];
}
