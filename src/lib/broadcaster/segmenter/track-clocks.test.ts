// Tests of putting microphone timestamps on the camera's clock, with the clocks Chromium really uses.
import { describe, expect, it } from "vitest";
import { OFF_CLOCK_RESET, TrackClocks } from "./track-clocks.ts";

/** Video stamped on a clock 10 000 s ahead of the worker's (time since boot), as Chromium's camera frames are. */
const VIDEO_AHEAD_US = 10_000_000_000;

/** Feeds 1 s of 20 fps video (30 ms latency) and 10 ms audio buffers (2 ms latency) stamped on the worker's clock. */
function steady(clocks: TrackClocks, fromUs: number, audioAheadUs = 0) {
  for (let t = fromUs; t < fromUs + 1_000_000; t += 10_000) {
    if ((t - fromUs) % 50_000 === 0) clocks.observe("video", t - 30_000 + VIDEO_AHEAD_US, t);
    clocks.observe("audio", t - 2_000 + audioAheadUs, t);
  }
}

describe("TrackClocks", () => {
  it("finds the offset between unrelated clocks from the least delivery latencies", () => {
    const clocks = new TrackClocks();
    clocks.observe("video", 1_000_000 - 30_000 + VIDEO_AHEAD_US, 1_000_000);
    clocks.observe("audio", 1_000_000 - 2_000, 1_000_000);
    expect(clocks.audioToVideoUs).toBeUndefined();
    steady(clocks, 1_010_000);
    // audio ts + offset = video ts of the same instant, less the latency difference (2 ms − 30 ms).
    expect(clocks.audioToVideoUs).toBe(VIDEO_AHEAD_US - 28_000);
    expect(clocks.placeAudio(2_000_000, 2_002_000)).toBe(2_000_000 + VIDEO_AHEAD_US - 28_000);
  });

  it("ignores, and refuses, the first audio buffers stamped on the page's clock (read before the worker had the stream)", () => {
    const clocks = new TrackClocks();
    // Eight buffered samples arrive at once, stamped 2.4 s ahead (the page's clock started earlier).
    const early = Array.from({ length: 8 }, (_, i) => 2_444_000 + i * 10_000);
    for (const ts of early) clocks.observe("audio", ts, 64_000);
    steady(clocks, 70_000);
    expect(clocks.audioToVideoUs).toBe(VIDEO_AHEAD_US - 28_000);
    for (const ts of early) expect(clocks.placeAudio(ts, 64_000)).toBeUndefined();
    expect(clocks.placeAudio(60_000, 69_000)).toBe(60_000 + VIDEO_AHEAD_US - 28_000);
  });

  it("uses timestamps as they are when both tracks share a clock", () => {
    const clocks = new TrackClocks();
    for (let t = 0; t < 1_000_000; t += 10_000) {
      if (t % 50_000 === 0) clocks.observe("video", t - 40_000, t);
      clocks.observe("audio", t - 10_000, t);
    }
    expect(clocks.audioToVideoUs).toBe(0);
  });

  it("waits for both tracks", () => {
    const clocks = new TrackClocks();
    for (let i = 0; i < 40; i++) clocks.observe("video", i * 50_000, i * 50_000 + 1000);
    expect(clocks.audioToVideoUs).toBeUndefined();
    expect(clocks.placeAudio(0, 0)).toBeUndefined();
  });

  it("estimates afresh when the audio clock changes for good", () => {
    const clocks = new TrackClocks();
    steady(clocks, 0);
    const before = clocks.audioToVideoUs;
    // From now on audio comes stamped 5 s ahead: refused until OFF_CLOCK_RESET in a row, then estimated anew.
    for (let i = 0; i < OFF_CLOCK_RESET; i++) expect(clocks.placeAudio(6_000_000 + i * 10_000, 1_000_000 + i * 10_000)).toBeUndefined();
    expect(clocks.audioToVideoUs).toBeUndefined();
    steady(clocks, 2_000_000, 5_000_000);
    expect(clocks.audioToVideoUs).toBe(before! - 5_000_000);
  });
});
