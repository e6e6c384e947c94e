// The wire messages of protocol v1 (jobRequest, quote, segment, result, ticketParamsUpdate, error): schemas, bounds, JSON text.
import { z } from "zod";
import {
  InvalidMessage,
  MessageTooLarge,
  ProtocolError,
  UnsupportedProtocolVersion,
  wireErrorSchema,
} from "./errors.ts";
import type { SignedTranscodeReceipt } from "./receipt.ts";
import { decodeAuxData } from "./ticket.ts";
import type { SignedTicket, TicketParams } from "./types.ts";
import { address, boundedInt, boundedText, bytes32, hexBytes, missingOr, positiveUint256, signature, uint256 } from "./wire.ts";

/** The `v` of every message this release sends and accepts. */
export const PROTOCOL_VERSION = 1;
/**
 * Largest JSON text of one message, in UTF-8 bytes: a segment with MAX_TICKETS_PER_SEGMENT tickets, every field at
 * its longest, is about 80 KiB. Checked before parsing, so a peer cannot make this side parse megabytes of JSON.
 */
export const MAX_MESSAGE_JSON_BYTES = 128 * 1024;
/**
 * Largest binary payload of one message (a segment, or all renditions of a result): a 2 s segment at 128 Mbit/s.
 * Real 2 s segments are a few MiB; the bound is what the receiver must be ready to buffer per message.
 */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/** Tickets with one segment: enough to pay a price of 100 × a ticket's expected value; senders normally need 1 or 2. */
export const MAX_TICKETS_PER_SEGMENT = 100;
/** Renditions per job; every one is another encode of every segment. */
export const MAX_RENDITIONS = 8;
/** Widest or tallest frame, input or output (8K). */
export const MAX_DIMENSION_PX = 8192;
export const MAX_FPS = 240;
/** Longest segment; Streamflow segments are 2 s, this leaves room for keyframe intervals far longer. */
export const MAX_SEGMENT_DURATION_MS = 60_000;
/** Longest a transcode may have taken and still be reported (ten minutes). */
export const MAX_TRANSCODE_MS = 600_000;
/** Streams one orchestrator may report room for. */
export const MAX_CAPACITY = 1_000_000;
/** 0x + 64 bytes: abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash), as the TicketBroker requires. */
const AUX_DATA_BYTES = 64;
/** Latest expiresAt accepted: the largest instant a JavaScript Date holds, in ms since the epoch. */
const MAX_EPOCH_MS = 8_640_000_000_000_000;

export const VIDEO_CODECS = ["h264", "vp8", "vp9", "av1", "hevc"] as const;
export const SEGMENT_FORMATS = ["mp4", "mpegts", "webm"] as const;
export const MESSAGE_TYPES = [
  "jobRequest",
  "quote",
  "segment",
  "result",
  "ticketParamsUpdate",
  "error",
  "sessionOffer",
  "sessionAnswer",
  "relayedSegment",
] as const;
/** Largest SDP accepted: a data-channel-only description with its ICE candidates (no trickle) is a few KiB. */
export const MAX_SDP_CHARS = 16 * 1024;
export type MessageType = (typeof MESSAGE_TYPES)[number];

// ---------------------------------------------------------------------------------------------------- fields

/** Chosen by the broadcaster for a job; letters, digits, `_` and `-` so that it is safe in logs, paths and URLs. */
const streamId = z.string({ error: missingOr("must be a string") }).regex(/^[A-Za-z0-9_-]{1,64}$/, {
  error: "must be 1 to 64 letters, digits, _ or -",
});
const sequenceNumber = boundedInt(0, Number.MAX_SAFE_INTEGER);
const dimension = boundedInt(1, MAX_DIMENSION_PX);
/** The ladder's rendition names, as orchestrator-node's transcode/ladder.ts takes them. */
const renditionName = z.string({ error: missingOr("must be a string") }).regex(/^[A-Za-z0-9_-]{1,32}$/, {
  error: "must be 1 to 32 letters, digits, _ or -",
});
const fps = z
  .number({ error: missingOr(`must be a number above 0 and at most ${MAX_FPS}`) })
  .gt(0, { error: `must be a number above 0 and at most ${MAX_FPS}` })
  .max(MAX_FPS, { error: `must be a number above 0 and at most ${MAX_FPS}` });
