// The protocol's named errors, each saying what to do next, and their wire form so that one crosses the data channel intact.
import { formatEther } from "viem";
import { z } from "zod";
import { address, boundedInt, boundedText, bytes32, uint256 } from "./wire.ts";

/** Longest message or nextStep a peer may send; a locally made error is clipped to it before it is sent. */
export const MAX_ERROR_TEXT_CHARS = 1024;
/** Most data fields one wire error carries. */
export const MAX_ERROR_DATA_FIELDS = 32;
/** Longest string value in a wire error's data. */
export const MAX_ERROR_DATA_TEXT_CHARS = 256;

const identifier = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * A ProtocolError as it crosses the data channel. Data is flat and JSON-safe (uint256 values as decimal strings);
 * identifiers cannot be `__proto__` or `constructor`, since they must start with a letter and hold no underscore.
 */
export const wireErrorSchema = z.strictObject({
  name: z.string().regex(identifier, { error: "must be an error class name (a letter, then letters or digits)" }),
  code: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: "must be an UPPER_SNAKE_CASE code" }),
  message: z.string().min(1).max(MAX_ERROR_TEXT_CHARS),
  nextStep: z.string().max(MAX_ERROR_TEXT_CHARS),
  data: z
    .record(
      z.string().regex(identifier, { error: "must be a field name (a letter, then letters or digits)" }),
      z.union([z.string().max(MAX_ERROR_DATA_TEXT_CHARS), z.number(), z.boolean(), z.null()]),
    )
    .refine((data) => Object.keys(data).length <= MAX_ERROR_DATA_FIELDS, {
      error: `must have at most ${MAX_ERROR_DATA_FIELDS} fields`,
    })
    .optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

type ErrorDataValue = string | number | boolean | bigint | null | undefined;
export type ProtocolErrorData = Readonly<Record<string, ErrorDataValue>>;

export interface ProtocolErrorInit<Data> {
  /** Stable UPPER_SNAKE_CASE identifier, for logs and metrics; the class name is the one to branch on. */
  code: string;
  message: string;
  /** What the user or operator can do about it, in a sentence. */
  nextStep: string;
  data: Data;
}

/**
 * Base of every error the protocol names. A peer's error is re-created as the same class by fromWireError, so
 * callers branch with `instanceof` whichever side raised it.
 */
export class ProtocolError<Data extends object = ProtocolErrorData> extends Error {
  // Every class sets its name literally: a minifier renames classes, and the name is what crosses the wire.
  override name = "ProtocolError";
  readonly code: string;
  readonly nextStep: string;
  readonly data: Data;

  constructor(init: ProtocolErrorInit<Data>, options?: ErrorOptions) {
    super(init.message, options);
    this.code = init.code;
    this.nextStep = init.nextStep;
    this.data = init.data;
  }
}

function eth(wei: bigint): string {
  return `${formatEther(wei)} ETH (${wei} wei)`;
}

function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/**
 * Text a peer may have chosen (a field name, a format it found), made safe to log and to send back: control
 * characters replaced, lone surrogates mended, clipped, never empty.
 */
function printable(text: string, maxChars: number): string {
  const safe = clip(text.replace(/[\u0000-\u001f\u007f]/g, "\ufffd"), maxChars).toWellFormed();
  return safe === "" ? "(empty)" : safe;
}

// ---------------------------------------------------------------------------------------------------- payments

const lowPMBalanceData = z.object({
  sender: address,
  faceValue: uint256,
  deposit: uint256,
  reserve: uint256,
  /** What this orchestrator can count on from the sender: its share of the reserve less unredeemed winning tickets. */
  maxFloat: uint256,
});
export type LowPMBalanceData = z.output<typeof lowPMBalanceData>;

/** The sender's TicketBroker deposit or reserve cannot back a ticket of this faceValue, so it would not be paid. */
export class LowPMBalance extends ProtocolError<LowPMBalanceData> {
  override name = "LowPMBalance";
  static readonly dataSchema = lowPMBalanceData;

