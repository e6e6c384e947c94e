// Spec of a ticket's bytes: auxData, the hash the sender signs, the signature round trip and the win check.
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, numberToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidSignature } from "./signature.ts";
import { account, address, bytes, bytes32, ticket, ticketParams, uint256, UINT256_MAX } from "./test-arbitraries.ts";
import {
  AUX_DATA_LENGTH_BYTES,
  InvalidAuxData,
  SignerNotSender,
  decodeAuxData,
  encodeAuxData,
  isWinningTicket,
  makeTicket,
  recipientRandHash,
  recoverTicketSigner,
  signTicket,
  ticketHash,
} from "./ticket.ts";
import type { Ticket } from "./types.ts";

const sender = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const orchestrator: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/** The hash computed without viem's encoder: each field written out as Solidity's encodePacked lays it down. */
function independentTicketHash(t: Ticket): Hex {
  const word = (n: bigint) => n.toString(16).padStart(64, "0");
  const packed =
    t.recipient.slice(2) +
    t.sender.slice(2) +
    word(t.faceValue) +
    word(t.winProb) +
    word(t.senderNonce) +
    t.recipientRandHash.slice(2) +
    t.auxData.slice(2);
  return bytesToHex(keccak_256(hexToBytes(`0x${packed}`)));
}

function aTicket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    recipient: orchestrator,
    sender: sender.address,
    faceValue: 10n ** 16n,
    winProb: 2n ** 250n,
    senderNonce: 1n,
    recipientRandHash: recipientRandHash(0xc0ffeen),
    auxData: encodeAuxData(7n, `0x${"ab".repeat(32)}`),
    ...overrides,
  };
}

describe("auxData", () => {
  it("is creationRound as a uint256 word followed by creationRoundBlockHash, and decodes back", () => {
    fc.assert(
      fc.property(uint256, bytes32, (creationRound, creationRoundBlockHash) => {
        const auxData = encodeAuxData(creationRound, creationRoundBlockHash);
        expect(auxData).toBe(`${numberToHex(creationRound, { size: 32 })}${creationRoundBlockHash.slice(2)}`);
        expect(decodeAuxData(auxData)).toEqual({ creationRound, creationRoundBlockHash });
      }),
      { numRuns: 2_000 },
    );
  });

  it(`rejects anything but ${AUX_DATA_LENGTH_BYTES} bytes with InvalidAuxData naming the length found`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }).filter((n) => n !== AUX_DATA_LENGTH_BYTES).chain(bytes), (auxData) => {
        expect(() => decodeAuxData(auxData)).toThrow(
          expect.objectContaining({ name: "InvalidAuxData", data: { auxData, lengthBytes: (auxData.length - 2) / 2 } }),
        );
      }),
      { numRuns: 1_000 },
    );
    expect(() => decodeAuxData("0xnothex")).toThrow(InvalidAuxData);
  });
});

