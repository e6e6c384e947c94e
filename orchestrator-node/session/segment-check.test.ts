import { describe, expect, it } from "vitest";
import { keccak256 } from "viem";
import { SegmentFormatDidntMatchJobInputParams } from "../../src/lib/protocol/errors.ts";
import type { JobRequest, Segment } from "../../src/lib/protocol/messages.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import { checkSegmentMatchesJob } from "./segment-check.ts";

const job = {
  v: 1,
  type: "jobRequest",
  streamId: "s1",
  serviceId: "CPUTranscoding",
  broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
  input: { codec: "h264", width: 640, height: 360, fps: 30 },
  output: [{ name: "240p", width: 426, height: 240, bitrateKbps: 400 }],
} as JobRequest;

function segmentFor(bytes: Uint8Array, o: Partial<Segment> = {}): Segment {
  return {
    v: 1,
    type: "segment",
    streamId: "s1",
    sequenceNumber: 3,
    durationMs: 2000,
    format: "mp4",
    byteLength: bytes.byteLength,
    contentHash: keccak256(bytes),
    payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] },
    ...o,
  } as Segment;
}

async function mismatchOf(promise: Promise<unknown>) {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SegmentFormatDidntMatchJobInputParams);
  return (error as SegmentFormatDidntMatchJobInputParams).data;
}

describe("checkSegmentMatchesJob (real ffprobe)", () => {
  it("accepts a segment that is what the job announced", async () => {
    const clip = await makeClip({ width: 640, height: 360 });
    const info = await checkSegmentMatchesJob(job, segmentFor(clip.bytes), clip.bytes);
    expect(info.video.frameCount).toBe(60);
  });

  it("names the resolution that differs", async () => {
    const clip = await makeClip({ width: 1280, height: 720 });
    expect(await mismatchOf(checkSegmentMatchesJob(job, segmentFor(clip.bytes), clip.bytes))).toMatchObject({
      field: "width",
      expected: "640",
      found: "1280",
      sequenceNumber: 3,
    });
  });

  it("refuses bytes that are not a video", async () => {
    const garbage = new TextEncoder().encode("GIF89a not really ".repeat(50));
    expect(await mismatchOf(checkSegmentMatchesJob(job, segmentFor(garbage), garbage))).toMatchObject({ field: "format" });
  });

  it("refuses a container other than announced, and a codec other than the job's", async () => {
    const ts = await makeClip({ width: 640, height: 360, format: "mpegts" });
    expect(await mismatchOf(checkSegmentMatchesJob(job, segmentFor(ts.bytes, { format: "mp4" }), ts.bytes))).toMatchObject({ field: "format" });
    const vp9Job = { ...job, input: { ...job.input, codec: "vp9" } } as JobRequest;
    const mp4 = await makeClip({ width: 640, height: 360 });
    expect(await mismatchOf(checkSegmentMatchesJob(vp9Job, segmentFor(mp4.bytes), mp4.bytes))).toMatchObject({ field: "codec", found: "h264" });
  });

  it("refuses a truncated segment whose index still announces the whole duration", async () => {
    // Found by tests/reliability/hostile-video: the container said 2 s, the bytes held a third of the frames.
    const clip = await makeClip({ width: 640, height: 360 });
    const cut = clip.bytes.slice(0, Math.floor(clip.bytes.byteLength / 3));
    expect(await mismatchOf(checkSegmentMatchesJob(job, segmentFor(cut), cut))).toMatchObject({ field: "durationMs", expected: "2000 ms" });
  });

  it("refuses a segment much longer than announced (work not paid for)", async () => {
    const long = await makeClip({ width: 640, height: 360, durationS: 4 });
    expect(await mismatchOf(checkSegmentMatchesJob(job, segmentFor(long.bytes), long.bytes))).toMatchObject({ field: "durationMs", expected: "2000 ms" });
  });
});
