// Spec of stateless ticket params: an orchestrator re-derives recipientRand from the params alone, and spots any change.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, keccak256, numberToHex, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidTicket } from "./errors.ts";
import {
  InvalidSeed,
  MIN_RECIPIENT_SECRET_BYTES,
  RecipientSecretTooShort,
  isExpired,
  issueTicketParams,
  issuedRecipientRand,
  newRecipientSecret,
  recipientRandFor,
  verifyTicketParams,
  type IssueTicketParamsInput,
} from "./params.ts";
import { address, bytes32, ticketParams, uint256 } from "./test-arbitraries.ts";
import { isWinningTicket, makeTicket, recipientRandHash, recoverTicketSigner, signTicket } from "./ticket.ts";
import type { TicketParams } from "./types.ts";
import { MAX_WIN_PROB } from "./winprob.ts";

const SECRET = hexToBytes(keccak256(stringToHex("orchestrator secret")));
const orchestrator: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const broadcaster = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

const terms: Omit<IssueTicketParamsInput, "secret"> = {
  recipient: orchestrator,
  faceValue: 10n ** 16n,
  winProb: 2n ** 248n,
  expirationBlock: 1_000n,
  creationRound: 5n,
  creationRoundBlockHash: keccak256(stringToHex("round 5")),
};

const secret = fc.uint8Array({ minLength: MIN_RECIPIENT_SECRET_BYTES, maxLength: 64 });

/** HMAC-SHA256 by node:crypto over the fields written out by hand: the derivation restated without the library. */
function independentRecipientRand(key: Uint8Array, p: Omit<TicketParams, "recipientRandHash">): bigint {
  const word = (n: bigint) => numberToHex(n, { size: 32 }).slice(2);
  const message =
    p.seed.slice(2) +
    p.recipient.slice(2) +
    word(p.faceValue) +
    word(p.winProb) +
    word(p.expirationBlock) +
    word(p.creationRound) +
    p.creationRoundBlockHash.slice(2);
  return BigInt(`0x${createHmac("sha256", key).update(hexToBytes(`0x${message}`)).digest("hex")}`);
}

describe("recipientRandFor", () => {
  it("is HMAC-SHA256(secret, seed ‖ recipient ‖ faceValue ‖ winProb ‖ expirationBlock ‖ creationRound ‖ creationRoundBlockHash)", () => {
    fc.assert(
      fc.property(secret, ticketParams, (key, params) => {
        expect(recipientRandFor(key, params)).toBe(independentRecipientRand(key, params));
      }),
      { numRuns: 1_000 },
    );
  });

  it("is the same after a restart: a copy of the secret and the echoed params give the same recipientRand", () => {
    fc.assert(
      fc.property(secret, ticketParams, (key, params) => {
        const beforeRestart = recipientRandFor(key, params);
        const afterRestart = recipientRandFor(new Uint8Array(key), structuredClone(params));
        expect(afterRestart).toBe(beforeRestart);
      }),
      { numRuns: 1_000 },
    );
  });

  it(`refuses a secret shorter than ${MIN_RECIPIENT_SECRET_BYTES} bytes`, () => {
    expect(() => recipientRandFor(new Uint8Array(31), { ...terms, seed: bytesToHex(new Uint8Array(32)) })).toThrow(
      expect.objectContaining({ name: "RecipientSecretTooShort", data: { lengthBytes: 31, minBytes: 32 } }),
    );
  });

  it("refuses a seed that is not 32 bytes, since the fixed-width encoding would become ambiguous", () => {
    for (const seed of ["0x1234", `0x${"00".repeat(33)}`, "0xnothex"] as Hex[]) {
      expect(() => recipientRandFor(SECRET, { ...terms, seed })).toThrow(InvalidSeed);
    }
  });
});

