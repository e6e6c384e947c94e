// Spec of data-channel framing: the frame layout, reassembly in any order under limits, named errors for bad frames, backpressure.
import fc from "fast-check";
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  DataChannelNotOpen,
  InvalidMessage,
  MalformedFrame,
  MessageTooLarge,
  PartialMessageExpired,
  ProtocolError,
  TooManyPartialMessages,
  UnsupportedProtocolVersion,
  type MalformedFrameReason,
} from "./errors.ts";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  FRAME_HEADER_BYTES,
  FrameReassembler,
  MAX_FRAME_BYTES,
  abortFrame,
  decodeFramedMessage,
  frameMessage,
  messageIds,
  readFrameHeader,
  sendFrames,
  splitIntoFrames,
  type FrameChannel,
  type FramedMessage,
} from "./framing.ts";
import { MAX_PAYLOAD_BYTES, encodeMessage, type Segment } from "./messages.ts";
import { contentHash } from "./receipt.ts";

const RUNS = { numRuns: 1000 };
const CHUNK_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES;
const FRAMING_ERRORS = ["MalformedFrame", "MessageTooLarge", "TooManyPartialMessages", "PartialMessageExpired", "UnsupportedProtocolVersion"];

/** Bytes that differ from position to position and from seed to seed, made fast enough for multi-megabyte payloads. */
function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Byte-for-byte equality; vitest's toEqual walks a multi-megabyte array element by element, far too slowly. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same items in an order fixed by `seed` (Fisher–Yates). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed | 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Pushes every frame; returns the messages that came out and the errors thrown, in order. */
function pushAll(reassembler: FrameReassembler, frames: readonly (Uint8Array | string)[]) {
  const messages: FramedMessage[] = [];
  const errors: unknown[] = [];
  for (const frame of frames) {
    try {
      const message = reassembler.push(frame);
      if (message) messages.push(message);
    } catch (err) {
      errors.push(err);
    }
  }
  return { messages, errors };
}

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error("did not throw");
}

const malformedReason = (fn: () => unknown): MalformedFrameReason => {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(MalformedFrame);
  return (err as MalformedFrame).data.reason;
};

/** A payload size from empty to a few MiB, mostly small, with a frame size that keeps the frame count in the thousands. */
const payloadAndFrameSize = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.nat({ max: 3000 }) },
      { weight: 3, arbitrary: fc.nat({ max: 200_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 4_000_000 }) },
    ),
    fc.oneof(fc.constant(MAX_FRAME_BYTES), fc.integer({ min: FRAME_HEADER_BYTES + 1, max: MAX_FRAME_BYTES })),
  )
  .map(([size, frameBytes]) => ({ size, maxFrameBytes: Math.max(frameBytes, FRAME_HEADER_BYTES + Math.ceil(size / 2000)) }));

describe("the frame layout", () => {
  it("is version, flags, messageId, frameIndex, frameCount, bodyByteLength (big-endian), then the body's bytes", () => {
    const [frame] = splitIntoFrames({ messageId: 0x01020304, header: "{}", payload: new Uint8Array([0xff]) });
    // body = u32 JSON length (2) ‖ "{}" ‖ payload
    expect([...(frame as Uint8Array)]).toEqual([1, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 2, 0x7b, 0x7d, 0xff]);
  });

  it("cuts a message into frames of at most 16 KiB, every one full but the last", () => {
    const payload = pattern(3 * CHUNK_BYTES, 1);
    const frames = splitIntoFrames({ messageId: 1, header: "{}", payload });
    expect(frames).toHaveLength(4); // 4 + 2 header bytes spill into a fourth frame
    expect(frames.slice(0, 3).every((f) => f.byteLength === MAX_FRAME_BYTES)).toBe(true);
    expect(frames[3]?.byteLength).toBe(FRAME_HEADER_BYTES + 6);
    expect(frames.map((f) => readFrameHeader(f))).toEqual(
      [0, 1, 2, 3].map((frameIndex) => ({ flags: 0, messageId: 1, frameIndex, frameCount: 4, bodyByteLength: 6 + payload.byteLength })),
    );
  });

  it("an abort frame is a bare header with the abort flag", () => {
    expect([...abortFrame(9)]).toEqual([1, 1, 0, 0, 0, 9, ...Array(12).fill(0)]);
  });

  it("refuses to split a message over the limit, or with a messageId that is not a uint32", () => {
    expect(errorOf(() => splitIntoFrames({ messageId: 1, header: "{}", payload: new Uint8Array(11) }, { maxMessageBytes: 16 }))).toBeInstanceOf(
      MessageTooLarge,
    );
    expect(() => splitIntoFrames({ messageId: -1, header: "" })).toThrow(RangeError);
    expect(() => splitIntoFrames({ messageId: 2 ** 32, header: "" })).toThrow(RangeError);
    expect(() => splitIntoFrames({ messageId: 1, header: "" }, { maxFrameBytes: FRAME_HEADER_BYTES })).toThrow(RangeError);
  });

  it("numbers messages from 0 and wraps at 2^32", () => {
    const next = messageIds();
    expect([next(), next(), next()]).toEqual([0, 1, 2]);
    const nearEnd = messageIds(2 ** 32 - 1);
    expect([nearEnd(), nearEnd()]).toEqual([2 ** 32 - 1, 0]);
  });
});