const payloadBytes = boundedInt(1, MAX_PAYLOAD_BYTES);
const version = z.literal(PROTOCOL_VERSION, { error: missingOr(`must be ${PROTOCOL_VERSION}`) });

/** Each item's `name` must differ from every earlier one's; the issue names the repeated item. */
function uniqueNames<T extends { name: string }>(items: readonly T[], ctx: z.RefinementCtx<T[]>): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: "repeats an earlier rendition name" });
    seen.add(item.name);
  });
}

/** Field rules other wire shapes share (public-stream.ts), exported so that each rule is written once. */
export {
  streamId as streamIdSchema,
  sequenceNumber as sequenceNumberSchema,
  dimension as dimensionSchema,
  renditionName as renditionNameSchema,
  uniqueNames,
};

// ---------------------------------------------------------------------------------------------------- tickets

/** A Ticket (types.ts) field for field. */
export const ticketSchema = z.strictObject({
  recipient: address,
  sender: address,
  faceValue: uint256,
  winProb: uint256,
  senderNonce: uint256,
  recipientRandHash: bytes32,
  auxData: hexBytes({ lengthBytes: AUX_DATA_BYTES }),
});

/** A SignedTicket (types.ts): the ticket and the sender's 65-byte signature over its hash. */
export const signedTicketSchema = z.strictObject({ ticket: ticketSchema, sig: signature });

/** TicketParams (types.ts) field for field; the seed is 32 bytes (params.ts SEED_LENGTH_BYTES). */
export const ticketParamsSchema = z.strictObject({
  recipient: address,
  faceValue: uint256,
  winProb: uint256,
  recipientRandHash: bytes32,
  seed: bytes32,
  expirationBlock: uint256,
  creationRound: uint256,
  creationRoundBlockHash: bytes32,
});

// ---------------------------------------------------------------------------------------------------- messages

const renditionRequestSchema = z.strictObject({
  name: renditionName,
  width: dimension,
  height: dimension,
  bitrateKbps: boundedInt(1, 1_000_000),
});

/** Broadcaster → orchestrator: what it wants transcoded, opening a stream. */
export const jobRequestSchema = z.strictObject({
  v: version,
  type: z.literal("jobRequest"),
  streamId,
  /** A service id as the ServiceRegistry lists it (e.g. "GPUTranscoding"). */
  serviceId: boundedText(256),
  broadcaster: address,
  input: z.strictObject({ codec: z.enum(VIDEO_CODECS), width: dimension, height: dimension, fps }),
  output: z.array(renditionRequestSchema).min(1).max(MAX_RENDITIONS).superRefine(uniqueNames),
  region: boundedText(256).optional(),
  /**
   * Publish this stream: the orchestrator keeps a short public window of its transcoded renditions for viewers
   * (public-stream.ts). Absent or false: the renditions go back to the broadcaster only.
   */
  publish: z.boolean().optional(),
});

/**
 * What a stream costs: a flat price per segment, or Livepeer's per-pixel price — priceWei for every pixelsPerUnit
 * pixels encoded (a fraction, since a price per single pixel is usually below 1 wei).
 */
export const priceSchema = z.discriminatedUnion("per", [
  z.strictObject({ per: z.literal("segment"), priceWei: uint256 }),
  z.strictObject({ per: z.literal("pixel"), priceWei: uint256, pixelsPerUnit: positiveUint256 }),
]);

/** Orchestrator → broadcaster: the price, the ticket params to pay with, and until when the offer stands. */
export const quoteSchema = z.strictObject({
  v: version,
  type: z.literal("quote"),
  streamId,
  orchestrator: address,
  price: priceSchema,
  ticketParams: ticketParamsSchema,
  /** More streams this orchestrator takes now, this one included. */
  capacityLeft: boundedInt(0, MAX_CAPACITY),
  /** Milliseconds since the epoch after which the price is no longer offered (ticketParams expire by block). */
  expiresAt: boundedInt(0, MAX_EPOCH_MS),
});

