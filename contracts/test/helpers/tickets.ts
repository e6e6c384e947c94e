// Builds and signs TicketBroker tickets in contract tests the way a sender does: viem's encodePacked + keccak256
// for the hash and an EIP-191 personal-message signature over it, from a plain viem account.
import assert from "node:assert/strict";
import { encodePacked, keccak256, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { TestProtocol } from "./fixture.ts";

// The type only: hashing and signing here stay independent of the protocol library, so the contract tests check
// the library's format rather than share its mistakes.
import type { Ticket } from "../../../src/lib/protocol/types.ts";
export type { Ticket };

/** A ticket with everything a recipient needs to redeem it. */
export interface SignedTicket {
  ticket: Ticket;
  sig: Hex;
  recipientRand: bigint;
  hash: Hex;
}

/** winProb that wins for every signature: keccak256(sig, rand) < 2^256 - 1 except for one value in 2^256. */
export const ALWAYS_WINS = 2n ** 256n - 1n;

/** auxData = abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash). */
export function ticketAuxData(creationRound: bigint, creationRoundBlockHash: Hex): Hex {
  return encodePacked(["uint256", "bytes32"], [creationRound, creationRoundBlockHash]);
}

/** keccak256(abi.encodePacked(recipient, sender, faceValue, winProb, senderNonce, recipientRandHash, auxData)). */
export function ticketHash(t: Ticket): Hex {
  return keccak256(
    encodePacked(
      ["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"],
      [t.recipient, t.sender, t.faceValue, t.winProb, t.senderNonce, t.recipientRandHash, t.auxData],
    ),
  );
}

export function recipientRandHash(recipientRand: bigint): Hex {
  return keccak256(encodePacked(["uint256"], [recipientRand]));
}

/** Whether a signed ticket wins: uint256(keccak256(abi.encodePacked(sig, recipientRand))) < winProb. */
export function isWinning(sig: Hex, recipientRand: bigint, winProb: bigint): boolean {
  return BigInt(keccak256(encodePacked(["bytes", "uint256"], [sig, recipientRand]))) < winProb;
}

/** A fresh key, as a browser session would make one. */
export function newSenderAccount(): PrivateKeyAccount {
  return privateKeyToAccount(generatePrivateKey());
}

export interface TicketOptions {
  recipient: Address;
  faceValue: bigint;
  winProb?: bigint;
  senderNonce?: bigint;
  recipientRand?: bigint;
  /** Defaults to the current round; its block hash is read from the RoundsManager unless given. */
  creationRound?: bigint;
  creationRoundBlockHash?: Hex;
}

let nonceCounter = 0n;

/** Builds a ticket for the current (or given) round and signs it with `sender`. */
export async function makeTicket(p: TestProtocol, sender: PrivateKeyAccount, o: TicketOptions): Promise<SignedTicket> {
  const creationRound = o.creationRound ?? (await p.rounds.read.currentRound());
  const blockHash = o.creationRoundBlockHash ?? (await p.rounds.read.blockHashForRound([creationRound]));
  const recipientRand = o.recipientRand ?? BigInt(keccak256(encodePacked(["uint256"], [++nonceCounter])));
  const ticket: Ticket = {
    recipient: o.recipient,
    sender: sender.address,
    faceValue: o.faceValue,
    winProb: o.winProb ?? ALWAYS_WINS,
    senderNonce: o.senderNonce ?? ++nonceCounter,
    recipientRandHash: recipientRandHash(recipientRand),
    auxData: ticketAuxData(creationRound, blockHash),
  };
  return signTicket(sender, ticket, recipientRand);
}

/** Signs an already built ticket (to sign a deliberately broken one). */
export async function signTicket(sender: PrivateKeyAccount, ticket: Ticket, recipientRand: bigint): Promise<SignedTicket> {
  const hash = ticketHash(ticket);
  const sig = await sender.signMessage({ message: { raw: hash } });
  return { ticket, sig, recipientRand, hash };
}

/** The three parallel arrays batchRedeemWinningTickets takes. */
export function batchArgs(tickets: readonly SignedTicket[]): [Ticket[], Hex[], bigint[]] {
  return [tickets.map((t) => t.ticket), tickets.map((t) => t.sig), tickets.map((t) => t.recipientRand)];
}

/** `items[index]`, failing the test if there is none (the project compiles with noUncheckedIndexedAccess). */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  assert.ok(item !== undefined, `no item ${index} among ${items.length}`);
  return item;
}