describe("reassembly", () => {
  it("gives back a message split and shuffled, whatever its size, when its last frame arrives (property)", () => {
    fc.assert(
      fc.property(payloadAndFrameSize, fc.string({ unit: "binary", maxLength: 300 }), fc.integer(), ({ size, maxFrameBytes }, header, seed) => {
        const payload = pattern(size, seed);
        const frames = splitIntoFrames({ messageId: seed >>> 0, header, payload }, { maxFrameBytes });
        expect(frames.every((f) => f.byteLength <= maxFrameBytes)).toBe(true);
        const reassembler = new FrameReassembler();
        const order = shuffled(frames, seed);
        order.slice(0, -1).forEach((frame) => expect(reassembler.push(frame)).toBeUndefined());
        const message = reassembler.push(order.at(-1) as Uint8Array);
        expect(message?.messageId).toBe(seed >>> 0);
        expect(message?.header).toBe(header);
        expect(sameBytes(message?.payload, payload)).toBe(true);
        expect([reassembler.partialMessages, reassembler.bufferedBytes]).toEqual([0, 0]);
      }),
      RUNS,
    );
  });

  it("untangles several messages whose frames arrive interleaved and out of order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 60_000 }), { minLength: 1, maxLength: 6 }), fc.integer(), (sizes, seed) => {
        const sent = sizes.map((size, messageId) => ({ messageId, header: `{"n":${messageId}}`, payload: pattern(size, seed + messageId) }));
        const frames = shuffled(sent.flatMap((m) => splitIntoFrames(m)), seed);
        const { messages, errors } = pushAll(new FrameReassembler(), frames);
        expect(errors).toEqual([]);
        expect(messages.map((m) => m.messageId).sort((a, b) => a - b)).toEqual(sent.map((m) => m.messageId));
        for (const m of messages) {
          const original = sent[m.messageId] as (typeof sent)[number];
          expect(m.header).toBe(original.header);
          expect(sameBytes(m.payload, original.payload)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("takes frames as ArrayBuffers too, as a browser's data channel delivers them", () => {
    const [frame] = splitIntoFrames({ messageId: 5, header: "{}", payload: new Uint8Array([1, 2]) });
    const buffer = (frame as Uint8Array).slice().buffer;
    expect(new FrameReassembler().push(buffer)).toEqual({ messageId: 5, header: "{}", payload: new Uint8Array([1, 2]) });
  });

  it("carries the largest message the protocol allows (32 MiB of payload)", () => {
    const payload = pattern(MAX_PAYLOAD_BYTES, 3);
    const frames = splitIntoFrames({ messageId: 1, header: "{}", payload });
    const { messages } = pushAll(new FrameReassembler(), frames);
    expect(sameBytes(messages[0]?.payload, payload)).toBe(true);
  });
});

describe("bad frames give named errors", () => {
  const frames = splitIntoFrames({ messageId: 7, header: '{"a":1}', payload: pattern(40_000, 9) }); // 3 frames
  const first = frames[0] as Uint8Array;
  const withHeader = (frame: Uint8Array, offset: number, write: (view: DataView) => void) => {
    const copy = frame.slice();
    write(new DataView(copy.buffer, offset));
    return copy;
  };

  it("text instead of binary: notBinary", () => {
    expect(malformedReason(() => new FrameReassembler().push("hello"))).toBe("notBinary");
  });

  it("fewer bytes than a header: tooShort", () => {
    expect(malformedReason(() => new FrameReassembler().push(first.subarray(0, FRAME_HEADER_BYTES - 1)))).toBe("tooShort");
  });

  it("another frame format version: UnsupportedProtocolVersion", () => {
    const err = errorOf(() => new FrameReassembler().push(withHeader(first, 0, (v) => v.setUint8(0, 2))));
    expect(err).toBeInstanceOf(UnsupportedProtocolVersion);
    expect((err as UnsupportedProtocolVersion).data).toEqual({ layer: "frame", received: "2", supported: "1" });
  });

  it.each([
    ["unknownFlags", (f: Uint8Array) => withHeader(f, 1, (v) => v.setUint8(0, 0x80))],
    ["malformedAbort", (f: Uint8Array) => withHeader(f, 1, (v) => v.setUint8(0, 1))],
    ["badFrameCount", (f: Uint8Array) => withHeader(f, 10, (v) => v.setUint32(0, 0))],
    ["badFrameCount", (f: Uint8Array) => withHeader(f, 10, (v) => v.setUint32(0, 1_000_000))],
    ["frameIndexOutOfRange", (f: Uint8Array) => withHeader(f, 6, (v) => v.setUint32(0, 3))],
    ["emptyFrame", (f: Uint8Array) => f.subarray(0, FRAME_HEADER_BYTES)],
  ] as const)("%s", (reason, corrupt) => {
    expect(malformedReason(() => new FrameReassembler().push(corrupt(first)))).toBe(reason);
  });

  it("a frame index that arrived before: duplicateFrame", () => {
    const reassembler = new FrameReassembler();
    reassembler.push(first);
    expect(malformedReason(() => reassembler.push(first))).toBe("duplicateFrame");
  });

  it("a frame that disagrees with its message's earlier frames: inconsistentFrame", () => {
    const reassembler = new FrameReassembler();
    reassembler.push(first);
    expect(malformedReason(() => reassembler.push(withHeader(frames[1] as Uint8Array, 14, (v) => v.setUint32(0, 40_008))))).toBe("inconsistentFrame");
  });

  it("a truncated frame: lengthMismatch when its message completes", () => {
    const reassembler = new FrameReassembler();
    reassembler.push(first.subarray(0, first.byteLength - 1));
    reassembler.push(frames[1] as Uint8Array);
    expect(malformedReason(() => reassembler.push(frames[2] as Uint8Array))).toBe("lengthMismatch");
  });

  it("a JSON length running past the body: badHeaderLength", () => {
    const [only] = splitIntoFrames({ messageId: 1, header: "{}" });
    expect(malformedReason(() => new FrameReassembler().push(withHeader(only as Uint8Array, 18, (v) => v.setUint32(0, 3))))).toBe("badHeaderLength");
  });

  it("a JSON header that is not UTF-8: headerNotUtf8", () => {
    const [only] = splitIntoFrames({ messageId: 1, header: "ab" });
    expect(malformedReason(() => new FrameReassembler().push(withHeader(only as Uint8Array, 22, (v) => v.setUint8(0, 0xff))))).toBe("headerNotUtf8");
  });

  it("drops the message a bad frame belongs to, and ignores its later frames", () => {
    const reassembler = new FrameReassembler();
    reassembler.push(first);
    expect(() => reassembler.push(first)).toThrow(MalformedFrame);
    expect([reassembler.partialMessages, reassembler.bufferedBytes]).toEqual([0, 0]);
    expect(reassembler.push(frames[1] as Uint8Array)).toBeUndefined();
    expect(reassembler.push(frames[2] as Uint8Array)).toBeUndefined();
    expect(reassembler.partialMessages).toBe(0);
  });

  it("never gives back a truncated message: cutting any frame short is a named error (property)", () => {
    fc.assert(
      fc.property(payloadAndFrameSize, fc.integer(), fc.nat(), fc.nat(), ({ size, maxFrameBytes }, seed, which, cut) => {
        const sent = splitIntoFrames({ messageId: 1, header: "{}", payload: pattern(size, seed) }, { maxFrameBytes });
        const index = which % sent.length;
        const damaged = sent.map((f, i) => (i === index ? f.subarray(0, cut % f.byteLength) : f));
        const { messages, errors } = pushAll(new FrameReassembler(), shuffled(damaged, seed));
        expect(messages).toEqual([]);
        expect(errors.length).toBeGreaterThan(0);
        for (const err of errors) expect(FRAMING_ERRORS).toContain((err as Error).name);
      }),
      RUNS,
    );
  });

  it("a corrupted header byte either leaves the message intact or is reported by a named error (property)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 50_000 }),
        fc.integer(),
        fc.nat(),
        fc.nat({ max: FRAME_HEADER_BYTES - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (size, seed, which, offset, xor) => {
          const payload = pattern(size, seed);
          const sent = splitIntoFrames({ messageId: 1, header: "{}", payload });
          const index = which % sent.length;
          const damaged = sent.map((f, i) => (i === index ? f.slice() : f));
          const bytes = damaged[index] as Uint8Array;
          bytes[offset] = (bytes[offset] as number) ^ xor;
          let now = 0;
          const dropped: ProtocolError[] = [];
          const reassembler = new FrameReassembler({ now: () => now, onDrop: (err) => dropped.push(err) });
          const { messages, errors } = pushAll(reassembler, shuffled(damaged, seed));
          now += 60_000;
          reassembler.evictExpired();
          for (const message of messages) expect(message.header === "{}" && sameBytes(message.payload, payload)).toBe(true);
          if (messages.length === 0) expect(errors.length + dropped.length).toBeGreaterThan(0);
          for (const err of [...errors, ...dropped]) expect(FRAMING_ERRORS).toContain((err as Error).name);
          expect(reassembler.partialMessages).toBe(0);
        },
      ),
      RUNS,
    );
  });

  it("a corrupted payload byte passes framing: the segment's contentHash is what catches it", () => {
    const payload = pattern(100, 1);
    const [frame] = splitIntoFrames({ messageId: 1, header: "{}", payload });
    const bytes = frame as Uint8Array;
    bytes[FRAME_HEADER_BYTES + 10] = (bytes[FRAME_HEADER_BYTES + 10] as number) ^ 1;
    const received = new FrameReassembler().push(bytes);
    expect(contentHash(received?.payload as Uint8Array)).not.toBe(contentHash(payload));
  });
});

describe("limits", () => {
  const twoFrames = (messageId: number) => splitIntoFrames({ messageId, header: "{}", payload: pattern(CHUNK_BYTES, messageId) });

  it("refuses a message declared over maxMessageBytes at its first frame, before buffering any of it", () => {
    const reassembler = new FrameReassembler({ maxMessageBytes: 1000 });
    const [frame] = splitIntoFrames({ messageId: 1, header: "{}", payload: new Uint8Array(5000) }, { maxFrameBytes: 1000 });
    const err = errorOf(() => reassembler.push(frame as Uint8Array));
    expect(err).toBeInstanceOf(MessageTooLarge);
    expect((err as MessageTooLarge).data).toEqual({ what: "message", sizeBytes: 5006, maxBytes: 1000 });
    expect(reassembler.bufferedBytes).toBe(0);
  });

  it("defaults to the largest JSON header and payload the messages allow", () => {
    expect(new FrameReassembler().push(splitIntoFrames({ messageId: 1, header: "x".repeat(10), payload: new Uint8Array(1) })[0] as Uint8Array)).toBeDefined();
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBeGreaterThan(MAX_PAYLOAD_BYTES);
  });

  it("refuses a new message beyond maxPartialMessages, ignores its later frames, and keeps the others", () => {
    const reassembler = new FrameReassembler({ maxPartialMessages: 2 });
    const [a, b, c] = [twoFrames(1), twoFrames(2), twoFrames(3)];
    reassembler.push(a[0] as Uint8Array);
    reassembler.push(b[0] as Uint8Array);
    const err = errorOf(() => reassembler.push(c[0] as Uint8Array));
    expect(err).toBeInstanceOf(TooManyPartialMessages);
    expect(err.data).toMatchObject({ messageId: 3, partialMessages: 2, maxPartialMessages: 2 });
    expect(reassembler.push(c[1] as Uint8Array)).toBeUndefined();
    expect(reassembler.push(a[1] as Uint8Array)?.messageId).toBe(1);
    expect(reassembler.push(b[1] as Uint8Array)?.messageId).toBe(2);
  });

  it("refuses a new message whose declared length would take buffered bytes over maxBufferedBytes", () => {
    const reassembler = new FrameReassembler({ maxBufferedBytes: 3 * CHUNK_BYTES });
    reassembler.push(twoFrames(1)[0] as Uint8Array);
    expect(reassembler.bufferedBytes).toBe(CHUNK_BYTES + 6);
    expect(() => reassembler.push(twoFrames(2)[0] as Uint8Array)).not.toThrow();
    expect(errorOf(() => reassembler.push(twoFrames(3)[0] as Uint8Array))).toBeInstanceOf(TooManyPartialMessages);
  });

  it("does not count a one-frame message against the partial limits", () => {
    const reassembler = new FrameReassembler({ maxPartialMessages: 1 });
    reassembler.push(twoFrames(1)[0] as Uint8Array);
    expect(reassembler.push(splitIntoFrames({ messageId: 2, header: "{}" })[0] as Uint8Array)?.messageId).toBe(2);
  });

  it("drops a message whose frames stop arriving: thrown for its own late frame, told to onDrop otherwise", () => {
    let now = 0;
    const dropped: ProtocolError[] = [];
    const reassembler = new FrameReassembler({ partialTimeoutMs: 1000, now: () => now, onDrop: (err) => dropped.push(err) });
    const [a, b] = [twoFrames(1), twoFrames(2)];
    reassembler.push(a[0] as Uint8Array);
    now = 500;
    reassembler.push(b[0] as Uint8Array);
    now = 1001;
    const err = errorOf(() => reassembler.push(a[1] as Uint8Array));
    expect(err).toBeInstanceOf(PartialMessageExpired);
    expect(err.data).toEqual({ messageId: 1, framesReceived: 1, frameCount: 2, timeoutMs: 1000 });
    expect(reassembler.push(b[1] as Uint8Array)?.messageId).toBe(2); // 501 ms old: still in time
    reassembler.push(twoFrames(3)[0] as Uint8Array);
    now = 5000;
    reassembler.evictExpired();
    expect(dropped.map((e) => e.data)).toEqual([{ messageId: 3, framesReceived: 1, frameCount: 2, timeoutMs: 1000 }]);
    expect([reassembler.partialMessages, reassembler.bufferedBytes]).toEqual([0, 0]);
  });

  it("makes room for a new message by evicting expired ones first", () => {
    let now = 0;
    const dropped: ProtocolError[] = [];
    const reassembler = new FrameReassembler({ maxPartialMessages: 1, partialTimeoutMs: 1000, now: () => now, onDrop: (e) => dropped.push(e) });
    reassembler.push(twoFrames(1)[0] as Uint8Array);
    now = 2000;
    expect(() => reassembler.push(twoFrames(2)[0] as Uint8Array)).not.toThrow();
    expect(dropped.map((e) => e.name)).toEqual(["PartialMessageExpired"]);
  });

  it("frees a message at once when its sender aborts it", () => {
    const reassembler = new FrameReassembler();
    const frames = twoFrames(1);
    reassembler.push(frames[0] as Uint8Array);
    expect(reassembler.push(abortFrame(1))).toBeUndefined();
    expect([reassembler.partialMessages, reassembler.bufferedBytes]).toEqual([0, 0]);
    expect(reassembler.push(frames[1] as Uint8Array)).toBeUndefined();
  });
});

describe("protocol messages over frames", () => {
  const payload = pattern(3 * 1024 * 1024, 4);
  const segment: Segment = {
    v: 1,
    type: "segment",
    streamId: "stream-7f3a",
    sequenceNumber: 3,
    durationMs: 2000,
    format: "mpegts",
    byteLength: payload.byteLength,
    contentHash: contentHash(payload),
    payment: { seed: `0x${"11".repeat(32)}`, expirationBlock: 99n, tickets: [] },
  };

  it("a segment and its bytes go through frames and come out as the same message and payload", () => {
    const frames = frameMessage(42, segment, payload);
    const { messages } = pushAll(new FrameReassembler(), shuffled(frames, 8));
    const received = decodeFramedMessage(messages[0] as FramedMessage);
    expect(received.message).toEqual(segment);
    expect(contentHash(received.payload)).toBe(segment.contentHash);
  });

  it("refuses to frame, or to accept, a payload of another length than the message declares", () => {
    expect(() => frameMessage(1, segment, payload.subarray(1))).toThrow(InvalidMessage);
    const framed: FramedMessage = { messageId: 1, header: encodeMessage(segment), payload: payload.subarray(1) };
    expect(() => decodeFramedMessage(framed)).toThrow(InvalidMessage);
  });
});

// ---------------------------------------------------------------------------------------------------- backpressure

/**
 * A data channel whose network moves `drainBytes()` bytes a step, one step per microtask while someone waits for
 * bufferedamountlow, firing it as browsers do: when bufferedAmount falls from above the threshold to at or below it.
 */
class EventChannel implements FrameChannel {
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  readyState = "open";
  maxBufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  readonly #listeners = new Map<string, Set<() => void>>();
  #steps = 0;
  readonly #drainBytes: () => number;

  constructor(drainBytes: () => number) {
    this.#drainBytes = drainBytes;
  }

  send(frame: Uint8Array): void {
    if (this.readyState !== "open") throw new Error("InvalidStateError");
    this.bufferedAmount += frame.byteLength;
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.bufferedAmount);
    this.sent.push(frame);
  }

  addEventListener(type: string, listener: () => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)?.add(listener);
    if (type === "bufferedamountlow") queueMicrotask(() => this.#pump());
  }

  removeEventListener(type: string, listener: () => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  close(): void {
    this.readyState = "closed";
    for (const listener of [...(this.#listeners.get("close") ?? [])]) listener();
  }

  #pump(): void {
    if (!this.#listeners.get("bufferedamountlow")?.size || this.readyState !== "open") return;
    if (++this.#steps > 1_000_000) throw new Error("the network ran a million steps: sendFrames is not making progress");
    const before = this.bufferedAmount;
    this.bufferedAmount = Math.max(0, before - this.#drainBytes());
    if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
      for (const listener of [...(this.#listeners.get("bufferedamountlow") ?? [])]) listener();
    }
    queueMicrotask(() => this.#pump());
  }
}

/** A data channel with no events at all: each read of bufferedAmount finds the network has moved `drainBytes()`. */
class PollingChannel implements FrameChannel {
  #buffered = 0;
  maxBufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  readonly #drainBytes: () => number;

  constructor(drainBytes: () => number) {
    this.#drainBytes = drainBytes;
  }

  get bufferedAmount(): number {
    this.#buffered = Math.max(0, this.#buffered - this.#drainBytes());
    return this.#buffered;
  }

  send(frame: Uint8Array): void {
    this.#buffered += frame.byteLength;
    this.maxBufferedAmount = Math.max(this.maxBufferedAmount, this.#buffered);
    this.sent.push(frame);
  }
}

/** Marks, and frames of any size up to the high mark (contents only tell frames apart). */
const plan = fc
  .tuple(fc.integer({ min: 1024, max: 4 * MAX_FRAME_BYTES }), fc.double({ min: 0, max: 0.99, noNaN: true }))
  .chain(([highWaterMark, lowFraction]) =>
    fc.array(fc.integer({ min: 1, max: highWaterMark }), { maxLength: 40 }).map((sizes) => ({
      highWaterMark,
      lowWaterMark: Math.floor(highWaterMark * lowFraction),
      frames: sizes.map((size, i) => new Uint8Array(size).fill(i % 256)),
    })),
  );
/** How much the network moves per step, as fractions of the high mark (down to 1%: a slow link). */
const steps = fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 });
const network = (fractions: number[], highWaterMark: number) => {
  let i = 0;
  return () => Math.max(1, Math.floor(highWaterMark * (fractions[i++ % fractions.length] as number)));
};

describe("sendFrames", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("takes a browser RTCDataChannel as it is (checked by tsc)", () => {
    expectTypeOf<RTCDataChannel>().toExtend<FrameChannel>();
  });

  it("never takes bufferedAmount above the high-water mark, and sends every frame in order, on bufferedamountlow (property)", async () => {
    await fc.assert(
      fc.asyncProperty(plan, steps, async ({ highWaterMark, lowWaterMark, frames }, drain) => {
        const channel = new EventChannel(network(drain, highWaterMark));
        await sendFrames(channel, frames, { highWaterMark, lowWaterMark, pollIntervalMs: 3_600_000 });
        expect(channel.maxBufferedAmount).toBeLessThanOrEqual(highWaterMark);
        expect(channel.sent.length === frames.length && channel.sent.every((f, i) => f === frames[i])).toBe(true);
      }),
      RUNS,
    );
  });

  it("never takes bufferedAmount above the high-water mark by polling, where the channel has no events (property)", async () => {
    vi.useFakeTimers();
    await fc.assert(
      fc.asyncProperty(plan, steps, async ({ highWaterMark, lowWaterMark, frames }, drain) => {
        const channel = new PollingChannel(network(drain, highWaterMark));
        let settled = false;
        const sending = sendFrames(channel, frames, { highWaterMark, lowWaterMark, pollIntervalMs: 10 }).finally(() => (settled = true));
        while (!settled) await vi.advanceTimersByTimeAsync(10);
        await sending;
        expect(channel.maxBufferedAmount).toBeLessThanOrEqual(highWaterMark);
        expect(channel.sent.length === frames.length && channel.sent.every((f, i) => f === frames[i])).toBe(true);
      }),
      RUNS,
    );
  });

  it("keeps the mark when several messages are sent at once, and their frames still reassemble", async () => {
    const channel = new EventChannel(() => 5000);
    const a = splitIntoFrames({ messageId: 1, header: "a", payload: pattern(200_000, 1) });
    const b = splitIntoFrames({ messageId: 2, header: "b", payload: pattern(100_000, 2) });
    const options = { highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024 };
    await Promise.all([sendFrames(channel, a, options), sendFrames(channel, b, options)]);
    expect(channel.maxBufferedAmount).toBeLessThanOrEqual(64 * 1024);
    const { messages } = pushAll(new FrameReassembler(), channel.sent);
    expect(messages.map((m) => m.header).sort()).toEqual(["a", "b"]);
  });

  it("sets bufferedAmountLowThreshold to the low mark, or lower for a frame that would not fit above it", async () => {
    const channel = new EventChannel(() => 1);
    channel.bufferedAmount = 900;
    const sending = sendFrames(channel, [new Uint8Array(300)], { highWaterMark: 1000, lowWaterMark: 800, pollIntervalMs: 3_600_000 });
    expect(channel.bufferedAmountLowThreshold).toBe(700);
    await sending;
    expect(channel.maxBufferedAmount).toBe(1000);
  });

  it("refuses to send on a channel that is not open", async () => {
    const channel = new EventChannel(() => 1);
    channel.readyState = "connecting";
    await expect(sendFrames(channel, [new Uint8Array(1)])).rejects.toBeInstanceOf(DataChannelNotOpen);
    expect(channel.sent).toEqual([]);
  });

  it("stops with DataChannelNotOpen when the channel closes while it waits", async () => {
    const channel = new EventChannel(() => 0);
    const sending = sendFrames(channel, [new Uint8Array(600), new Uint8Array(600)], { highWaterMark: 1000, lowWaterMark: 100, pollIntervalMs: 3_600_000 });
    await Promise.resolve();
    channel.close();
    await expect(sending).rejects.toBeInstanceOf(DataChannelNotOpen);
    expect(channel.sent).toHaveLength(1);
  });

  it("stops with the signal's reason when aborted while it waits", async () => {
    const channel = new EventChannel(() => 0);
    const controller = new AbortController();
    const sending = sendFrames(channel, [new Uint8Array(600), new Uint8Array(600)], { highWaterMark: 1000, lowWaterMark: 100, signal: controller.signal, pollIntervalMs: 3_600_000 });
    await Promise.resolve();
    controller.abort(new Error("segment superseded"));
    await expect(sending).rejects.toThrow("segment superseded");
    expect(channel.sent).toHaveLength(1);
  });

  it("refuses a frame above the high-water mark, and marks that are not 0 ≤ low < high", async () => {
    const channel = new EventChannel(() => 1);
    const err = await sendFrames(channel, [new Uint8Array(2000)], { highWaterMark: 1000, lowWaterMark: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageTooLarge);
    expect((err as MessageTooLarge).data).toEqual({ what: "frame", sizeBytes: 2000, maxBytes: 1000 });
    await expect(sendFrames(channel, [], { highWaterMark: 100, lowWaterMark: 100 })).rejects.toThrow(RangeError);
  });
});
