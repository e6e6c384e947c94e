// Tests of putting audio timestamps on the video clock.
import { describe, expect, it } from "vitest";
import { TrackClocks } from "./track-clocks.ts";

describe("TrackClocks", () => {
  it("finds the offset between unrelated clocks from the least delivery latency, then keeps it", () => {
    const clocks = new TrackClocks();
    // Video stamped on a clock 10 000 s ahead of the arrival clock, audio on one 500 ms behind it; latencies vary.
    const videoAhead = 10_000_000_000;
    const audioBehind = -500_000;
    for (let i = 0; i < 20; i++) {
      const arrival = 1_000_000 + i * 50_000;
      clocks.observe("video", arrival - 30_000 - (i % 3) * 10_000 + videoAhead, arrival);
      clocks.observe("audio", arrival - 12_000 - (i % 2) * 5_000 + audioBehind, arrival);
      if (i < 10) expect(clocks.audioToVideoUs).toBeUndefined();
    }
    // audio ts + offset = video ts of the same instant: 10 000.5 s, less the latency difference (12 ms − 30 ms).
    expect(clocks.audioToVideoUs).toBe(videoAhead - audioBehind - 18_000);
    clocks.observe("video", 0, 5_000_000);
    expect(clocks.audioToVideoUs).toBe(videoAhead - audioBehind - 18_000);
  });

  it("uses timestamps as they are when both tracks share a clock", () => {
    const clocks = new TrackClocks();
    for (let i = 0; i < 20; i++) {
      const arrival = 2_000_000 + i * 50_000;
      clocks.observe("video", arrival - 40_000, arrival);
      clocks.observe("audio", arrival - 10_000, arrival);
    }
    expect(clocks.audioToVideoUs).toBe(0);
  });

  it("waits for both tracks", () => {
    const clocks = new TrackClocks();
    for (let i = 0; i < 40; i++) clocks.observe("video", i * 50_000, i * 50_000 + 1000);
    expect(clocks.audioToVideoUs).toBeUndefined();
  });
});
