import { describe, expect, it } from "vitest";
import { emptyStats, KEPT_ROWS, withFailedSegment, withSegment, withWins, type SegmentStat } from "./stats.ts";

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
});