  constructor(data: LowPMBalanceData, options?: ErrorOptions) {
    super(
      {
        code: "LOW_PM_BALANCE",
        message:
          `Sender ${data.sender} cannot back a ticket of faceValue ${eth(data.faceValue)}: deposit ${eth(data.deposit)}, ` +
          `reserve ${eth(data.reserve)}, of which this orchestrator can count on ${eth(data.maxFloat)}.`,
        nextStep:
          `Top up the TicketBroker deposit and reserve of ${data.sender} (fundDepositAndReserve) so that the deposit ` +
          "covers several faceValues and the reserve covers one per orchestrator, then start the stream again.",
        data,
      },
      options,
    );
  }
}

const senderUnlockingData = z.object({ sender: address, withdrawRound: uint256 });
export type SenderUnlockingData = z.output<typeof senderUnlockingData>;

/** The sender has started withdrawing its deposit and reserve, so its tickets may bounce: orchestrators refuse them. */
export class SenderUnlocking extends ProtocolError<SenderUnlockingData> {
  override name = "SenderUnlocking";
  static readonly dataSchema = senderUnlockingData;

  constructor(data: SenderUnlockingData, options?: ErrorOptions) {
    super(
      {
        code: "SENDER_UNLOCKING",
        message:
          `Sender ${data.sender} is unlocking its deposit and reserve (withdrawable from round ${data.withdrawRound}), ` +
          "so its tickets may never be paid.",
        nextStep: "Cancel the unlock (TicketBroker.cancelUnlock) to keep broadcasting from this account, or fund another one.",
        data,
      },
      options,
    );
  }
}

const ticketParamsExpiredData = z.object({ recipient: address, expirationBlock: uint256, currentBlock: uint256 });
export type TicketParamsExpiredData = z.output<typeof ticketParamsExpiredData>;

/** Tickets were made from params past their expirationBlock. */
export class TicketParamsExpired extends ProtocolError<TicketParamsExpiredData> {
  override name = "TicketParamsExpired";
  static readonly dataSchema = ticketParamsExpiredData;

  constructor(data: TicketParamsExpiredData, options?: ErrorOptions) {
    super(
      {
        code: "TICKET_PARAMS_EXPIRED",
        message:
          `Ticket params from ${data.recipient} expired after block ${data.expirationBlock}; ` +
          `the chain is at block ${data.currentBlock}.`,
        nextStep:
          "Use the ticket params of the orchestrator's latest quote or ticketParamsUpdate (ask for a new quote if " +
          "none came), and send the segment again with tickets made from them.",
        data,
      },
      options,
    );
  }
}

/** Why a ticket was refused: a closed set, so that the broadcaster can react to each. */
export const INVALID_TICKET_REASONS = {
  badSignature: {
    says: "its signature does not recover to its sender in the 65-byte low-s form the TicketBroker takes",
    nextStep: "Sign each ticket with the sender's own key over its ticket hash (signTicket) before sending it.",
  },
  wrongRecipient: {
    says: "it is made out to another recipient than this orchestrator",
    nextStep: "Make tickets from this orchestrator's own ticket params (the recipient of its latest quote).",
  },
  wrongSender: {
    says: "its sender is not the broadcaster that opened this stream",
    nextStep: "Pay for a stream from the broadcaster address its jobRequest named.",
  },
  replayedNonce: {
    says: "its senderNonce was already used with this recipientRandHash",
    nextStep: "Give every ticket made from the same ticket params a new senderNonce, counting up from the last one sent.",
  },
  unknownParams: {
    says: "its recipientRandHash is not one this orchestrator issued, or the params' terms were altered",
    nextStep: "Ask for fresh ticket params and copy their terms into tickets unchanged (makeTicket).",
  },
  wrongCreationRound: {
    says: "its auxData names a creation round or block hash the chain does not have, or one too old to redeem",
    nextStep: "Make tickets with the creationRound and creationRoundBlockHash of the latest ticket params.",
  },
  notEnoughExpectedValue: {
    says: "the tickets sent with the segment are worth less in expectation (faceValue × winProb / 2^256) than its price",
    nextStep: "Send enough tickets with each segment to cover its price (ticketsForPayment), or agree on a lower price.",
  },
  malformed: {
    says: "a field is out of range (a zero sender or recipient, auxData that is not 64 bytes)",
    nextStep: "The broadcaster's ticket code is faulty: update it to a release that makes tickets with makeTicket.",
  },
} as const satisfies Record<string, { says: string; nextStep: string }>;
export type InvalidTicketReason = keyof typeof INVALID_TICKET_REASONS;