/**
 * The tickets paying for one segment, and what of their params the tickets do not carry: with the seed and
 * expirationBlock the orchestrator re-derives recipientRand statelessly (params.ts); the rest is in each ticket.
 */
export const paymentSchema = z.strictObject({
  seed: bytes32,
  expirationBlock: uint256,
  tickets: z.array(signedTicketSchema).max(MAX_TICKETS_PER_SEGMENT),
});

/** Broadcaster → orchestrator: one segment; its bytes follow as the framed message's payload. */
export const segmentSchema = z.strictObject({
  v: version,
  type: z.literal("segment"),
  streamId,
  sequenceNumber,
  durationMs: boundedInt(1, MAX_SEGMENT_DURATION_MS),
  format: z.enum(SEGMENT_FORMATS),
  /** Length of the payload; the receiver checks it against what arrived. */
  byteLength: payloadBytes,
  /** keccak256 of the payload (receipt.ts contentHash). */
  contentHash: bytes32,
  payment: paymentSchema,
});

const renditionResultSchema = z.strictObject({
  name: renditionName,
  width: dimension,
  height: dimension,
  byteLength: payloadBytes,
  contentHash: bytes32,
});

/**
 * Orchestrator → broadcaster: the renditions of one segment, their bytes following as the payload, concatenated in
 * the order listed. The receipt's other fields are this message's own (see signedReceiptOf), so they cannot disagree.
 */
const renditionResultsSchema = z
  .array(renditionResultSchema)
  .min(1)
  .max(MAX_RENDITIONS)
  .superRefine(uniqueNames)
  .refine((renditions) => renditions.reduce((sum, r) => sum + r.byteLength, 0) <= MAX_PAYLOAD_BYTES, {
    error: `must add up to at most ${MAX_PAYLOAD_BYTES} bytes`,
  });

/** jobHash: receipt.ts ladderHash of the job's output; round: the round the orchestrator signed in (receipt.ts). */
const resultReceiptSchema = z.strictObject({ inputHash: bytes32, jobHash: bytes32, round: uint256, orchestrator: address, sig: signature });

export const resultSchema = z.strictObject({
  v: version,
  type: z.literal("result"),
  streamId,
  sequenceNumber,
  renditions: renditionResultsSchema,
  receipt: resultReceiptSchema,
  transcodeMs: boundedInt(0, MAX_TRANSCODE_MS),
});

/**
 * Broadcaster → orchestrator, published streams only: a segment another orchestrator of this stream transcoded, its
 * result relayed as it came (receipt and all, the renditions' bytes following as the payload) after a failover, so
 * this orchestrator's public window also holds the recent segments viewers may not have fetched from the one that
 * went away. The receipt shows who made the renditions; this orchestrator neither transcodes nor is paid for them.
 */
export const relayedSegmentSchema = z.strictObject({
  v: version,
  type: z.literal("relayedSegment"),
  streamId,
  sequenceNumber,
  durationMs: boundedInt(1, MAX_SEGMENT_DURATION_MS),
  renditions: renditionResultsSchema,
  receipt: resultReceiptSchema,
});

/** Orchestrator → broadcaster: new params to make tickets from from now on (a new round, a new faceValue). */
export const ticketParamsUpdateSchema = z.strictObject({
  v: version,
  type: z.literal("ticketParamsUpdate"),
  streamId,
  ticketParams: ticketParamsSchema,
});

/** Either way: a ProtocolError (errors.ts toWireError), naming the stream and segment it answers when there is one. */
export const errorMessageSchema = z.strictObject({
  v: version,
  type: z.literal("error"),
  streamId: streamId.optional(),
  sequenceNumber: sequenceNumber.optional(),
  error: wireErrorSchema,
});

/** A WebRTC session description (SDP text: lines separated by CRLF, so not boundedText). */
function sessionDescription<const K extends "offer" | "answer">(kind: K) {
  const error = `must be an SDP ${kind} of at most ${MAX_SDP_CHARS} characters`;
  return z.strictObject({
    type: z.literal(kind),
    sdp: z
      .string({ error: missingOr(error) })
      .max(MAX_SDP_CHARS, { error })
      .refine((text) => text.startsWith("v=0") && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) && text.isWellFormed(), { error }),
  });
}