describe("ticketHash", () => {
  it("equals keccak256 of the fields packed as abi.encodePacked lays them out", () => {
    fc.assert(
      fc.property(ticket(), (t) => {
        expect(ticketHash(t)).toBe(independentTicketHash(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it("changes when any field changes", () => {
    const base = aTicket();
    const changes: Partial<Ticket>[] = [
      { recipient: sender.address },
      { sender: orchestrator },
      { faceValue: base.faceValue + 1n },
      { winProb: base.winProb - 1n },
      { senderNonce: 2n },
      { recipientRandHash: recipientRandHash(0xc0ffefn) },
      { auxData: encodeAuxData(8n, `0x${"ab".repeat(32)}`) },
    ];
    const hashes = new Set([ticketHash(base), ...changes.map((c) => ticketHash({ ...base, ...c }))]);
    expect(hashes.size).toBe(changes.length + 1);
  });
});

describe("recipientRandHash", () => {
  it("is keccak256 of recipientRand as a big-endian uint256 word", () => {
    fc.assert(
      fc.property(uint256, (rand) => {
        expect(recipientRandHash(rand)).toBe(bytesToHex(keccak_256(hexToBytes(numberToHex(rand, { size: 32 })))));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("makeTicket", () => {
  it("carries the params' terms unchanged, the sender and nonce given, and auxData of the params' creation round", () => {
    fc.assert(
      fc.property(ticketParams, address, uint256, (params, from, nonce) => {
        const t = makeTicket(params, from, nonce);
        expect(t).toEqual({
          recipient: params.recipient,
          sender: from,
          faceValue: params.faceValue,
          winProb: params.winProb,
          senderNonce: nonce,
          recipientRandHash: params.recipientRandHash,
          auxData: encodeAuxData(params.creationRound, params.creationRoundBlockHash),
        });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("signTicket and recoverTicketSigner", () => {
  it("round-trip: any sender's signed ticket recovers to that sender", async () => {
    await fc.assert(
      fc.asyncProperty(account.chain((key) => fc.tuple(fc.constant(key), ticket(fc.constant(key.address)))), async ([key, t]) => {
        const signed = await signTicket(key, t);
        expect(signed.ticket).toBe(t);
        expect(await recoverTicketSigner(signed)).toBe(key.address);
      }),
      { numRuns: 200 },
    );
  });

  it("signs the EIP-191 personal message over ticketHash, as the TicketBroker recovers it", async () => {
    const t = aTicket();
    const { sig } = await signTicket(sender, t);
    expect(sig).toBe(await sender.signMessage({ message: { raw: ticketHash(t) } }));
  });

  it("recovers someone other than the sender once any field of the signed ticket is altered", async () => {
    const signed = await signTicket(sender, aTicket());
    const altered: Ticket[] = [
      { ...signed.ticket, faceValue: signed.ticket.faceValue * 2n },
      { ...signed.ticket, winProb: UINT256_MAX },
      { ...signed.ticket, recipient: sender.address },
      { ...signed.ticket, senderNonce: 2n },
    ];
    for (const ticket of altered) expect(await recoverTicketSigner({ ticket, sig: signed.sig })).not.toBe(sender.address);
  });

  it("refuses to sign a ticket whose sender is another address, with SignerNotSender naming both", async () => {
    const error = await signTicket(sender, aTicket({ sender: orchestrator })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignerNotSender);
    expect(error).toMatchObject({ data: { signer: sender.address, sender: orchestrator } });
  });

  it("accepts a sender address in any letter case", async () => {
    const signed = await signTicket(sender, aTicket({ sender: sender.address.toLowerCase() as Address }));
    expect(await recoverTicketSigner(signed)).toBe(sender.address);
  });

  it("rejects a malformed signature with the InvalidSignature error the contract would revert with", async () => {
    const signed = await signTicket(sender, aTicket());
    const error = await recoverTicketSigner({ ...signed, sig: signed.sig.slice(0, 66) as Hex }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSignature);
    expect(error).toMatchObject({ data: { hash: ticketHash(signed.ticket), recoverError: "InvalidSignatureLength" } });
  });
});

describe("isWinningTicket", () => {
  /** uint256(keccak256(abi.encodePacked(sig, recipientRand))), computed without viem. */
  const winHash = (sig: Hex, rand: bigint) =>
    BigInt(bytesToHex(keccak_256(new Uint8Array([...hexToBytes(sig), ...hexToBytes(numberToHex(rand, { size: 32 }))]))));

  it("agrees with winHash < winProb computed on bigints", () => {
    fc.assert(
      fc.property(bytes(65), uint256, uint256, (sig, rand, winProb) => {
        expect(isWinningTicket(sig, rand, winProb)).toBe(winHash(sig, rand) < winProb);
      }),
      { numRuns: 2_000 },
    );
  });

  it("wins exactly when winProb is above the hash: not at winProb = hash, yes at hash + 1", () => {
    fc.assert(
      fc.property(bytes(65), uint256, (sig, rand) => {
        const h = winHash(sig, rand);
        expect(isWinningTicket(sig, rand, h)).toBe(false);
        expect(isWinningTicket(sig, rand, h + 1n)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it("never wins at winProb 0", () => {
    fc.assert(
      fc.property(bytes(65), uint256, (sig, rand) => {
        expect(isWinningTicket(sig, rand, 0n)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });
});