const invalidTicketData = z.object({
  reason: z.enum(Object.keys(INVALID_TICKET_REASONS) as [InvalidTicketReason, ...InvalidTicketReason[]]),
  ticketHash: bytes32.optional(),
  senderNonce: uint256.optional(),
});
export type InvalidTicketData = z.output<typeof invalidTicketData>;

/** A ticket the orchestrator will not count as payment, with the rule it broke. */
export class InvalidTicket extends ProtocolError<InvalidTicketData> {
  override name = "InvalidTicket";
  static readonly dataSchema = invalidTicketData;

  constructor(data: InvalidTicketData, options?: ErrorOptions) {
    const { says, nextStep } = INVALID_TICKET_REASONS[data.reason];
    const which = data.senderNonce === undefined ? "" : ` with senderNonce ${data.senderNonce}`;
    super({ code: "INVALID_TICKET", message: `Ticket${which} rejected: ${says}.`, nextStep, data }, options);
  }

  get reason(): InvalidTicketReason {
    return this.data.reason;
  }
}

const priceTooHighData = z.object({ orchestrator: address, priceWeiPerSegment: uint256, maxPriceWeiPerSegment: uint256 });
export type PriceTooHighData = z.output<typeof priceTooHighData>;

/** The orchestrator asks more per segment than the broadcaster is set to pay. */
export class PriceTooHigh extends ProtocolError<PriceTooHighData> {
  override name = "PriceTooHigh";
  static readonly dataSchema = priceTooHighData;

  constructor(data: PriceTooHighData, options?: ErrorOptions) {
    super(
      {
        code: "PRICE_TOO_HIGH",
        message:
          `Orchestrator ${data.orchestrator} asks ${eth(data.priceWeiPerSegment)} per segment, more than the ` +
          `${eth(data.maxPriceWeiPerSegment)} this broadcaster pays at most.`,
        nextStep: "Choose a cheaper orchestrator, or raise the maximum price per segment in the broadcast settings.",
        data,
      },
      options,
    );
  }
}

// ---------------------------------------------------------------------------------------------------- jobs

const orchestratorBusyData = z.object({
  orchestrator: address,
  maxSessions: boundedInt(0, 1_000_000),
  retryAfterMs: boundedInt(0, 86_400_000),
});
export type OrchestratorBusyData = z.output<typeof orchestratorBusyData>;

/** The orchestrator has no capacity left for another stream. */
export class OrchestratorBusy extends ProtocolError<OrchestratorBusyData> {
  override name = "OrchestratorBusy";
  static readonly dataSchema = orchestratorBusyData;

  constructor(data: OrchestratorBusyData, options?: ErrorOptions) {
    super(
      {
        code: "ORCHESTRATOR_BUSY",
        message: `Orchestrator ${data.orchestrator} is at capacity (${data.maxSessions} streams) and takes no new stream now.`,
        nextStep: `Choose another orchestrator, or ask this one again in ${Math.ceil(data.retryAfterMs / 1000)} s.`,
        data,
      },
      options,
    );
  }
}

/** The properties of a segment that the jobRequest's input promised. */
export const SEGMENT_INPUT_FIELDS = ["format", "codec", "width", "height", "fps", "durationMs"] as const;

const segmentFormatData = z.object({
  streamId: boundedText(64),
  sequenceNumber: boundedInt(0, Number.MAX_SAFE_INTEGER),
  field: z.enum(SEGMENT_INPUT_FIELDS),
  expected: boundedText(64),
  found: boundedText(64),
});
export type SegmentFormatDidntMatchJobInputParamsData = z.output<typeof segmentFormatData>;

/** A segment is not what the jobRequest said segments would be (another container, codec, size or frame rate). */
export class SegmentFormatDidntMatchJobInputParams extends ProtocolError<SegmentFormatDidntMatchJobInputParamsData> {
  override name = "SegmentFormatDidntMatchJobInputParams";
  static readonly dataSchema = segmentFormatData;