/** Broadcaster → orchestrator (HTTP POST /session): the job and a WebRTC offer for the data channel. */
export const sessionOfferSchema = z.strictObject({
  v: version,
  type: z.literal("sessionOffer"),
  job: jobRequestSchema,
  offer: sessionDescription("offer"),
});

/** Orchestrator → broadcaster: the answer that opens the data channel. */
export const sessionAnswerSchema = z.strictObject({
  v: version,
  type: z.literal("sessionAnswer"),
  streamId,
  answer: sessionDescription("answer"),
});

export const messageSchema = z.discriminatedUnion(
  "type",
  [
    jobRequestSchema,
    quoteSchema,
    segmentSchema,
    resultSchema,
    ticketParamsUpdateSchema,
    errorMessageSchema,
    sessionOfferSchema,
    sessionAnswerSchema,
    relayedSegmentSchema,
  ],
  {
    error: (issue) =>
      typeof issue.input === "object" && issue.input !== null && !Array.isArray(issue.input)
        ? `must be one of ${MESSAGE_TYPES.join(", ")}`
        : "must be a JSON object",
  },
);

export type Message = z.output<typeof messageSchema>;
/** A message as JSON carries it: bigints as decimal strings. */
export type WireMessage = z.input<typeof messageSchema>;
export type JobRequest = z.output<typeof jobRequestSchema>;
export type Quote = z.output<typeof quoteSchema>;
export type Price = z.output<typeof priceSchema>;
export type Payment = z.output<typeof paymentSchema>;
export type Segment = z.output<typeof segmentSchema>;
export type Result = z.output<typeof resultSchema>;
export type TicketParamsUpdate = z.output<typeof ticketParamsUpdateSchema>;
export type ErrorMessage = z.output<typeof errorMessageSchema>;
export type SessionOffer = z.output<typeof sessionOfferSchema>;
export type SessionAnswer = z.output<typeof sessionAnswerSchema>;
export type RelayedSegment = z.output<typeof relayedSegmentSchema>;

// ---------------------------------------------------------------------------------------------------- text

/** `tickets[0].sig` from zod's ["tickets", 0, "sig"]. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`),
    "",
  );
}

/** The InvalidMessage for zod's first issue, naming its field (exported for other wire shapes, e.g. public-stream.ts). */
export function invalidMessage(error: z.ZodError, value: unknown): InvalidMessage {
  const [issue] = error.issues;
  const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
  const messageType = typeof type === "string" && (MESSAGE_TYPES as readonly string[]).includes(type) ? { messageType: type } : {};
  if (issue?.code === "unrecognized_keys") {
    // Strict objects: a field this version does not know is refused, not ignored, so no one relies on it silently.
    const field = fieldPath([...issue.path, issue.keys[0] ?? ""]);
    return new InvalidMessage({ ...messageType, field, reason: "is not a field of this message" }, { cause: error });
  }
  return new InvalidMessage(
    { ...messageType, field: issue ? fieldPath(issue.path) : "", reason: issue?.message ?? "is invalid" },
    { cause: error },
  );
}

function utf8Length(text: string): number {
  // Every UTF-16 unit is 1 to 3 UTF-8 bytes, so only text near the limit needs the exact count.
  return text.length * 3 <= MAX_MESSAGE_JSON_BYTES ? text.length : new TextEncoder().encode(text).length;
}

function requireJsonSize(text: string): void {
  if (text.length > MAX_MESSAGE_JSON_BYTES) {
    throw new MessageTooLarge({ what: "json", sizeBytes: text.length, maxBytes: MAX_MESSAGE_JSON_BYTES });
  }
  const sizeBytes = utf8Length(text);
  if (sizeBytes > MAX_MESSAGE_JSON_BYTES) throw new MessageTooLarge({ what: "json", sizeBytes, maxBytes: MAX_MESSAGE_JSON_BYTES });
}

/**
 * The JSON text of a message, validated as the receiver will validate it, so that this side never sends what the
 * peer must drop.
 * @throws InvalidMessage naming the first bad field; MessageTooLarge when the text is over MAX_MESSAGE_JSON_BYTES
 */
