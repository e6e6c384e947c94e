// Tests of gathering each segment's encoded video and audio and releasing it once complete.
import { describe, expect, it } from "vitest";
import { KeyframeMissing, SegmentAssembler, type AssembledSegment, type EncodedSample } from "./segment-assembler.ts";

const sample = (timestampUs: number, key = false): EncodedSample => ({ timestampUs, durationUs: undefined, key, data: new Uint8Array([1]) });

function assembler(expectAudio: boolean) {
  const out: AssembledSegment[] = [];
  const a = new SegmentAssembler({ expectAudio, onReady: (s) => out.push(s) });
  return { a, out };
}

describe("SegmentAssembler", () => {
  it("releases a video-only segment once the next segment's keyframe is out of the encoder", () => {
    const { a, out } = assembler(false);
    a.open(0, 0);
    a.addVideo(sample(0, true), 5);
    a.addVideo(sample(50), 4);
    // The cutter opens segment 1 before the encoder has output its keyframe: segment 0 may still get frames.
    a.open(1, 100);
    a.close({ sequenceNumber: 0, startUs: 0, endUs: 100 });
    a.addVideo(sample(75), 3);
    expect(out).toHaveLength(0);
    a.addVideo(sample(100, true), 6);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ span: { sequenceNumber: 0, startUs: 0, endUs: 100 }, encodeMs: 12, audio: [] });
    expect(out[0]!.video.map((v) => v.timestampUs)).toEqual([0, 50, 75]);
    a.close({ sequenceNumber: 1, startUs: 100, endUs: 150 });
    expect(out).toHaveLength(1);
    a.videoFlushed();
    expect(out.map((s) => s.span.sequenceNumber)).toEqual([0, 1]);
    expect(a.pendingCount).toBe(0);
  });

  it("holds a segment until audio has reached its end, and cuts audio at the boundary by packet start", () => {
    const { a, out } = assembler(true);
    a.addAudio(sample(-20)); // before the first frame: in no segment
    a.open(0, 0);
    a.addVideo(sample(0, true), 1);
    a.addAudio(sample(0));
    a.addAudio(sample(20));
    a.open(1, 60);
    a.close({ sequenceNumber: 0, startUs: 0, endUs: 60 });
    a.addVideo(sample(60, true), 1);
    expect(a.waitingForAudio).toBe(0);
    a.addAudio(sample(40)); // straddles the boundary: starts in segment 0
    expect(out).toHaveLength(0);
    a.addAudio(sample(60));
    expect(out).toHaveLength(1);
    expect(out[0]!.audio.map((x) => x.timestampUs)).toEqual([0, 20, 40]);
    a.close({ sequenceNumber: 1, startUs: 60, endUs: 110 });
    a.videoFlushed();
    a.addAudio(sample(80));
    a.audioEnded();
    expect(out[1]!.audio.map((x) => x.timestampUs)).toEqual([60, 80]);
    expect(a.droppedAudio).toBe(1);
  });

  it("releases without the audio when told to, and drops that audio when it comes late", () => {
    const { a, out } = assembler(true);
    a.open(0, 0);
    a.addVideo(sample(0, true), 1);
    a.open(1, 60);
    a.close({ sequenceNumber: 0, startUs: 0, endUs: 60 });
    a.addVideo(sample(60, true), 1);
    a.releaseWithoutWaiting(1); // a timer armed for another segment does nothing
    expect(out).toHaveLength(0);
    a.releaseWithoutWaiting(0);
    expect(out).toHaveLength(1);
    expect(a.waitingForAudio).toBeUndefined();
    a.addAudio(sample(30));
    expect(a.droppedAudio).toBe(1);
  });

  it("refuses a segment whose first frame the encoder did not make a keyframe", () => {
    const { a } = assembler(false);
    a.open(0, 0);
    expect(() => a.addVideo(sample(0, false), 1)).toThrow(KeyframeMissing);
  });
});