  constructor(data: SegmentFormatDidntMatchJobInputParamsData, options?: ErrorOptions) {
    const clipped = { ...data, expected: printable(data.expected, 64), found: printable(data.found, 64) };
    super(
      {
        code: "SEGMENT_FORMAT_DIDNT_MATCH_JOB_INPUT_PARAMS",
        message:
          `Segment ${data.sequenceNumber} of stream ${data.streamId} has ${data.field} ${clipped.found}, ` +
          `but the job's input params say ${clipped.expected}.`,
        nextStep:
          "Send segments as the jobRequest described them, or send a new jobRequest whose input matches what the " +
          "encoder produces.",
        data: clipped,
      },
      options,
    );
  }
}

// ---------------------------------------------------------------------------------------------------- wire

const invalidMessageData = z.object({
  messageType: boundedText(64).optional(),
  /** Path of the first offending field, e.g. `tickets[0].sig`; "" when the message as a whole is wrong. */
  field: z.string().max(MAX_ERROR_DATA_TEXT_CHARS),
  reason: boundedText(MAX_ERROR_DATA_TEXT_CHARS),
});
export type InvalidMessageData = z.output<typeof invalidMessageData>;

/** A wire message failed validation; it was dropped. */
export class InvalidMessage extends ProtocolError<InvalidMessageData> {
  override name = "InvalidMessage";
  static readonly dataSchema = invalidMessageData;

  constructor(data: InvalidMessageData, options?: ErrorOptions) {
    const clipped = {
      ...data,
      field: data.field === "" ? "" : printable(data.field, MAX_ERROR_DATA_TEXT_CHARS),
      reason: printable(data.reason, MAX_ERROR_DATA_TEXT_CHARS),
    };
    super(
      {
        code: "INVALID_MESSAGE",
        message:
          `Invalid ${data.messageType ?? "wire"} message: ` +
          `${clipped.field === "" ? "the message" : clipped.field} ${clipped.reason}.`,
        nextStep:
          "The message was dropped. Check that both sides run the same Streamflow release; if they do, report this " +
          "as a bug with the message above.",
        data: clipped,
      },
      options,
    );
  }
}

/** What a size limit applies to: a message's JSON header, its binary payload, a whole framed message, or one frame. */
export const MESSAGE_PARTS = ["json", "payload", "message", "frame"] as const;
const TOO_LARGE_NEXT_STEP: Record<(typeof MESSAGE_PARTS)[number], string> = {
  json: "Send fewer tickets with each segment (raise the ticket faceValue) and check both sides run the same release.",
  payload: "Send smaller segments: lower the bitrate or the segment duration.",
  message: "Send smaller segments: lower the bitrate or the segment duration.",
  frame: "Split messages into frames with splitIntoFrames, and keep the backpressure marks at least one frame apart.",
};

const messageTooLargeData = z.object({
  what: z.enum(MESSAGE_PARTS),
  sizeBytes: boundedInt(0, Number.MAX_SAFE_INTEGER),
  maxBytes: boundedInt(0, Number.MAX_SAFE_INTEGER),
});
export type MessageTooLargeData = z.output<typeof messageTooLargeData>;

/** Something is over a size limit; it was refused before any of it was parsed or buffered further. */
export class MessageTooLarge extends ProtocolError<MessageTooLargeData> {
  override name = "MessageTooLarge";
  static readonly dataSchema = messageTooLargeData;

  constructor(data: MessageTooLargeData, options?: ErrorOptions) {
    super(
      {
        code: "MESSAGE_TOO_LARGE",
        message: `The ${data.what} is ${data.sizeBytes} bytes, over the limit of ${data.maxBytes} bytes.`,
        nextStep: TOO_LARGE_NEXT_STEP[data.what],
        data,
      },
      options,
    );
  }
}

const unsupportedVersionData = z.object({
  layer: z.enum(["message", "frame"]),
  received: z.string().max(MAX_ERROR_DATA_TEXT_CHARS),
  supported: z.string().max(MAX_ERROR_DATA_TEXT_CHARS),
});
export type UnsupportedProtocolVersionData = z.output<typeof unsupportedVersionData>;

