// Tests of the segment cutter: keyframes on the boundary grid, and segments that tile the stream exactly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SegmentCutter, spanToMs, type FrameDecision, type SegmentSpan } from "./segment-cutter.ts";

const SEGMENT_US = 2_000_000;

/** Feeds every timestamp, returns the decisions and the closed segments, the last one closed by finish. */
function cut(timestamps: readonly number[], frameDurationUs = 50_000, segmentUs = SEGMENT_US) {
  const cutter = new SegmentCutter(segmentUs);
  const decisions: FrameDecision[] = timestamps.map((t) => cutter.push(t));
  const spans: SegmentSpan[] = decisions.flatMap((d) => (d.kind === "start" && d.closed ? [d.closed] : []));
  const last = cutter.finish(frameDurationUs);
  if (last) spans.push(last);
  return { decisions, spans, originUs: cutter.originUs };
}

/** Frames every `stepUs` from `startUs`, `count` of them. */
const frames = (startUs: number, stepUs: number, count: number) => Array.from({ length: count }, (_, i) => startUs + i * stepUs);

describe("SegmentCutter", () => {
  it("makes the first frame a keyframe opening segment 0", () => {
    const cutter = new SegmentCutter(SEGMENT_US);
    expect(cutter.push(10_231_042_200)).toEqual({ kind: "start", sequenceNumber: 0, closed: undefined });
    expect(cutter.push(10_231_092_200)).toEqual({ kind: "continue", sequenceNumber: 0 });
  });

  it("cuts at the first frame reaching each 2 s boundary (20 fps: 40 frames a segment)", () => {
    const { decisions, spans } = cut(frames(1_000_000, 50_000, 100));
    const keyframes = decisions.flatMap((d, i) => (d.kind === "start" ? [i] : []));
    expect(keyframes).toEqual([0, 40, 80]);
    expect(spans).toEqual([
      { sequenceNumber: 0, startUs: 1_000_000, endUs: 3_000_000 },
      { sequenceNumber: 1, startUs: 3_000_000, endUs: 5_000_000 },
      // The last segment ends one frame after its last frame (frame 99 at 5.95 s).
      { sequenceNumber: 2, startUs: 5_000_000, endUs: 6_000_000 },
    ]);
  });

  it("keeps the grid when a frame lands late, so one late frame does not delay every later cut", () => {
    // Frames at 0, 1.99 s, 2.08 s, then steady until the 4 s boundary, which is still cut at 4 s.
    const { spans } = cut([0, 1_990_000, 2_080_000, 3_000_000, 3_990_000, 4_000_000, 4_010_000]);
    expect(spans.map((s) => [s.startUs, s.endUs])).toEqual([
      [0, 2_080_000],
      [2_080_000, 4_000_000],
      [4_000_000, 4_060_000],
    ]);
  });

  it("cuts once after a stall that skips several boundaries, and resumes on the grid", () => {
    const { spans } = cut([0, 1_000_000, 7_500_000, 7_900_000, 8_000_000]);
    expect(spans.map((s) => [s.startUs, s.endUs])).toEqual([
      [0, 7_500_000],
      [7_500_000, 8_000_000],
      [8_000_000, 8_050_000],
    ]);
  });

  it("drops frames whose timestamp does not advance, and everything after finish", () => {
    const cutter = new SegmentCutter(SEGMENT_US);
    cutter.push(100);
    expect(cutter.push(100)).toEqual({ kind: "drop" });
    expect(cutter.push(50)).toEqual({ kind: "drop" });
    expect(cutter.push(Number.NaN)).toEqual({ kind: "drop" });
    expect(cutter.finish(50_000)).toEqual({ sequenceNumber: 0, startUs: 100, endUs: 50_100 });
    expect(cutter.push(200_000)).toEqual({ kind: "drop" });
    expect(cutter.finish(50_000)).toBeUndefined();
  });

  it("closes nothing when no frame came", () => {
    expect(new SegmentCutter(SEGMENT_US).finish(33_333)).toBeUndefined();
  });

  it("refuses a segment duration that is not positive", () => {
    expect(() => new SegmentCutter(0)).toThrow(RangeError);
    expect(() => new SegmentCutter(Number.NaN)).toThrow(RangeError);
  });
});

