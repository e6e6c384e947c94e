// The evidence of faults the spot checks found, kept in IndexedDB until it is brought on chain: what was sent, what
// came back, the orchestrator's signed receipt over both and the job it was for.
import type { Hex } from "viem";
import { openLocalDb, type FaultEvidence } from "./local-db.ts";

export type { FaultEvidence } from "./local-db.ts";

/** Most pieces of evidence kept; the oldest go first (each holds a segment and a rendition, a few MiB). */
export const MAX_EVIDENCE_KEPT = 20;

export async function saveEvidence(evidence: FaultEvidence): Promise<void> {
  const db = await openLocalDb();
  const tx = db.transaction("evidence", "readwrite");
  await tx.store.put(evidence, evidence.id);
  const all = await tx.store.getAll();
  const excess = all.sort((a, b) => a.createdAtMs - b.createdAtMs).slice(0, Math.max(0, all.length - MAX_EVIDENCE_KEPT));
  for (const old of excess) if (!old.challenge || old.challenge.status !== "filed") await tx.store.delete(old.id);
  await tx.done;
}

export async function loadEvidence(): Promise<FaultEvidence[]> {
  const db = await openLocalDb();
  return (await db.getAll("evidence")).sort((a, b) => b.createdAtMs - a.createdAtMs);
}

export async function updateChallenge(id: Hex, challenge: NonNullable<FaultEvidence["challenge"]>): Promise<void> {
  const db = await openLocalDb();
  const tx = db.transaction("evidence", "readwrite");
  const found = await tx.store.get(id);
  if (found) await tx.store.put({ ...found, challenge }, id);
  await tx.done;
}