/** The peer speaks another version of the wire protocol. */
export class UnsupportedProtocolVersion extends ProtocolError<UnsupportedProtocolVersionData> {
  override name = "UnsupportedProtocolVersion";
  static readonly dataSchema = unsupportedVersionData;

  constructor(data: UnsupportedProtocolVersionData, options?: ErrorOptions) {
    const clipped = { ...data, received: printable(data.received, 32) };
    super(
      {
        code: "UNSUPPORTED_PROTOCOL_VERSION",
        message: `The peer sent ${data.layer} version ${clipped.received}; this side speaks version ${data.supported}.`,
        nextStep: "Update the older side so that broadcaster and orchestrator run the same Streamflow release.",
        data: clipped,
      },
      options,
    );
  }
}

/** What can be wrong with one frame; each drops the message it belongs to. */
export const MALFORMED_FRAME_REASONS = {
  notBinary: "it is text, not binary",
  tooShort: "it is shorter than a frame header",
  unknownFlags: "it sets flags this version does not know",
  badFrameCount: "its frame count is zero or larger than its message's byte length",
  frameIndexOutOfRange: "its frame index is not below its frame count",
  emptyFrame: "it carries no bytes of its message",
  duplicateFrame: "its frame index arrived before",
  inconsistentFrame: "its frame count or message length differs from the message's earlier frames",
  lengthMismatch: "its message's frames add up to another length than the frames declare",
  badHeaderLength: "its message's JSON header length runs past the message's end",
  headerNotUtf8: "its message's JSON header is not valid UTF-8",
  malformedAbort: "it is an abort frame with a frame count, length or body",
} as const;
export type MalformedFrameReason = keyof typeof MALFORMED_FRAME_REASONS;

const malformedFrameData = z.object({
  reason: z.enum(Object.keys(MALFORMED_FRAME_REASONS) as [MalformedFrameReason, ...MalformedFrameReason[]]),
  messageId: boundedInt(0, 0xffff_ffff).optional(),
  frameIndex: boundedInt(0, 0xffff_ffff).optional(),
});
export type MalformedFrameData = z.output<typeof malformedFrameData>;

/** A data-channel frame that cannot be part of a well-formed message; the message it belongs to is dropped. */
export class MalformedFrame extends ProtocolError<MalformedFrameData> {
  override name = "MalformedFrame";
  static readonly dataSchema = malformedFrameData;

  constructor(data: MalformedFrameData, options?: ErrorOptions) {
    const where =
      (data.frameIndex === undefined ? "" : ` ${data.frameIndex}`) +
      (data.messageId === undefined ? "" : ` of message ${data.messageId}`);
    super(
      {
        code: "MALFORMED_FRAME",
        message: `Malformed frame${where}: ${MALFORMED_FRAME_REASONS[data.reason]}.`,
        nextStep:
          "The message was dropped; send it again. If frames keep arriving malformed, the peer runs an " +
          "incompatible release: update it.",
        data,
      },
      options,
    );
  }
}

const tooManyPartialMessagesData = z.object({
  messageId: boundedInt(0, 0xffff_ffff),
  partialMessages: boundedInt(0, Number.MAX_SAFE_INTEGER),
  maxPartialMessages: boundedInt(0, Number.MAX_SAFE_INTEGER),
  bufferedBytes: boundedInt(0, Number.MAX_SAFE_INTEGER),
  maxBufferedBytes: boundedInt(0, Number.MAX_SAFE_INTEGER),
});
export type TooManyPartialMessagesData = z.output<typeof tooManyPartialMessagesData>;

/** The receiver is already reassembling as many messages (or bytes) as it holds at once; a new one was refused. */
export class TooManyPartialMessages extends ProtocolError<TooManyPartialMessagesData> {
  override name = "TooManyPartialMessages";
  static readonly dataSchema = tooManyPartialMessagesData;

