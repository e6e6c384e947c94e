import { describe, expect, it } from "vitest";
import { emptyStats, KEPT_ROWS, withCheck, withFailedSegment, withRedo, withSegment, withWins, type SegmentStat } from "./stats.ts";

const row = (sequenceNumber: number, over: Partial<SegmentStat> = {}): SegmentStat => ({
  sequenceNumber, orchestrator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", uploadMs: 10, transcodeMs: 400, roundTripMs: 600,
  evPaidWei: 10n ** 13n, tickets: 1, wins: 0, failedOver: 0, paidAgain: 0, ...over,
});

describe("broadcast stats", () => {
  it("sums what was paid and averages the round trips", () => {
    let s = withSegment(emptyStats(), row(0, { roundTripMs: 500 }));
    s = withSegment(s, row(1, { roundTripMs: 700, wins: 1, tickets: 2, failedOver: 1, paidAgain: 1 }));
    expect(s.totals).toMatchObject({ segments: 2, evPaidWei: 2n * 10n ** 13n, tickets: 3, wins: 1, failovers: 1, paidAgain: 1, meanRoundTripMs: 600 });
  });

  it("keeps the last rows only, but totals for the whole broadcast", () => {
    let s = emptyStats();
    for (let i = 0; i < KEPT_ROWS + 5; i++) s = withSegment(s, row(i));
    expect(s.rows).toHaveLength(KEPT_ROWS);
    expect(s.rows[0]!.sequenceNumber).toBe(5);
    expect(s.totals.segments).toBe(KEPT_ROWS + 5);
  });

  it("counts segments nobody returned", () => {
    expect(withFailedSegment(emptyStats()).totals.failedSegments).toBe(1);
  });

  it("takes wins from the chain's redemptions, per segment and in all", () => {
    let s = withSegment(withSegment(emptyStats(), row(0)), row(1));
    s = withWins(s, new Map([[1, 2], [0, 1], [7, 1]])); // segment 7's row is no longer kept, its win still counts
    expect(s.rows.map((r) => r.wins)).toEqual([1, 2]);
    expect(s.totals.wins).toBe(4);
  });

  it("records spot checks on their rows and counts them; a redo names who delivered the segment in the end", () => {
    let s = withSegment(withSegment(emptyStats(), row(0)), row(1));
    s = withCheck(s, 1, { outcome: "failed", reason: "resolution", timeMs: 900 });
    s = withCheck(s, 0, { outcome: "passed", timeMs: 800 });
    expect(s.rows[1]!.check).toEqual({ outcome: "failed", reason: "resolution", timeMs: 900 });
    expect(s.totals).toMatchObject({ checksPassed: 1, checksFailed: 1, checksSkipped: 0 });
    s = withRedo(s, row(1, { orchestrator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", failedOver: 1 }));
    expect(s.rows[1]).toMatchObject({ orchestrator: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", check: { outcome: "failed" } });
    expect(s.totals).toMatchObject({ segments: 2, failovers: 1, tickets: 3 });
  });
});
