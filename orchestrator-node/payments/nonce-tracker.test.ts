// Spec of the nonce tracker: each (recipientRandHash, senderNonce) is paid with once, retired hashes stay refused, and
// nothing is remembered past its params' expiry.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keccak256, stringToHex } from "viem";
import type { Hex } from "viem";
import { NonceTracker } from "./nonce-tracker.ts";

const HASH_A = keccak256(stringToHex("recipientRand A"));
const HASH_B = keccak256(stringToHex("recipientRand B"));

/** One pair claimed alone: "accepted", or why not. */
function claim(tracker: NonceTracker, recipientRandHash: Hex, senderNonce: bigint, expirationBlock: bigint, currentBlock: bigint) {
  return tracker.claimAll([{ recipientRandHash, senderNonce, expirationBlock }], currentBlock)?.status ?? "accepted";
}

describe("NonceTracker", () => {
  it("accepts a nonce once per recipientRandHash", () => {
    const tracker = new NonceTracker();
    expect(tracker.status(HASH_A, 1n)).toBe("fresh");
    expect(claim(tracker, HASH_A, 1n, 100n, 10n)).toBe("accepted");
    expect(tracker.status(HASH_A, 1n)).toBe("replayed");
    expect(claim(tracker, HASH_A, 1n, 100n, 10n)).toBe("replayed");
    expect(claim(tracker, HASH_B, 1n, 100n, 10n)).toBe("accepted");
    expect(tracker.nonceCount(HASH_A)).toBe(1);
  });

  it("treats a hash in upper and lower case as the same hash", () => {
    const tracker = new NonceTracker();
    claim(tracker, HASH_A, 1n, 100n, 10n);
    expect(claim(tracker, HASH_A.toUpperCase().replace("0X", "0x") as typeof HASH_A, 1n, 100n, 10n)).toBe("replayed");
  });

  it("refuses every nonce of a retired hash, new or not", () => {
    const tracker = new NonceTracker();
    claim(tracker, HASH_A, 1n, 100n, 10n);
    tracker.retire(HASH_A, 100n);
    expect(tracker.status(HASH_A, 2n)).toBe("retired");
    expect(claim(tracker, HASH_A, 2n, 100n, 10n)).toBe("retired");
    expect(claim(tracker, HASH_A, 1n, 100n, 10n)).toBe("retired");
  });

  it("forgets hashes whose params expired, and only those", () => {
    const tracker = new NonceTracker();
    claim(tracker, HASH_A, 1n, 100n, 10n);
    claim(tracker, HASH_B, 1n, 200n, 10n);
    expect(tracker.prune(100n)).toBe(0); // expirationBlock is the last good block
    expect(tracker.prune(101n)).toBe(1);
    expect(tracker.size).toBe(1);
    expect(tracker.status(HASH_B, 1n)).toBe("replayed");
  });

  it("makes room for a new hash by dropping expired ones, and refuses it when none has expired", () => {
    const tracker = new NonceTracker({ maxRecipientRandHashes: 1 });
    claim(tracker, HASH_A, 1n, 100n, 10n);
    expect(claim(tracker, HASH_B, 1n, 200n, 50n)).toBe("full");
    expect(tracker.status(HASH_A, 1n)).toBe("replayed"); // a live hash is never forgotten to make room
    expect(claim(tracker, HASH_B, 1n, 200n, 101n)).toBe("accepted");
  });

  it("claims several pairs all or none, naming the first that cannot be spent", () => {
    const tracker = new NonceTracker();
    claim(tracker, HASH_A, 2n, 100n, 10n);
    const pairs = [1n, 2n, 3n].map((senderNonce) => ({ recipientRandHash: HASH_A, senderNonce, expirationBlock: 100n }));
    expect(tracker.claimAll(pairs, 10n)).toEqual({ index: 1, status: "replayed" });
    expect(tracker.status(HASH_A, 1n)).toBe("fresh");
    expect(tracker.claimAll([pairs[0]!, pairs[2]!, pairs[0]!], 10n)).toEqual({ index: 2, status: "replayed" });
    expect(tracker.claimAll([pairs[0]!, pairs[2]!], 10n)).toBeNull();
    expect(tracker.nonceCount(HASH_A)).toBe(3);
  });

  it("accepts no (hash, nonce) pair twice, whatever the order of claims (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 30n })), { maxLength: 200 }), (claims) => {
        const tracker = new NonceTracker();
        const accepted = new Set<string>();
        for (const [useA, nonce] of claims) {
          const hash = useA ? HASH_A : HASH_B;
          if (claim(tracker, hash, nonce, 100n, 10n) === "accepted") {
            expect(accepted.has(`${hash}/${nonce}`)).toBe(false);
            accepted.add(`${hash}/${nonce}`);
          }
        }
        expect(accepted.size).toBe(new Set(claims.map(([a, n]) => `${a}/${n}`)).size);
      }),
    );
  });
});
