import { describe, expect, it } from "vitest";
import { DEADLINE_PER_TIMEOUT, latePublishMs } from "./deadlines.ts";

describe("latePublishMs", () => {
  it("covers every try's whole deadline, behind a next segment out at once, plus a poll", () => {
    // The broadcast page: 2 s segments, one segment length per try, three orchestrators on the share link.
    expect(latePublishMs(2_000, 2_000, 3)).toBe(18_000);
    for (const tries of [1, 2, 3, 5, 8]) {
      // Each try before the last failing at its deadline (or its hedge waiting that long for a slot).
      const lastResultMs = tries * DEADLINE_PER_TIMEOUT * 2_000; // after the segment was sent
      const nextOutMs = 2_000; // the next segment, sent a segment later, back at once
      expect(latePublishMs(2_000, 2_000, tries)).toBeGreaterThanOrEqual(lastResultMs - nextOutMs + 1_000);
    }
  });
});
