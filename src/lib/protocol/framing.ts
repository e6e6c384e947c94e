// Messages over a WebRTC data channel: frames of at most 16 KiB, reassembly under limits, and sending with backpressure.
import {
  DataChannelNotOpen,
  MalformedFrame,
  MessageTooLarge,
  PartialMessageExpired,
  ProtocolError,
  TooManyPartialMessages,
  UnsupportedProtocolVersion,
  type MalformedFrameReason,
} from "./errors.ts";
import { decodeMessage, encodeMessage, MAX_MESSAGE_JSON_BYTES, MAX_PAYLOAD_BYTES, requirePayloadLength, type Message } from "./messages.ts";

/*
 * A message's body is u32 jsonByteLength ‖ JSON header (UTF-8) ‖ binary payload, cut into chunks; each frame is an
 * 18-byte header and one chunk. All integers are big-endian.
 *
 *   offset  size  field
 *   0       1     frame format version (1)
 *   1       1     flags (FLAG_ABORT; other bits must be 0)
 *   2       4     messageId       unique among the sender's messages in flight
 *   6       4     frameIndex      0 .. frameCount-1
 *   10      4     frameCount      ≥ 1 (0 only in an abort frame)
 *   14      4     bodyByteLength  the whole body's length, in every frame, so the first frame to arrive bounds it
 *   18      …     chunk           bytes [frameIndex × chunk size, …) of the body; ≥ 1 byte
 */

export const FRAME_FORMAT_VERSION = 1;
export const FRAME_HEADER_BYTES = 18;
/**
 * Largest frame sent: 16 KiB is the message size every WebRTC implementation delivers whole (larger ones were
 * split or refused by older browsers), and small frames keep a big segment from delaying a small message behind it.
 */
export const MAX_FRAME_BYTES = 16 * 1024;
/** The sender gave up on the message: the receiver drops what it has of it. */
export const FLAG_ABORT = 0x01;
const KNOWN_FLAGS = FLAG_ABORT;
const JSON_LENGTH_BYTES = 4;
const MAX_U32 = 0xffff_ffff;

/** Largest body a receiver accepts by default: the largest JSON header and payload the messages allow. */
export const DEFAULT_MAX_MESSAGE_BYTES = JSON_LENGTH_BYTES + MAX_MESSAGE_JSON_BYTES + MAX_PAYLOAD_BYTES;
/** Unfinished messages held at once: a broadcaster keeps a few segments in flight, plus small messages between them. */
export const DEFAULT_MAX_PARTIAL_MESSAGES = 16;
/** Bytes held for unfinished messages at once: two of the largest messages, so one can follow another mid-way. */
export const DEFAULT_MAX_BUFFERED_BYTES = 2 * DEFAULT_MAX_MESSAGE_BYTES;
/**
 * How long a message may take to arrive whole: 15 segments' worth of live video; a largest message still arrives at
 * 10 Mbit/s. A live segment this late is useless anyway.
 */
export const DEFAULT_PARTIAL_TIMEOUT_MS = 30_000;
/** Message ids of dropped messages remembered, so that their late frames are ignored rather than started again. */
const REMEMBERED_DROPPED_IDS = 64;

/** A message as framing carries it: its JSON text and the binary payload after it. */
export interface FramedMessage {
  messageId: number;
  header: string;
  payload: Uint8Array;
}

export interface FrameHeader {
  flags: number;
  messageId: number;
  frameIndex: number;
  frameCount: number;
  bodyByteLength: number;
}

function requireU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) throw new RangeError(`${name} must be a uint32, got ${value}`);
}

function writeFrameHeader(frame: Uint8Array<ArrayBuffer>, header: FrameHeader): void {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  view.setUint8(0, FRAME_FORMAT_VERSION);
  view.setUint8(1, header.flags);
  view.setUint32(2, header.messageId);
  view.setUint32(6, header.frameIndex);
  view.setUint32(10, header.frameCount);
  view.setUint32(14, header.bodyByteLength);
}

/**
 * A frame's header, checked on its own (not against the frame's message).
 * @throws MalformedFrame (tooShort, unknownFlags, malformedAbort, badFrameCount, frameIndexOutOfRange, emptyFrame);
 *         UnsupportedProtocolVersion for another frame format version
 */