  constructor(data: TooManyPartialMessagesData, options?: ErrorOptions) {
    super(
      {
        code: "TOO_MANY_PARTIAL_MESSAGES",
        message:
          `Message ${data.messageId} was refused: ${data.partialMessages} unfinished messages holding ` +
          `${data.bufferedBytes} bytes are being reassembled (at most ${data.maxPartialMessages} messages, ` +
          `${data.maxBufferedBytes} bytes).`,
        nextStep: "Send fewer messages at once: wait for results before sending more than a few segments ahead.",
        data,
      },
      options,
    );
  }
}

const partialMessageExpiredData = z.object({
  messageId: boundedInt(0, 0xffff_ffff),
  framesReceived: boundedInt(0, 0xffff_ffff),
  frameCount: boundedInt(0, 0xffff_ffff),
  timeoutMs: boundedInt(0, Number.MAX_SAFE_INTEGER),
});
export type PartialMessageExpiredData = z.output<typeof partialMessageExpiredData>;

/** A message's frames stopped arriving; what had arrived was dropped. */
export class PartialMessageExpired extends ProtocolError<PartialMessageExpiredData> {
  override name = "PartialMessageExpired";
  static readonly dataSchema = partialMessageExpiredData;

  constructor(data: PartialMessageExpiredData, options?: ErrorOptions) {
    super(
      {
        code: "PARTIAL_MESSAGE_EXPIRED",
        message:
          `Message ${data.messageId} was dropped after ${data.timeoutMs} ms with ${data.framesReceived} of ` +
          `${data.frameCount} frames received.`,
        nextStep: "Send the message again; if this keeps happening the link is too slow for the segments: lower the bitrate.",
        data,
      },
      options,
    );
  }
}

const dataChannelNotOpenData = z.object({ readyState: z.string().max(32) });
export type DataChannelNotOpenData = z.output<typeof dataChannelNotOpenData>;

/** Frames were to be sent on a data channel that is not open (still connecting, or closing or closed). */
export class DataChannelNotOpen extends ProtocolError<DataChannelNotOpenData> {
  override name = "DataChannelNotOpen";
  static readonly dataSchema = dataChannelNotOpenData;

  constructor(data: DataChannelNotOpenData, options?: ErrorOptions) {
    super(
      {
        code: "DATA_CHANNEL_NOT_OPEN",
        message: `The data channel is ${data.readyState}, not open: frames cannot be sent on it.`,
        nextStep:
          data.readyState === "connecting"
            ? "Wait for the data channel's open event before sending."
            : "Connect to the peer again and re-send every segment that has no result yet.",
        data,
      },
      options,
    );
  }
}

const rateLimitedData = z.object({
  limit: boundedInt(0, 1_000_000),
  windowMs: boundedInt(0, 86_400_000),
  retryAfterMs: boundedInt(0, 86_400_000),
});
export type RateLimitedData = z.output<typeof rateLimitedData>;

/** This client sent more requests than the orchestrator takes from one address per window. */
export class RateLimited extends ProtocolError<RateLimitedData> {
  override name = "RateLimited";
  static readonly dataSchema = rateLimitedData;

  constructor(data: RateLimitedData, options?: ErrorOptions) {
    super(
      {
        code: "RATE_LIMITED",
        message: `Too many requests from this address: the orchestrator takes ${data.limit} per ${Math.round(data.windowMs / 1000)} s.`,
        nextStep: `Wait ${Math.ceil(data.retryAfterMs / 1000)} s before asking again, or ask another orchestrator.`,
        data,
      },
      options,
    );
  }
}

const chainUnavailableData = z.object({ what: boundedText(64), retryAfterMs: boundedInt(0, 86_400_000) });
export type ChainUnavailableData = z.output<typeof chainUnavailableData>;

/**
 * The orchestrator cannot reach its chain RPC to check what it must before working (the sender's funds, say): it
 * refuses rather than work unpaid or pay for work on stale facts. Nothing was spent.
 */
export class ChainUnavailable extends ProtocolError<ChainUnavailableData> {
  override name = "ChainUnavailable";
  static readonly dataSchema = chainUnavailableData;

  constructor(data: ChainUnavailableData, options?: ErrorOptions) {
    super(
      {
        code: "CHAIN_UNAVAILABLE",
        message: `The orchestrator cannot reach its chain to check ${data.what}; nothing was spent.`,
        nextStep: `Send the segment again with the same payment in ${Math.ceil(data.retryAfterMs / 1000)} s, or send it to another orchestrator.`,
        data,
      },
      options,
    );
  }
}

