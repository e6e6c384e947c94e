// Checks that a segment is what the job said it would be before any work is done on it: real bytes, the job's
// codec and resolution, a sane duration. Anything else is SegmentFormatDidntMatchJobInputParams, and no transcode.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SEGMENT_INPUT_FIELDS, SegmentFormatDidntMatchJobInputParams } from "../../src/lib/protocol/errors.ts";
import type { JobRequest, Segment } from "../../src/lib/protocol/messages.ts";
import { NotAVideo, probeMedia, type MediaInfo } from "../transcode/ffprobe.ts";

type SegmentInputField = (typeof SEGMENT_INPUT_FIELDS)[number];

/** How far the probed duration may stray from the announced one (container rounding, first-frame offsets). */
const DURATION_TOLERANCE_MS = 250;
/**
 * Share of the frames the container's index promises (its average rate × duration) that must decode: room for
 * rounding and an edit list, none for a segment cut short, whose index still announces the whole duration.
 */
const MIN_DECODED_FRAME_SHARE = 0.9;
/** ffprobe's names for the codecs a job may announce. */
const CODEC_NAMES: Record<JobRequest["input"]["codec"], string> = { h264: "h264", vp8: "vp8", vp9: "vp9", av1: "av1", hevc: "hevc" };
/** ffprobe's format names (a comma list) contain these for each segment format. */
const FORMAT_MARKERS: Record<Segment["format"], string> = { mp4: "mp4", mpegts: "mpegts", webm: "webm" };

/** Probes the segment bytes and compares them with the job; returns the probe for the caller's stats. */
export async function checkSegmentMatchesJob(job: JobRequest, segment: Segment, bytes: Uint8Array): Promise<MediaInfo> {
  const mismatch = (field: SegmentInputField, expected: string, found: string) =>
    new SegmentFormatDidntMatchJobInputParams({ streamId: segment.streamId, sequenceNumber: segment.sequenceNumber, field, expected, found });
  const dir = await mkdtemp(join(tmpdir(), "streamflow-segment-"));
  let info: MediaInfo;
  try {
    const path = join(dir, "segment");
    await writeFile(path, bytes);
    info = await probeMedia(path);
  } catch (error) {
    if (error instanceof NotAVideo) throw mismatch("format", segment.format, "not a readable video");
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!info.formatName.split(",").includes(FORMAT_MARKERS[segment.format]) && !info.formatName.includes(FORMAT_MARKERS[segment.format])) {
    throw mismatch("format", segment.format, info.formatName.slice(0, 64));
  }
  if (info.video.codec !== CODEC_NAMES[job.input.codec]) throw mismatch("codec", job.input.codec, info.video.codec.slice(0, 64));
  if (info.video.width !== job.input.width) throw mismatch("width", String(job.input.width), String(info.video.width));
  if (info.video.height !== job.input.height) throw mismatch("height", String(job.input.height), String(info.video.height));
  if (Math.abs(info.durationMs - segment.durationMs) > DURATION_TOLERANCE_MS) {
    // A segment much longer than announced would be work not paid for.
    throw mismatch("durationMs", `${segment.durationMs} ms`, `${info.durationMs} ms`);
  }
  const promisedFrames = Math.floor(((info.video.fps * info.durationMs) / 1000) * MIN_DECODED_FRAME_SHARE);
  if (info.video.frameCount < promisedFrames) {
    // A truncated or corrupt segment: its index claims the duration, its bytes hold a fragment of it.
    const decodableMs = Math.round((info.video.frameCount / info.video.fps) * 1000);
    throw mismatch("durationMs", `${segment.durationMs} ms`, `${decodableMs} ms decodable (${info.video.frameCount} frames)`);
  }
  return info;
}