export function readFrameHeader(frame: Uint8Array): FrameHeader {
  if (frame.byteLength < FRAME_HEADER_BYTES) throw new MalformedFrame({ reason: "tooShort" });
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  const version = view.getUint8(0);
  if (version !== FRAME_FORMAT_VERSION) {
    throw new UnsupportedProtocolVersion({ layer: "frame", received: String(version), supported: String(FRAME_FORMAT_VERSION) });
  }
  const header: FrameHeader = {
    flags: view.getUint8(1),
    messageId: view.getUint32(2),
    frameIndex: view.getUint32(6),
    frameCount: view.getUint32(10),
    bodyByteLength: view.getUint32(14),
  };
  const malformed = (reason: MalformedFrameReason) =>
    new MalformedFrame({ reason, messageId: header.messageId, frameIndex: header.frameIndex });
  const chunkBytes = frame.byteLength - FRAME_HEADER_BYTES;
  if ((header.flags & ~KNOWN_FLAGS) !== 0) throw malformed("unknownFlags");
  if (header.flags & FLAG_ABORT) {
    if (header.frameIndex !== 0 || header.frameCount !== 0 || header.bodyByteLength !== 0 || chunkBytes !== 0) {
      throw malformed("malformedAbort");
    }
    return header;
  }
  if (header.frameCount === 0 || header.frameCount > header.bodyByteLength) throw malformed("badFrameCount");
  if (header.frameIndex >= header.frameCount) throw malformed("frameIndexOutOfRange");
  if (chunkBytes === 0) throw malformed("emptyFrame");
  return header;
}

/**
 * The frames of one message, each at most maxFrameBytes. A message that is re-sent takes a new messageId: the
 * receiver ignores the late frames of a message it dropped.
 * @throws MessageTooLarge when the body is over maxMessageBytes (what the receiver would refuse); RangeError for a
 *         messageId that is not a uint32 or a maxFrameBytes with no room for a chunk
 */
export function splitIntoFrames(
  message: { messageId: number; header: string; payload?: Uint8Array },
  { maxFrameBytes = MAX_FRAME_BYTES, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES } = {},
): Uint8Array<ArrayBuffer>[] {
  requireU32("messageId", message.messageId);
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes <= FRAME_HEADER_BYTES) {
    throw new RangeError(`maxFrameBytes must be an integer above ${FRAME_HEADER_BYTES}, got ${maxFrameBytes}`);
  }
  const json = new TextEncoder().encode(message.header);
  const payload = message.payload ?? new Uint8Array(0);
  const bodyByteLength = JSON_LENGTH_BYTES + json.byteLength + payload.byteLength;
  const maxBytes = Math.min(maxMessageBytes, MAX_U32);
  if (bodyByteLength > maxBytes) throw new MessageTooLarge({ what: "message", sizeBytes: bodyByteLength, maxBytes });

  const prefix = new Uint8Array(JSON_LENGTH_BYTES);
  new DataView(prefix.buffer).setUint32(0, json.byteLength);
  // The body's three parts are copied straight into the frames, never joined into one buffer first.
  const parts = [prefix, json, payload];
  const chunkBytes = maxFrameBytes - FRAME_HEADER_BYTES;
  const frameCount = Math.ceil(bodyByteLength / chunkBytes);
  const frames: Uint8Array<ArrayBuffer>[] = [];
  let part = 0;
  let partOffset = 0;
  for (let frameIndex = 0; frameIndex < frameCount; frameIndex++) {
    const length = Math.min(chunkBytes, bodyByteLength - frameIndex * chunkBytes);
    const frame = new Uint8Array(FRAME_HEADER_BYTES + length);
    writeFrameHeader(frame, { flags: 0, messageId: message.messageId, frameIndex, frameCount, bodyByteLength });
    let written = 0;
    while (written < length) {
      const source = parts[part] as Uint8Array;
      const take = Math.min(length - written, source.byteLength - partOffset);
      frame.set(source.subarray(partOffset, partOffset + take), FRAME_HEADER_BYTES + written);
      written += take;
      partOffset += take;
      if (partOffset === source.byteLength) {
        part += 1;
        partOffset = 0;
      }
    }
    frames.push(frame);
  }
  return frames;
}

/** The frame that tells the receiver to drop what it has of a message the sender will not finish. */
export function abortFrame(messageId: number): Uint8Array<ArrayBuffer> {
  requireU32("messageId", messageId);
  const frame = new Uint8Array(FRAME_HEADER_BYTES);
  writeFrameHeader(frame, { flags: FLAG_ABORT, messageId, frameIndex: 0, frameCount: 0, bodyByteLength: 0 });
  return frame;
}

/** Message ids for one sender: first, first + 1, … wrapping at 2^32, so every message in flight has its own. */
export function messageIds(first = 0): () => number {
  requireU32("first", first);
  let next = first;
  return () => {
    const id = next;
    next = next === MAX_U32 ? 0 : next + 1;
    return id;
  };
}

