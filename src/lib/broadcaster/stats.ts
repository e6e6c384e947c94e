// Live statistics of a broadcast: one row per segment (who transcoded it, how long each leg took, what it cost)
// and running totals. Pure, so the page renders it and tests read it alike.
import type { Address } from "viem";

export interface SegmentStat {
  sequenceNumber: number;
  orchestrator: Address;
  uploadMs: number;
  transcodeMs: number;
  roundTripMs: number;
  /** Expected value of the tickets sent with it. */
  evPaidWei: bigint;
  tickets: number;
  /** Tickets of it that won, as their redemptions on chain show (withWins); 0 until one is redeemed. */
  wins: number;
  /** Orchestrators that failed it first. */
  failedOver: number;
  /** Its first payment was refused for stale params (a win retired them in flight) and it was paid again. */
  paidAgain: number;
  /** Its spot check, when it was sampled: passed, failed (and why) or skipped, and how long it took. */
  check?: { outcome: "passed" | "failed" | "skipped"; reason?: string; timeMs: number };
}

export interface Totals {
  segments: number;
  failedSegments: number;
  failovers: number;
  /** Segments paid again with fresh params. */
  paidAgain: number;
  /** Spot checks by outcome. */
  checksPassed: number;
  checksFailed: number;
  checksSkipped: number;
  evPaidWei: bigint;
  tickets: number;
  wins: number;
  meanRoundTripMs: number;
  meanTranscodeMs: number;
}

export interface BroadcastStats {
  rows: SegmentStat[];
  totals: Totals;
}

/** Rows kept for the table and chart; totals cover the whole broadcast. */
export const KEPT_ROWS = 120;

export function emptyStats(): BroadcastStats {
  return {
    rows: [],
    totals: { segments: 0, failedSegments: 0, failovers: 0, paidAgain: 0, checksPassed: 0, checksFailed: 0, checksSkipped: 0, evPaidWei: 0n, tickets: 0, wins: 0, meanRoundTripMs: 0, meanTranscodeMs: 0 },
  };
}

/** The stats with one more transcoded segment. */
export function withSegment(stats: BroadcastStats, row: SegmentStat): BroadcastStats {
  const t = stats.totals;
  const n = t.segments + 1;
  const rows = [...stats.rows, row];
  return {
    rows: rows.length > KEPT_ROWS ? rows.slice(rows.length - KEPT_ROWS) : rows,
    totals: {
      ...t,
      segments: n,
      failovers: t.failovers + (row.failedOver > 0 ? 1 : 0),
      paidAgain: t.paidAgain + row.paidAgain,
      evPaidWei: t.evPaidWei + row.evPaidWei,
      tickets: t.tickets + row.tickets,
      wins: t.wins + row.wins,
      meanRoundTripMs: t.meanRoundTripMs + (row.roundTripMs - t.meanRoundTripMs) / n,
      meanTranscodeMs: t.meanTranscodeMs + (row.transcodeMs - t.meanTranscodeMs) / n,
    },
  };
}

/** The stats with one segment that no orchestrator returned. */
export function withFailedSegment(stats: BroadcastStats): BroadcastStats {
  return { ...stats, totals: { ...stats.totals, failedSegments: stats.totals.failedSegments + 1 } };
}

/** The stats with wins as the chain shows them: per segment, and in all (including rows no longer kept). */
export function withWins(stats: BroadcastStats, winsBySegment: ReadonlyMap<number, number>): BroadcastStats {
  let wins = 0;
  for (const n of winsBySegment.values()) wins += n;
  return {
    rows: stats.rows.map((row) => ({ ...row, wins: winsBySegment.get(row.sequenceNumber) ?? 0 })),
    totals: { ...stats.totals, wins },
  };
}

/** The stats with a segment's spot check: on its row (while kept) and in the counts. */
export function withCheck(stats: BroadcastStats, sequenceNumber: number, check: NonNullable<SegmentStat["check"]>): BroadcastStats {
  const t = stats.totals;
  return {
    rows: stats.rows.map((row) => (row.sequenceNumber === sequenceNumber ? { ...row, check } : row)),
    totals: {
      ...t,
      checksPassed: t.checksPassed + (check.outcome === "passed" ? 1 : 0),
      checksFailed: t.checksFailed + (check.outcome === "failed" ? 1 : 0),
      checksSkipped: t.checksSkipped + (check.outcome === "skipped" ? 1 : 0),
    },
  };
}

/** The stats with a segment redone elsewhere after a failed check: its row now names who delivered it. */
export function withRedo(stats: BroadcastStats, row: SegmentStat): BroadcastStats {
  return {
    ...stats,
    rows: stats.rows.map((r) => (r.sequenceNumber === row.sequenceNumber ? { ...row, check: r.check } : r)),
    totals: { ...stats.totals, failovers: stats.totals.failovers + 1, evPaidWei: stats.totals.evPaidWei + row.evPaidWei, tickets: stats.totals.tickets + row.tickets },
  };
}