export function encodeMessage(message: Message): string {
  const encoded = z.safeEncode(messageSchema, message);
  if (!encoded.success) throw invalidMessage(encoded.error, message);
  const text = JSON.stringify(encoded.data);
  requireJsonSize(text);
  return text;
}

/**
 * The message a peer's JSON text holds. Throws only ProtocolErrors, whatever the text.
 * @throws MessageTooLarge over MAX_MESSAGE_JSON_BYTES (before parsing); InvalidMessage for text that is not JSON or
 *         a field that does not validate (naming its path, e.g. `payment.tickets[0].sig`); UnsupportedProtocolVersion
 *         for a message whose `v` is another number
 */
export function decodeMessage(text: string): Message {
  if (typeof text !== "string") throw new InvalidMessage({ field: "", reason: "is not text" });
  requireJsonSize(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidMessage({ field: "", reason: "is not JSON" }, { cause });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { v } = value as { v?: unknown };
    if (typeof v === "number" && v !== PROTOCOL_VERSION) {
      throw new UnsupportedProtocolVersion({ layer: "message", received: String(v), supported: String(PROTOCOL_VERSION) });
    }
  }
  try {
    const decoded = z.safeDecode(messageSchema, value as WireMessage);
    if (decoded.success) return decoded.data;
    throw invalidMessage(decoded.error, value);
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    // A validator that throws instead of reporting (a bug, in zod or here) must still not crash the receiver.
    throw new InvalidMessage({ field: "", reason: "could not be validated" }, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------------- payloads

/** How many payload bytes follow a message's JSON: a segment's byteLength, the sum of a result's (or relayed segment's) renditions, else 0. */
export function payloadByteLength(message: Message): number {
  if (message.type === "segment") return message.byteLength;
  if (message.type === "result" || message.type === "relayedSegment") return message.renditions.reduce((sum, r) => sum + r.byteLength, 0);
  return 0;
}

/** @throws InvalidMessage when the payload that arrived is not as long as the message says */
export function requirePayloadLength(message: Message, payload: Uint8Array): void {
  const expected = payloadByteLength(message);
  if (payload.byteLength === expected) return;
  throw new InvalidMessage({
    messageType: message.type,
    field: message.type === "result" || message.type === "relayedSegment" ? "renditions" : "byteLength",
    reason: `says ${expected} payload bytes but ${payload.byteLength} arrived`,
  });
}

/**
 * Each rendition's bytes, cut from a result's payload in the order listed (views, not copies).
 * @throws InvalidMessage when the payload's length is not the sum of the renditions' byteLengths
 */
export function renditionPayloads(result: Result | RelayedSegment, payload: Uint8Array): Uint8Array[] {
  requirePayloadLength(result, payload);
  let offset = 0;
  return result.renditions.map(({ byteLength }) => payload.subarray(offset, (offset += byteLength)));
}

/** The receipt a result carries, whole: its own stream, sequence number and renditions, with the receipt's fields. */
export function signedReceiptOf(result: Pick<Result | RelayedSegment, "streamId" | "sequenceNumber" | "renditions" | "receipt">): SignedTranscodeReceipt {
  return {
    receipt: {
      streamId: result.streamId,
      sequenceNumber: result.sequenceNumber,
      inputHash: result.receipt.inputHash,
      jobHash: result.receipt.jobHash,
      outputs: result.renditions.map(({ name, contentHash }) => ({ rendition: name, hash: contentHash })),
      orchestrator: result.receipt.orchestrator,
      round: result.receipt.round,
    },
    sig: result.receipt.sig,
  };
}

/**
 * The TicketParams a segment's ticket was made from, as far as the ticket and its payment tell: what the orchestrator
 * re-derives recipientRand from (params.ts issuedRecipientRand) to check that it issued them.
 */
export function echoedTicketParams(payment: Pick<Payment, "seed" | "expirationBlock">, signed: SignedTicket): TicketParams {
  const { ticket } = signed;
  return {
    recipient: ticket.recipient,
    faceValue: ticket.faceValue,
    winProb: ticket.winProb,
    recipientRandHash: ticket.recipientRandHash,
    seed: payment.seed,
    expirationBlock: payment.expirationBlock,
    ...decodeAuxData(ticket.auxData),
  };
}