/**
 * The frames of a protocol message and its payload (a segment's bytes, a result's renditions concatenated).
 * @throws InvalidMessage when the message does not validate or the payload's length is not the one it declares;
 *         MessageTooLarge
 */
export function frameMessage(messageId: number, message: Message, payload: Uint8Array = new Uint8Array(0)): Uint8Array<ArrayBuffer>[] {
  const header = encodeMessage(message);
  requirePayloadLength(message, payload);
  return splitIntoFrames({ messageId, header, payload });
}

/**
 * The protocol message in a reassembled FramedMessage, with its payload checked against the length it declares.
 * @throws what decodeMessage throws; InvalidMessage when the payload's length is not the declared one
 */
export function decodeFramedMessage(framed: FramedMessage): { message: Message; payload: Uint8Array } {
  const message = decodeMessage(framed.header);
  requirePayloadLength(message, framed.payload);
  return { message, payload: framed.payload };
}

// ---------------------------------------------------------------------------------------------------- reassembly

export interface ReassemblerOptions {
  /** Largest body (4 + JSON header + payload bytes) accepted. */
  maxMessageBytes?: number;
  /** Unfinished messages held at once. */
  maxPartialMessages?: number;
  /** Bytes reserved for unfinished messages at once (each reserves its declared length when its first frame comes). */
  maxBufferedBytes?: number;
  /** A message not whole this long after its first frame is dropped. */
  partialTimeoutMs?: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
  /**
   * Told of every message dropped by the timeout when no frame of its own was being pushed (that one is thrown).
   * Each dropped message is reported exactly once, by a throw or here.
   */
  onDrop?: (error: ProtocolError) => void;
}

interface PartialMessage {
  frameCount: number;
  bodyByteLength: number;
  chunks: (Uint8Array | undefined)[];
  framesReceived: number;
  bytesReceived: number;
  startedAt: number;
}

/**
 * Reassembles the messages of one data channel from their frames, in any order and interleaved. Holds views of the
 * frames it is given until their message completes: the caller must not reuse a frame's buffer.
 */