// ---------------------------------------------------------------------------------------------------- wire form

/**
 * Every class fromWireError re-creates, by the name it sends. Shorthand keys are written in the source, so a
 * minifier cannot change them.
 */
const WIRE_ERROR_CLASSES = {
  LowPMBalance,
  SenderUnlocking,
  TicketParamsExpired,
  InvalidTicket,
  PriceTooHigh,
  OrchestratorBusy,
  SegmentFormatDidntMatchJobInputParams,
  InvalidMessage,
  MessageTooLarge,
  UnsupportedProtocolVersion,
  MalformedFrame,
  TooManyPartialMessages,
  PartialMessageExpired,
  DataChannelNotOpen,
  ChainUnavailable,
  RateLimited,
} as const;
export type WireErrorName = keyof typeof WIRE_ERROR_CLASSES;
export const WIRE_ERROR_NAMES = Object.keys(WIRE_ERROR_CLASSES) as WireErrorName[];

/** A data value as the wire carries it: bigints in decimal, text clipped, anything else dropped. */
function wireDataValue(value: unknown): string | number | boolean | null | undefined {
  if (typeof value === "bigint") return value.toString(10);
  if (typeof value === "string") return clip(value, MAX_ERROR_DATA_TEXT_CHARS);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean" || value === null) return value;
  return undefined;
}

/**
 * The wire form of an error, to send in an `error` message. Anything that is not a ProtocolError is sent as a
 * generic internal error: its text may hold local paths or secrets, which a peer has no business reading.
 */
export function toWireError(err: unknown): WireError {
  if (!(err instanceof ProtocolError)) {
    return {
      name: "ProtocolError",
      code: "INTERNAL_ERROR",
      message: "The peer failed with an internal error while handling the message.",
      nextStep: "Retry; if it keeps failing, try another peer and report the failure to its operator.",
    };
  }
  const data: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(err.data as object)) {
    const wireValue = wireDataValue(value);
    if (identifier.test(key) && wireValue !== undefined && Object.keys(data).length < MAX_ERROR_DATA_FIELDS) {
      data[key] = wireValue;
    }
  }
  return {
    name: identifier.test(err.name) ? err.name : "ProtocolError",
    code: /^[A-Z][A-Z0-9_]{0,63}$/.test(err.code) ? err.code : "PROTOCOL_ERROR",
    message: clip(err.message === "" ? err.code : err.message, MAX_ERROR_TEXT_CHARS),
    nextStep: clip(err.nextStep, MAX_ERROR_TEXT_CHARS),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

/**
 * Re-creates a peer's error as the class it was sent as, with the text written here from its data, so a peer cannot
 * put words of its own into a known error. Unknown names, and known names with data this side cannot read, give a
 * plain ProtocolError with the peer's text (bounded) and `peerErrorName` in its data; nothing a peer sends throws.
 */
export function fromWireError(wire: unknown): ProtocolError {
  const parsed = wireErrorSchema.safeParse(wire);
  if (!parsed.success) {
    return new ProtocolError({
      code: "MALFORMED_PEER_ERROR",
      message: "The peer reported an error in a form this side cannot read.",
      nextStep: "Check that both sides run the same Streamflow release.",
      data: {},
    });
  }
  const { name, code, message, nextStep, data = {} } = parsed.data;
  if (Object.hasOwn(WIRE_ERROR_CLASSES, name)) {
    const ErrorClass = WIRE_ERROR_CLASSES[name as WireErrorName];
    const decoded = z.safeDecode(ErrorClass.dataSchema, data as never);
    if (decoded.success) {
      try {
        // Each class's constructor takes exactly what its own schema decodes to; TypeScript cannot see that through the union.
        return new (ErrorClass as new (data: unknown) => ProtocolError<object>)(decoded.data) as ProtocolError;
      } catch {
        // A constructor that cannot take data its schema let through is a bug here; the peer's text still gets through below.
      }
    }
  }
  return new ProtocolError({ code, message, nextStep, data: { ...data, peerErrorName: name } });
}
