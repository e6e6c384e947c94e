// What this browser has seen of each orchestrator (segments served and failed, faults, round trips), kept in
// IndexedDB so that selection (selection.ts, which scores it) learns across streams and reloads.
import { getAddress, isAddress, type Address } from "viem";
import { openLocalDb, type OrchestratorHistory } from "./local-db.ts";

export type { OrchestratorHistory } from "./local-db.ts";

/** Fault records kept per orchestrator (faultCount keeps counting past it): enough to show why, bounded in size. */
export const MAX_FAULTS_KEPT = 20;
/** Longest fault reason kept; reasons may quote a peer's text. */
export const MAX_FAULT_REASON_CHARS = 256;

/** An argument to a history function is not usable (a bug in the caller, not a user's mistake). */
export class InvalidHistoryInput extends Error {
  override name = "InvalidHistoryInput";
  readonly field: string;
  readonly value: string;

  constructor(field: string, value: unknown, expected: string) {
    super(`history: ${field} is ${String(value)}; it must be ${expected}. Fix the caller that records it.`);
    this.field = field;
    this.value = String(value);
  }
}

function checkedAddress(address: string): Address {
  if (!isAddress(address, { strict: false })) throw new InvalidHistoryInput("address", address, "a 0x-prefixed 20-byte address");
  return getAddress(address);
}

/** The record of an orchestrator nothing has been recorded for yet. */
export function emptyHistory(address: Address): OrchestratorHistory {
  return { address, segmentsOk: 0, segmentsFailed: 0, faultCount: 0, faults: [], meanRoundTripMs: 0, roundTripSamples: 0, lastSeenMs: 0 };
}

/** Reads, changes and writes one record in a single transaction, so two tabs recording at once lose nothing. */
async function update(address: Address, change: (h: OrchestratorHistory) => OrchestratorHistory): Promise<OrchestratorHistory> {
  const db = await openLocalDb();
  const tx = db.transaction("history", "readwrite");
  const next = change((await tx.store.get(address)) ?? emptyHistory(address));
  await tx.store.put(next, address);
  await tx.done;
  return next;
}

/**
 * Records one segment sent to `address`: served (`ok`) or not. The round trip of a served segment joins the running
 * mean; a failed segment's does not, since a timeout's round trip measures the timeout.
 */
export function recordSegment(address: string, outcome: { ok: boolean; roundTripMs?: number }, nowMs = Date.now()): Promise<OrchestratorHistory> {
  const checked = checkedAddress(address);
  const { ok, roundTripMs } = outcome;
  if (roundTripMs !== undefined && !(Number.isFinite(roundTripMs) && roundTripMs >= 0)) {
    throw new InvalidHistoryInput("roundTripMs", roundTripMs, "a finite number of milliseconds, 0 or more");
  }
  return update(checked, (h) => {
    const sampled = ok && roundTripMs !== undefined;
    const samples = h.roundTripSamples + (sampled ? 1 : 0);
    return {
      ...h,
      segmentsOk: h.segmentsOk + (ok ? 1 : 0),
      segmentsFailed: h.segmentsFailed + (ok ? 0 : 1),
      // Incremental mean: no list of samples to keep, and exact up to rounding.
      meanRoundTripMs: sampled ? h.meanRoundTripMs + (roundTripMs - h.meanRoundTripMs) / samples : h.meanRoundTripMs,
      roundTripSamples: samples,
      lastSeenMs: nowMs,
    };
  });
}

/**
 * Records a fault: a bad result, a broken payment promise, a dropped session — anything worse than a slow or failed
 * segment. Selection excludes an orchestrator with a fault since the stream started and penalizes older ones.
 */
export function recordFault(address: string, reason: string, nowMs = Date.now()): Promise<OrchestratorHistory> {
  const checked = checkedAddress(address);
  const text = String(reason).trim() || "(no reason given)";
  const clipped = text.length <= MAX_FAULT_REASON_CHARS ? text : `${text.slice(0, MAX_FAULT_REASON_CHARS - 1)}…`;
  return update(checked, (h) => ({
    ...h,
    faultCount: h.faultCount + 1,
    faults: [...h.faults, { reason: clipped, atMs: nowMs }].slice(-MAX_FAULTS_KEPT),
    lastSeenMs: nowMs,
  }));
}

/** Every orchestrator's record, by checksummed address. */
export async function loadHistory(): Promise<Map<Address, OrchestratorHistory>> {
  const db = await openLocalDb();
  const records = await db.getAll("history");
  return new Map(records.map((h) => [h.address, h]));
}

/** Forgets every orchestrator's record (a "reset history" button). */
export async function clearHistory(): Promise<void> {
  const db = await openLocalDb();
  await db.clear("history");
}