export class FrameReassembler {
  readonly #maxMessageBytes: number;
  readonly #maxPartialMessages: number;
  readonly #maxBufferedBytes: number;
  readonly #partialTimeoutMs: number;
  readonly #now: () => number;
  readonly #onDrop: (error: ProtocolError) => void;
  readonly #partials = new Map<number, PartialMessage>();
  readonly #dropped = new Set<number>();
  #bufferedBytes = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#maxPartialMessages = options.maxPartialMessages ?? DEFAULT_MAX_PARTIAL_MESSAGES;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#partialTimeoutMs = options.partialTimeoutMs ?? DEFAULT_PARTIAL_TIMEOUT_MS;
    this.#now = options.now ?? (() => Date.now());
    this.#onDrop = options.onDrop ?? (() => {});
  }

  /** Unfinished messages held now. */
  get partialMessages(): number {
    return this.#partials.size;
  }

  /** Bytes reserved for unfinished messages now. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /**
   * Takes one frame as the data channel delivered it; returns the message it completes, if it completes one.
   * A frame that breaks a rule throws, and the message it belongs to is dropped (its later frames are ignored).
   * @throws MalformedFrame, UnsupportedProtocolVersion, MessageTooLarge, TooManyPartialMessages, PartialMessageExpired
   */
  push(data: Uint8Array | ArrayBuffer | string): FramedMessage | undefined {
    if (typeof data === "string") throw new MalformedFrame({ reason: "notBinary" });
    const frame = data instanceof Uint8Array ? data : new Uint8Array(data);
    let header: FrameHeader;
    try {
      header = readFrameHeader(frame);
    } catch (err) {
      // The message can no longer complete: free it now rather than when it times out.
      if (err instanceof MalformedFrame && err.data.messageId !== undefined) this.#drop(err.data.messageId);
      throw err;
    }
    const { messageId } = header;
    if (header.flags & FLAG_ABORT) {
      this.#drop(messageId);
      return undefined;
    }
    this.#evictExpired(messageId);
    if (this.#dropped.has(messageId)) return undefined;
    const chunk = frame.subarray(FRAME_HEADER_BYTES);
    try {
      return this.#take(header, chunk);
    } catch (err) {
      this.#drop(messageId);
      throw err;
    }
  }

  /** Drops every message whose frames stopped arriving, telling onDrop of each; call it on a timer when idle. */
  evictExpired(): void {
    this.#evictExpired(undefined);
  }

  #take(header: FrameHeader, chunk: Uint8Array): FramedMessage | undefined {
    const { messageId, frameIndex, frameCount, bodyByteLength } = header;
    const malformed = (reason: MalformedFrameReason) => new MalformedFrame({ reason, messageId, frameIndex });
    let partial = this.#partials.get(messageId);
    if (partial === undefined) {
      if (bodyByteLength > this.#maxMessageBytes) {
        throw new MessageTooLarge({ what: "message", sizeBytes: bodyByteLength, maxBytes: this.#maxMessageBytes });
      }
      if (frameCount === 1) {
        if (chunk.byteLength !== bodyByteLength) throw malformed("lengthMismatch");
        return parseBody(messageId, chunk);
      }
      this.#reserve(messageId, bodyByteLength);
      partial = { frameCount, bodyByteLength, chunks: new Array(frameCount), framesReceived: 0, bytesReceived: 0, startedAt: this.#now() };
      this.#partials.set(messageId, partial);
    } else if (partial.frameCount !== frameCount || partial.bodyByteLength !== bodyByteLength) {
      throw malformed("inconsistentFrame");
    }
    if (partial.chunks[frameIndex] !== undefined) throw malformed("duplicateFrame");
    if (partial.bytesReceived + chunk.byteLength > bodyByteLength) throw malformed("lengthMismatch");
    partial.chunks[frameIndex] = chunk;
    partial.framesReceived += 1;
    partial.bytesReceived += chunk.byteLength;
    if (partial.framesReceived < frameCount) return undefined;

    if (partial.bytesReceived !== bodyByteLength) throw malformed("lengthMismatch");
    this.#release(messageId);
    const body = new Uint8Array(bodyByteLength);
    let offset = 0;
    for (const part of partial.chunks as Uint8Array[]) {
      body.set(part, offset);
      offset += part.byteLength;
    }
    return parseBody(messageId, body);
  }

  #reserve(messageId: number, bodyByteLength: number): void {
    const full = () =>
      this.#partials.size >= this.#maxPartialMessages || this.#bufferedBytes + bodyByteLength > this.#maxBufferedBytes;
    if (full()) this.#evictExpired(undefined);
    if (full()) {
      throw new TooManyPartialMessages({
        messageId,
        partialMessages: this.#partials.size,
        maxPartialMessages: this.#maxPartialMessages,
        bufferedBytes: this.#bufferedBytes,
        maxBufferedBytes: this.#maxBufferedBytes,
      });
    }
    this.#bufferedBytes += bodyByteLength;
  }

  /** Forgets a message's frames and frees its reservation. */
  #release(messageId: number): void {
    const partial = this.#partials.get(messageId);
    if (partial === undefined) return;
    this.#partials.delete(messageId);
    this.#bufferedBytes -= partial.bodyByteLength;
  }

  /** Releases a message and remembers its id, so that frames still on their way are ignored. */
  #drop(messageId: number): void {
    this.#release(messageId);
    this.#dropped.delete(messageId);
    this.#dropped.add(messageId);
    if (this.#dropped.size > REMEMBERED_DROPPED_IDS) {
      const [oldest] = this.#dropped;
      this.#dropped.delete(oldest as number);
    }
  }

  /** Drops expired messages; the one whose frame is being pushed is thrown for, the others go to onDrop. */
  #evictExpired(pushedId: number | undefined): void {
    const now = this.#now();
    for (const [messageId, partial] of this.#partials) {
      if (now - partial.startedAt <= this.#partialTimeoutMs) continue;
      this.#drop(messageId);
      const error = new PartialMessageExpired({
        messageId,
        framesReceived: partial.framesReceived,
        frameCount: partial.frameCount,
        timeoutMs: this.#partialTimeoutMs,
      });
      if (messageId === pushedId) throw error;
      this.#onDrop(error);
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseBody(messageId: number, body: Uint8Array): FramedMessage {
  const jsonByteLength = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
  if (JSON_LENGTH_BYTES + jsonByteLength > body.byteLength) throw new MalformedFrame({ reason: "badHeaderLength", messageId });
  let header: string;
  try {
    header = utf8.decode(body.subarray(JSON_LENGTH_BYTES, JSON_LENGTH_BYTES + jsonByteLength));
  } catch (cause) {
    throw new MalformedFrame({ reason: "headerNotUtf8", messageId }, { cause });
  }
  return { messageId, header, payload: body.subarray(JSON_LENGTH_BYTES + jsonByteLength) };
}

// ---------------------------------------------------------------------------------------------------- backpressure

/**
 * What sendFrames needs of a data channel: a browser RTCDataChannel, or in Node the RTCDataChannel under a
 * simple-peer (`peer._channel`, from @roamhq/wrtc). Without addEventListener, sendFrames polls bufferedAmount.
 */
export interface FrameChannel {
  readonly bufferedAmount: number;
  readonly readyState?: string;
  bufferedAmountLowThreshold?: number;
  send(data: Uint8Array<ArrayBuffer>): void;
  addEventListener?(type: "bufferedamountlow" | "close", listener: () => void): void;
  removeEventListener?(type: "bufferedamountlow" | "close", listener: () => void): void;
}

export interface SendFramesOptions {
  /** bufferedAmount is never taken above this by a send. */
  highWaterMark?: number;
  /** When a frame would not fit under the high mark, sending waits until bufferedAmount has fallen to this. */
  lowWaterMark?: number;
  /** How often bufferedAmount is read while waiting, besides the bufferedamountlow event. */
  pollIntervalMs?: number;
  /** Stops sending (the promise rejects with the signal's reason); send abortFrame for the unfinished message. */
  signal?: AbortSignal;
}

/**
 * Big enough to keep a 100 Mbit/s link busy through 80 ms of scheduling delay, small enough that a message sent
 * after a segment waits at most that long in the channel's queue (browsers close a channel whose queue passes 16 MiB).
 */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_LOW_WATER_MARK = 256 * 1024;
export const DEFAULT_POLL_INTERVAL_MS = 20;

/**
 * Sends frames in order without ever taking the channel's bufferedAmount above highWaterMark: before a frame that
 * would, it waits for the buffer to drain to lowWaterMark (or lower, for a frame too big to fit above it). Frames
 * of several messages may be sent concurrently through it; the receiver untangles them by messageId.
 * @throws DataChannelNotOpen if the channel is not open (or stops being); MessageTooLarge for a frame above the high
 *         mark; the signal's reason when aborted; RangeError for marks that are not 0 ≤ low < high
 */
export async function sendFrames(
  channel: FrameChannel,
  frames: Iterable<Uint8Array<ArrayBuffer>>,
  options: SendFramesOptions = {},
): Promise<void> {
  const {
    highWaterMark = DEFAULT_HIGH_WATER_MARK,
    lowWaterMark = DEFAULT_LOW_WATER_MARK,
    pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    signal,
  } = options;
  if (!(lowWaterMark >= 0 && lowWaterMark < highWaterMark)) {
    throw new RangeError(`backpressure marks must satisfy 0 ≤ lowWaterMark < highWaterMark, got ${lowWaterMark} and ${highWaterMark}`);
  }
  for (const frame of frames) {
    if (frame.byteLength > highWaterMark) {
      throw new MessageTooLarge({ what: "frame", sizeBytes: frame.byteLength, maxBytes: highWaterMark });
    }
    const target = Math.min(lowWaterMark, highWaterMark - frame.byteLength);
    for (;;) {
      signal?.throwIfAborted();
      requireOpen(channel);
      if (channel.bufferedAmount + frame.byteLength <= highWaterMark) break;
      await bufferedAmountAtMost(channel, target, pollIntervalMs, signal);
    }
    channel.send(frame);
  }
}

function requireOpen(channel: FrameChannel): void {
  if (channel.readyState !== undefined && channel.readyState !== "open") {
    throw new DataChannelNotOpen({ readyState: channel.readyState });
  }
}

/**
 * Resolves once bufferedAmount ≤ target. The bufferedamountlow event wakes it at once where the channel has it;
 * polling backs it up, since some implementations fire it late or not at all.
 */
function bufferedAmountAtMost(channel: FrameChannel, target: number, pollIntervalMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      try {
        signal?.throwIfAborted();
        requireOpen(channel);
      } catch (err) {
        finish();
        reject(err);
        return;
      }
      if (channel.bufferedAmount <= target) {
        finish();
        resolve();
      }
    };
    const timer = setInterval(check, pollIntervalMs);
    const finish = () => {
      clearInterval(timer);
      channel.removeEventListener?.("bufferedamountlow", check);
      channel.removeEventListener?.("close", check);
      signal?.removeEventListener("abort", check);
    };
    if (channel.addEventListener) {
      if ("bufferedAmountLowThreshold" in channel) channel.bufferedAmountLowThreshold = target;
      channel.addEventListener("bufferedamountlow", check);
      channel.addEventListener("close", check);
    }
    signal?.addEventListener("abort", check);
    // It may have drained between the caller's look and the listeners going on, and then no event would come.
    check();
  });
}