describe("issueTicketParams", () => {
  it("commits to recipientRandFor(secret, params) in recipientRandHash, and holds nothing but TicketParams fields", () => {
    const params = issueTicketParams({ secret: SECRET, ...terms, ...{ notAParamsField: "kept out" } });
    expect(params).toMatchObject(terms);
    expect(Object.keys(params).sort()).toEqual([
      "creationRound", "creationRoundBlockHash", "expirationBlock", "faceValue", "recipient", "recipientRandHash", "seed", "winProb",
    ]);
    expect(params.recipientRandHash).toBe(recipientRandHash(recipientRandFor(SECRET, params)));
  });

  it("draws a fresh 32-byte seed each time, so each issue has its own recipientRand (and its own nonce space)", () => {
    const issued = Array.from({ length: 50 }, () => issueTicketParams({ secret: SECRET, ...terms }));
    expect(new Set(issued.map((p) => p.seed)).size).toBe(50);
    expect(new Set(issued.map((p) => p.recipientRandHash)).size).toBe(50);
    for (const p of issued) expect(hexToBytes(p.seed)).toHaveLength(32);
  });

  it("reproduces the same params from the same secret and seed", () => {
    fc.assert(
      fc.property(bytes32, (seed) => {
        expect(issueTicketParams({ secret: SECRET, ...terms, seed })).toEqual(
          issueTicketParams({ secret: new Uint8Array(SECRET), ...terms, seed }),
        );
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("verifyTicketParams", () => {
  it("accepts every params its own secret issued", () => {
    fc.assert(
      fc.property(secret, ticketParams, (key, { recipientRandHash: _, ...fields }) => {
        expect(verifyTicketParams(key, issueTicketParams({ secret: key, ...fields }))).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  const tamper = fc.oneof(
    address.map((recipient) => ({ recipient })),
    uint256.map((faceValue) => ({ faceValue })),
    uint256.map((winProb) => ({ winProb })),
    bytes32.map((recipientRandHash) => ({ recipientRandHash })),
    bytes32.map((seed) => ({ seed })),
    uint256.map((expirationBlock) => ({ expirationBlock })),
    uint256.map((creationRound) => ({ creationRound })),
    bytes32.map((creationRoundBlockHash) => ({ creationRoundBlockHash })),
  );

  it("rejects params with any field changed", () => {
    fc.assert(
      fc.property(ticketParams, tamper, ({ recipientRandHash: _, ...fields }, change) => {
        const issued = issueTicketParams({ secret: SECRET, ...fields });
        const tampered: TicketParams = { ...issued, ...change };
        // Addresses and hashes differ only if their bytes do: letter case is not a change.
        fc.pre(Object.entries(change).some(([field, value]) => `${value}`.toLowerCase() !== `${issued[field as keyof TicketParams]}`.toLowerCase()));
        expect(verifyTicketParams(SECRET, tampered)).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it("rejects params another orchestrator's secret issued", () => {
    fc.assert(
      fc.property(secret, secret, (mine, theirs) => {
        fc.pre(bytesToHex(mine) !== bytesToHex(theirs));
        expect(verifyTicketParams(mine, issueTicketParams({ secret: theirs, ...terms }))).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it("treats a malformed seed or recipientRandHash as params it did not issue", () => {
    const issued = issueTicketParams({ secret: SECRET, ...terms });
    expect(verifyTicketParams(SECRET, { ...issued, seed: "0x12" })).toBe(false);
    expect(verifyTicketParams(SECRET, { ...issued, recipientRandHash: issued.recipientRandHash.slice(0, 40) as Hex })).toBe(false);
  });

  it("still throws on a short secret: that is the orchestrator's misconfiguration, not a bad ticket", () => {
    const issued = issueTicketParams({ secret: SECRET, ...terms });
    expect(() => verifyTicketParams(new Uint8Array(8), issued)).toThrow(RecipientSecretTooShort);
  });
});

describe("issuedRecipientRand", () => {
  it("gives the recipientRand of issued params and throws InvalidTicket (unknownParams) for any other", () => {
    const issued = issueTicketParams({ secret: SECRET, ...terms });
    expect(issuedRecipientRand(SECRET, issued)).toBe(recipientRandFor(SECRET, issued));
    const error = (() => {
      try {
        return issuedRecipientRand(SECRET, { ...issued, winProb: issued.winProb / 2n });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidTicket);
    expect(error).toMatchObject({ data: { reason: "unknownParams" } });
  });
});

describe("isExpired", () => {
  it("accepts tickets up to and including expirationBlock, and not one block later", () => {
    fc.assert(
      fc.property(uint256, (expirationBlock) => {
        expect(isExpired({ expirationBlock }, expirationBlock)).toBe(false);
        expect(isExpired({ expirationBlock }, expirationBlock + 1n)).toBe(true);
        if (expirationBlock > 0n) expect(isExpired({ expirationBlock }, expirationBlock - 1n)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("newRecipientSecret", () => {
  it("is 32 random bytes, usable as a secret", () => {
    const a = newRecipientSecret();
    expect(a).toHaveLength(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(newRecipientSecret()));
    expect(verifyTicketParams(a, issueTicketParams({ secret: a, ...terms }))).toBe(true);
  });
});

describe("a payment across an orchestrator restart", () => {
  it("is verified and redeemable with nothing kept but the secret: params, ticket and recipientRand line up", async () => {
    // Before the restart: the orchestrator issues params and forgets them.
    const params = issueTicketParams({ secret: newSecretCopy(SECRET), ...terms, winProb: MAX_WIN_PROB });
    // The broadcaster makes and signs tickets from them, echoing the params back.
    const tickets = await Promise.all([1n, 2n, 3n].map((n) => signTicket(broadcaster, makeTicket(params, broadcaster.address, n))));
    // After the restart: only the secret survives.
    const secretAfterRestart = newSecretCopy(SECRET);
    const echoed: TicketParams = structuredClone(params);
    expect(verifyTicketParams(secretAfterRestart, echoed)).toBe(true);
    const recipientRand = issuedRecipientRand(secretAfterRestart, echoed);
    for (const signed of tickets) {
      expect(recipientRandHash(recipientRand)).toBe(signed.ticket.recipientRandHash);
      expect(await recoverTicketSigner(signed)).toBe(broadcaster.address);
      expect(isWinningTicket(signed.sig, recipientRand, signed.ticket.winProb)).toBe(true);
    }
  });
});

function newSecretCopy(secretBytes: Uint8Array): Uint8Array {
  return hexToBytes(bytesToHex(secretBytes));
}