describe("spanToMs", () => {
  it("rounds both ends from the origin, so durations add up to the next start", () => {
    const origin = 10_231_042_200;
    expect(spanToMs({ sequenceNumber: 0, startUs: origin, endUs: origin + 2_049_600 }, origin)).toEqual({ startMs: 0, durationMs: 2050 });
    expect(spanToMs({ sequenceNumber: 1, startUs: origin + 2_049_600, endUs: origin + 4_000_400 }, origin)).toEqual({
      startMs: 2050,
      durationMs: 1950,
    });
  });

  it("never announces a duration below 1 ms", () => {
    expect(spanToMs({ sequenceNumber: 0, startUs: 0, endUs: 1 }, 0)).toEqual({ startMs: 0, durationMs: 1 });
  });
});

describe("segments tile the stream (property)", () => {
  // Increasing timestamps with arbitrary jitter and stalls, any segment duration from 0.1 s to 10 s.
  const streams = fc.record({
    originUs: fc.integer({ min: 0, max: 2 ** 40 }),
    stepsUs: fc.array(fc.integer({ min: 1, max: 3_000_000 }), { minLength: 0, maxLength: 400 }),
    segmentUs: fc.integer({ min: 100_000, max: 10_000_000 }),
    frameDurationUs: fc.integer({ min: 1, max: 100_000 }),
  });

  it("every segment starts where the previous one ended, in µs and in rounded ms, and starts on a keyframe", () => {
    fc.assert(
      fc.property(streams, ({ originUs, stepsUs, segmentUs, frameDurationUs }) => {
        const timestamps = stepsUs.reduce<number[]>((acc, step) => [...acc, (acc.at(-1) ?? originUs) + step], [originUs]);
        const { decisions, spans, originUs: origin } = cut(timestamps, frameDurationUs, segmentUs);
        expect(origin).toBe(originUs);
        expect(spans[0]?.startUs).toBe(originUs);
        expect(spans.at(-1)?.endUs).toBe((timestamps.at(-1) ?? 0) + frameDurationUs);
        // Keyframes are exactly the segment starts, in order.
        const keyframeTimes = decisions.flatMap((d, i) => (d.kind === "start" ? [timestamps[i]] : []));
        expect(keyframeTimes).toEqual(spans.map((s) => s.startUs));
        const ms = spans.map((s) => spanToMs(s, originUs));
        spans.forEach((span, i) => {
          expect(span.sequenceNumber).toBe(i);
          expect(span.endUs).toBeGreaterThan(span.startUs);
          expect(ms[i]!.durationMs).toBeGreaterThanOrEqual(1);
          const next = spans[i + 1];
          if (next) {
            expect(next.startUs).toBe(span.endUs);
            expect(ms[i + 1]!.startMs).toBe(ms[i]!.startMs + ms[i]!.durationMs);
            // A segment closes only once a boundary of the grid (every segmentUs from the origin) has passed.
            const period = (t: number) => Math.floor((t - originUs) / segmentUs);
            expect(period(span.endUs)).toBeGreaterThan(period(span.startUs));
          }
        });
      }),
    );
  });

  it("with steady frames, every segment but the last lasts the segment duration to within one frame", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 100_000 }), fc.integer({ min: 50, max: 600 }), (stepUs, count) => {
        const { spans } = cut(frames(5_000, stepUs, count), stepUs);
        for (const span of spans.slice(0, -1)) {
          expect(Math.abs(span.endUs - span.startUs - SEGMENT_US)).toBeLessThan(stepUs);
        }
      }),
    );
  });
});
