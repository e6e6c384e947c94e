// How an orchestrator issues ticket params statelessly: recipientRand is an HMAC of the params, so nothing is stored.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToBigInt, bytesToHex, encodePacked, hexToBytes, isHex, size, type Hex } from "viem";
import { InvalidTicket, ProtocolError } from "./errors.ts";
import { recipientRandHash } from "./ticket.ts";
import type { TicketParams } from "./types.ts";

/** Bytes of public randomness per issue of params; a fresh seed gives a fresh recipientRand, so nonces start over. */
export const SEED_LENGTH_BYTES = 32;
/** The orchestrator's secret must be at least a full HMAC-SHA256 key's worth of entropy. */
export const MIN_RECIPIENT_SECRET_BYTES = 32;

/** The fields recipientRand is derived from: all of TicketParams but the hash of the derivation itself. */
export type TicketParamsFields = Omit<TicketParams, "recipientRandHash">;

export interface IssueTicketParamsInput extends Omit<TicketParamsFields, "seed"> {
  /** The orchestrator's long-lived secret (newRecipientSecret), never sent anywhere. */
  secret: Uint8Array;
  /** Defaults to 32 fresh random bytes; pass one only to reproduce params (tests, a restart re-deriving them). */
  seed?: Hex;
}

export interface RecipientSecretTooShortData {
  lengthBytes: number;
  minBytes: number;
}

/** A recipient secret too short to keep recipientRand unguessable: the orchestrator's configuration is wrong. */
export class RecipientSecretTooShort extends ProtocolError<RecipientSecretTooShortData> {
  override name = "RecipientSecretTooShort";

  constructor(lengthBytes: number, options?: ErrorOptions) {
    super(
      {
        code: "RECIPIENT_SECRET_TOO_SHORT",
        message: `The recipient secret is ${lengthBytes} bytes; at least ${MIN_RECIPIENT_SECRET_BYTES} are needed.`,
        nextStep: "Make one with newRecipientSecret(), store it with the orchestrator's key, and keep it across restarts.",
        data: { lengthBytes, minBytes: MIN_RECIPIENT_SECRET_BYTES },
      },
      options,
    );
  }
}

/** A seed that is not 32 bytes of hex, so the HMAC input would not be the fixed-width encoding both sides expect. */
export class InvalidSeed extends ProtocolError<{ seed: Hex }> {
  override name = "InvalidSeed";

  constructor(seed: Hex, options?: ErrorOptions) {
    super(
      {
        code: "INVALID_SEED",
        message: `A ticket params seed must be ${SEED_LENGTH_BYTES} bytes of hex; got "${seed}".`,
        nextStep: "Issue params with issueTicketParams (which draws the seed), and echo the seed back unchanged.",
        data: { seed },
      },
      options,
    );
  }
}

/** A fresh 32-byte recipient secret for an orchestrator to keep (its loss only voids params issued before). */
export function newRecipientSecret(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(MIN_RECIPIENT_SECRET_BYTES));
}

/**
 * recipientRand = uint256(HMAC-SHA256(secret, seed ‖ recipient ‖ faceValue ‖ winProb ‖ expirationBlock ‖ creationRound
 * ‖ creationRoundBlockHash)). Every field has a fixed width (abi.encodePacked of bytes32, address, 4 × uint256,
 * bytes32), so no two different params share an HMAC input, and changing any of them changes recipientRand.
 * @throws RecipientSecretTooShort, InvalidSeed
 */
export function recipientRandFor(secret: Uint8Array, params: TicketParamsFields): bigint {
  if (secret.length < MIN_RECIPIENT_SECRET_BYTES) throw new RecipientSecretTooShort(secret.length);
  if (!isHex(params.seed, { strict: true }) || size(params.seed) !== SEED_LENGTH_BYTES) throw new InvalidSeed(params.seed);
  const message = encodePacked(
    ["bytes32", "address", "uint256", "uint256", "uint256", "uint256", "bytes32"],
    [
      params.seed,
      params.recipient,
      params.faceValue,
      params.winProb,
      params.expirationBlock,
      params.creationRound,
      params.creationRoundBlockHash,
    ],
  );
  return bytesToBigInt(hmac(sha256, secret, hexToBytes(message)));
}

/**
 * Ticket params for a broadcaster. Only `secret` must be kept: recipientRand is re-derived from the params a ticket
 * arrives with, so an orchestrator that restarts can still verify and redeem every ticket made from them.
 *
 * What the secret cannot replace: once a ticket of these params wins, its redemption reveals recipientRand on chain,
 * after which the sender could tell its winning tickets from its losing ones before sending them. So, as go-livepeer's
 * recipient does, stop accepting these params' recipientRandHash after a win and issue new params (a new seed); and
 * remember used senderNonces per recipientRandHash until expirationBlock.
 * @throws RecipientSecretTooShort, InvalidSeed
 */
export function issueTicketParams(input: IssueTicketParamsInput): TicketParams {
  const seed = input.seed ?? bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(SEED_LENGTH_BYTES)));
  // Field by field, so that nothing else the caller's object holds leaks into the params sent to a broadcaster.
  const fields: TicketParamsFields = {
    recipient: input.recipient,
    faceValue: input.faceValue,
    winProb: input.winProb,
    seed,
    expirationBlock: input.expirationBlock,
    creationRound: input.creationRound,
    creationRoundBlockHash: input.creationRoundBlockHash,
  };
  return { ...fields, recipientRandHash: recipientRandHash(recipientRandFor(input.secret, fields)) };
}

/**
 * Whether `secret` reproduces the params' recipientRandHash, i.e. this orchestrator issued exactly these params.
 * Malformed params (a bad seed or hash) are simply not issued ones; a short secret still throws.
 * @throws RecipientSecretTooShort
 */
export function verifyTicketParams(secret: Uint8Array, params: TicketParams): boolean {
  if (secret.length < MIN_RECIPIENT_SECRET_BYTES) throw new RecipientSecretTooShort(secret.length);
  if (!isHex(params.seed, { strict: true }) || size(params.seed) !== SEED_LENGTH_BYTES) return false;
  if (!isHex(params.recipientRandHash, { strict: true }) || size(params.recipientRandHash) !== 32) return false;
  return equalInConstantTime(
    hexToBytes(recipientRandHash(recipientRandFor(secret, params))),
    hexToBytes(params.recipientRandHash),
  );
}

/**
 * The recipientRand of params this orchestrator issued, ready to redeem tickets made from them.
 * @throws InvalidTicket (reason unknownParams) when the secret does not reproduce their recipientRandHash: this
 *         orchestrator did not issue them, or a field was altered (which would let a sender pay less than agreed)
 */
export function issuedRecipientRand(secret: Uint8Array, params: TicketParams): bigint {
  if (!verifyTicketParams(secret, params)) throw new InvalidTicket({ reason: "unknownParams" });
  return recipientRandFor(secret, params);
}

/** Whether tickets made from `params` are no longer accepted at `blockNumber` (expirationBlock is the last good block). */
export function isExpired(params: Pick<TicketParams, "expirationBlock">, blockNumber: bigint): boolean {
  return blockNumber > params.expirationBlock;
}

/**
 * Compares two equal-length byte strings without an early exit, so that response timing cannot reveal how much of a
 * forged recipientRandHash is right (which would let a sender lower winProb or faceValue byte by byte).
 */
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
