// The senderNonces already paid with each recipientRandHash, and the recipientRandHashes retired after a win, kept
// in memory only until their params expire (after that the expiry check refuses their tickets anyway).
import type { Hex } from "viem";

/** What a ticket's (recipientRandHash, senderNonce) pair is to the tracker. */
export type NonceStatus = "fresh" | "replayed" | "retired";

/** go-livepeer's maxSenderNonces: after this many tickets a recipientRandHash is retired and new params are issued. */
export const DEFAULT_MAX_NONCES_PER_RECIPIENT_RAND_HASH = 600;
/** Live params this orchestrator can track at once; it issues every one, so only its own traffic can fill this. */
export const DEFAULT_MAX_RECIPIENT_RAND_HASHES = 100_000;

/** One ticket's pair, with the last block its params are good for (when its nonces may be forgotten). */
export interface NonceClaim {
  recipientRandHash: Hex;
  senderNonce: bigint;
  expirationBlock: bigint;
}

interface Entry {
  expirationBlock: bigint;
  nonces: Set<bigint>;
  retired: boolean;
}

export class NonceTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly maxRecipientRandHashes: number;

  constructor({ maxRecipientRandHashes = DEFAULT_MAX_RECIPIENT_RAND_HASHES } = {}) {
    this.maxRecipientRandHashes = maxRecipientRandHashes;
  }

  /** Whether the pair may still be paid with; changes nothing. */
  status(recipientRandHash: Hex, senderNonce: bigint): NonceStatus {
    const entry = this.entries.get(key(recipientRandHash));
    if (entry?.retired) return "retired";
    return entry?.nonces.has(senderNonce) ? "replayed" : "fresh";
  }

  /**
   * Checks and records the pairs in one step, all or none, so that two payments validated at once cannot both spend
   * one nonce. Returns the first pair that cannot be spent — already spent, repeated among `claims`, retired, or a new
   * recipientRandHash without room even after dropping expired ones (forgetting a live hash's nonces would let its
   * tickets be paid twice) — and then records nothing; null when all were recorded.
   */
  claimAll(claims: readonly NonceClaim[], currentBlock: bigint): { index: number; status: Exclude<NonceStatus, "fresh"> | "full" } | null {
    const pairs = new Set<string>();
    const newHashes = new Map<string, number>();
    for (const [index, c] of claims.entries()) {
      const k = key(c.recipientRandHash);
      const entry = this.entries.get(k);
      if (entry?.retired) return { index, status: "retired" };
      const pair = `${k}/${c.senderNonce}`;
      if (entry?.nonces.has(c.senderNonce) || pairs.has(pair)) return { index, status: "replayed" };
      pairs.add(pair);
      if (entry === undefined && !newHashes.has(k)) newHashes.set(k, index);
    }
    if (this.entries.size + newHashes.size > this.maxRecipientRandHashes) this.prune(currentBlock);
    if (this.entries.size + newHashes.size > this.maxRecipientRandHashes) {
      return { index: newHashes.values().next().value as number, status: "full" };
    }
    for (const c of claims) {
      const k = key(c.recipientRandHash);
      let entry = this.entries.get(k);
      if (entry === undefined) {
        entry = { expirationBlock: c.expirationBlock, nonces: new Set(), retired: false };
        this.entries.set(k, entry);
      }
      entry.nonces.add(c.senderNonce);
    }
    return null;
  }

  /** Refuses every later ticket of the hash; its nonces are no longer needed, only the fact, until it expires. */
  retire(recipientRandHash: Hex, expirationBlock: bigint): void {
    this.entries.set(key(recipientRandHash), { expirationBlock, nonces: new Set(), retired: true });
  }

  /** Nonces recorded for the hash (0 once retired). */
  nonceCount(recipientRandHash: Hex): number {
    return this.entries.get(key(recipientRandHash))?.nonces.size ?? 0;
  }

  /** Drops every hash whose params expired before `currentBlock`; returns how many. */
  prune(currentBlock: bigint): number {
    let dropped = 0;
    for (const [k, entry] of this.entries) {
      if (currentBlock > entry.expirationBlock) {
        this.entries.delete(k);
        dropped++;
      }
    }
    return dropped;
  }

  /** recipientRandHashes tracked, for metrics. */
  get size(): number {
    return this.entries.size;
  }
}

/** Hashes arrive lower-cased from the wire codec but in any case from elsewhere; one key per hash either way. */
function key(recipientRandHash: Hex): string {
  return recipientRandHash.toLowerCase();
}
