// Spec of the v1 wire messages: what each carries, every bound a field has, and how decoding fails (only ever with a ProtocolError).
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { stringToBytes, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { z } from "zod";
import { InvalidMessage, MessageTooLarge, ProtocolError, TicketParamsExpired, UnsupportedProtocolVersion, toWireError } from "./errors.ts";
import {
  MAX_MESSAGE_JSON_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_RENDITIONS,
  MAX_TICKETS_PER_SEGMENT,
  decodeMessage,
  echoedTicketParams,
  encodeMessage,
  payloadByteLength,
  renditionPayloads,
  requirePayloadLength,
  signedReceiptOf,
  signedTicketSchema,
  ticketParamsSchema,
  ticketSchema,
  type JobRequest,
  type Message,
  type Quote,
  type RelayedSegment,
  type Result,
  type Segment,
  type TicketParamsUpdate,
  type ErrorMessage,
  type SessionAnswer,
  type SessionOffer,
} from "./messages.ts";
import { issueTicketParams, verifyTicketParams } from "./params.ts";
import { contentHash, ladderHash, recoverReceiptSigner, signReceipt } from "./receipt.ts";
import { message } from "./test-message-arbitraries.ts";
import { makeTicket, signTicket } from "./ticket.ts";
import type { SignedTicket, Ticket, TicketParams } from "./types.ts";

const RUNS = { numRuns: 1000 };

const broadcasterAccount = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const orchestratorAccount = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const BROADCASTER = broadcasterAccount.address;
const ORCHESTRATOR = orchestratorAccount.address;
const HASH_A: Hex = `0x${"a1".repeat(32)}`;
const HASH_B: Hex = `0x${"b2".repeat(32)}`;

const params: TicketParams = {
  recipient: ORCHESTRATOR,
  faceValue: 1_000_000_000_000_000n,
  winProb: 2n ** 250n,
  recipientRandHash: HASH_A,
  seed: HASH_B,
  expirationBlock: 1_234_567n,
  creationRound: 42n,
  creationRoundBlockHash: `0x${"c3".repeat(32)}`,
};

const signedTicket: SignedTicket = {
  ticket: {
    recipient: ORCHESTRATOR,
    sender: BROADCASTER,
    faceValue: params.faceValue,
    winProb: params.winProb,
    senderNonce: 7n,
    recipientRandHash: params.recipientRandHash,
    auxData: `0x${"00".repeat(31)}2a${"c3".repeat(32)}`,
  },
  sig: `0x${"d4".repeat(64)}1b`,
};

const jobRequest: JobRequest = {
  v: 1,
  type: "jobRequest",
  streamId: "stream-7f3a",
  serviceId: "GPUTranscoding",
  broadcaster: BROADCASTER,
  input: { codec: "h264", width: 1280, height: 720, fps: 29.97 },
  output: [
    { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
    { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
  ],
  region: "eu-west",
  publish: true,
};

const quote: Quote = {
  v: 1,
  type: "quote",
  streamId: "stream-7f3a",
  orchestrator: ORCHESTRATOR,
  price: { per: "pixel", priceWei: 1200n, pixelsPerUnit: 1000n },
  ticketParams: params,
  capacityLeft: 3,
  expiresAt: 1_900_000_000_000,
};

const segment: Segment = {
  v: 1,
  type: "segment",
  streamId: "stream-7f3a",
  sequenceNumber: 12,
  durationMs: 2000,
  format: "mp4",
  byteLength: 3,
  contentHash: contentHash(new Uint8Array([1, 2, 3])),
  payment: { seed: params.seed, expirationBlock: params.expirationBlock, tickets: [signedTicket] },
};

const result: Result = {
  v: 1,
  type: "result",
  streamId: "stream-7f3a",
  sequenceNumber: 12,
  renditions: [
    { name: "360p", width: 640, height: 360, byteLength: 2, contentHash: contentHash(new Uint8Array([9, 8])) },
    { name: "240p", width: 426, height: 240, byteLength: 1, contentHash: contentHash(new Uint8Array([7])) },
  ],
  receipt: {
    inputHash: segment.contentHash,
    jobHash: ladderHash(jobRequest.output),
    round: 42n,
    orchestrator: ORCHESTRATOR,
    sig: `0x${"e5".repeat(64)}1c`,
  },
  transcodeMs: 850,
};

const relayedSegment: RelayedSegment = {
  v: 1,
  type: "relayedSegment",
  streamId: result.streamId,
  sequenceNumber: result.sequenceNumber,
  durationMs: 2000,
  renditions: result.renditions,
  receipt: result.receipt,
};

const ticketParamsUpdate: TicketParamsUpdate = { v: 1, type: "ticketParamsUpdate", streamId: "stream-7f3a", ticketParams: params };

const errorMessage: ErrorMessage = {
  v: 1,
  type: "error",
  streamId: "stream-7f3a",
  sequenceNumber: 12,
  error: toWireError(new TicketParamsExpired({ recipient: ORCHESTRATOR, expirationBlock: 100n, currentBlock: 101n })),
};

/** A data-channel-only offer as Chromium writes it (shortened ICE/DTLS lines). */
const OFFER_SDP =
  "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n" +
  "a=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=mid:0\r\n" +
  "a=sctp-port:5000\r\na=max-message-size:262144\r\n";

const sessionOffer: SessionOffer = { v: 1, type: "sessionOffer", job: jobRequest, offer: { type: "offer", sdp: OFFER_SDP } };
const sessionAnswer: SessionAnswer = { v: 1, type: "sessionAnswer", streamId: "stream-7f3a", answer: { type: "answer", sdp: OFFER_SDP } };

const SAMPLES = { jobRequest, quote, segment, result, relayedSegment, ticketParamsUpdate, error: errorMessage, sessionOffer, sessionAnswer } satisfies Record<
  Message["type"],
  Message
>;

/** The sample as JSON carries it, with `path` (e.g. "payment.tickets[0].sig") set to `value`, or removed for undefined. */
function wireWith(sample: Message, path: string, value: unknown): string {
  const wire = JSON.parse(encodeMessage(sample)) as Record<string, unknown>;
  const keys = path.split(/\.|(?=\[)/).map((key) => (key.startsWith("[") ? Number(key.slice(1, -1)) : key));
  let node: Record<string | number, unknown> = wire;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = keys.at(-1) as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return JSON.stringify(wire);
}

function decodeError(text: string): unknown {
  try {
    decodeMessage(text);
  } catch (err) {
    return err;
  }
  throw new Error(`decoded without an error: ${text.slice(0, 200)}`);
}

/** Decoding fails with InvalidMessage naming `field`, and nothing but a ProtocolError escapes. */
function expectInvalidField(text: string, field: string): void {
  const err = decodeError(text);
  expect(err).toBeInstanceOf(InvalidMessage);
  expect((err as InvalidMessage).data.field).toBe(field);
}

/** Whatever decodeMessage throws for any text is one of the three errors a receiver answers with. */
function expectOnlyProtocolErrors(text: string): void {
  try {
    decodeMessage(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect(["InvalidMessage", "MessageTooLarge", "UnsupportedProtocolVersion"]).toContain((err as ProtocolError).name);
  }
}

const hex = (bytes: number, byte = "ab") => `0x${byte.repeat(bytes)}`;
const renditions = (count: number, byteLength = 1) =>
  Array.from({ length: count }, (_, i) => ({ name: `r${i}`, width: 16, height: 16, byteLength, contentHash: HASH_A }));
const requestedRenditions = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ name: `r${i}`, width: 16, height: 16, bitrateKbps: 100 }));
const TOO_BIG_UINT = (2n ** 256n).toString();
const BAD_CHECKSUM = BROADCASTER.replace(/[a-f]/, (c) => c.toUpperCase());

describe("the shapes match the protocol's types", () => {
  it("ticket, signed ticket and ticket params schemas decode to types.ts's Ticket, SignedTicket and TicketParams", () => {
    expectTypeOf<z.output<typeof ticketSchema>>().toEqualTypeOf<Ticket>();
    expectTypeOf<z.output<typeof signedTicketSchema>>().toEqualTypeOf<SignedTicket>();
    expectTypeOf<z.output<typeof ticketParamsSchema>>().toEqualTypeOf<TicketParams>();
  });
});

describe("every message type round-trips", () => {
  it.each(Object.entries(SAMPLES))("%s", (_type, sample) => {
    const text = encodeMessage(sample);
    expect(decodeMessage(text)).toEqual(sample);
    expect(encodeMessage(decodeMessage(text))).toBe(text);
  });

  it("carries uint256 values as decimal strings and keeps them exact beyond 2^53", () => {
    const text = encodeMessage({ ...quote, price: { per: "segment", priceWei: 2n ** 256n - 1n } });
    expect(text).toContain(`"priceWei":"${2n ** 256n - 1n}"`);
    expect(text).toContain('"faceValue":"1000000000000000"');
    expect((decodeMessage(text) as Quote).price.priceWei).toBe(2n ** 256n - 1n);
  });

  it("checksums addresses and lower-cases hex on decoding, so that decoded values compare with ===", () => {
    const lowerCaseSender = JSON.parse(wireWith(segment, "payment.tickets[0].ticket.sender", BROADCASTER.toLowerCase()));
    const upperCaseHash = { ...lowerCaseSender, contentHash: `0x${segment.contentHash.slice(2).toUpperCase()}` };
    const decoded = decodeMessage(JSON.stringify(upperCaseHash)) as Segment;
    expect(decoded.payment.tickets[0]?.ticket.sender).toBe(BROADCASTER);
    expect(decoded.contentHash).toBe(segment.contentHash);
  });

  it("round-trips any valid message (property)", () => {
    fc.assert(
      fc.property(message, (m) => {
        const text = encodeMessage(m);
        expect(decodeMessage(text)).toEqual(m);
        expect(encodeMessage(decodeMessage(text))).toBe(text);
      }),
      RUNS,
    );
  });
});

describe("every field's bounds reject", () => {
  const cases: [keyof typeof SAMPLES, string, unknown, string?][] = [
    ["jobRequest", "v", "1"],
    ["jobRequest", "v", undefined],
    ["jobRequest", "streamId", ""],
    ["jobRequest", "streamId", "s".repeat(65)],
    ["jobRequest", "streamId", "has space"],
    ["jobRequest", "streamId", 7],
    ["jobRequest", "streamId", undefined],
    ["jobRequest", "serviceId", ""],
    ["jobRequest", "serviceId", "x".repeat(257)],
    ["jobRequest", "serviceId", "GPU\nTranscoding"],
    ["jobRequest", "serviceId", "\ud800"],
    ["jobRequest", "broadcaster", "0x1234"],
    ["jobRequest", "broadcaster", BROADCASTER.slice(2)],
    ["jobRequest", "broadcaster", BAD_CHECKSUM],
    ["jobRequest", "input.codec", "mpeg2"],
    ["jobRequest", "input.width", 0],
    ["jobRequest", "input.width", 8193],
    ["jobRequest", "input.width", 720.5],
    ["jobRequest", "input.height", "720"],
    ["jobRequest", "input.fps", 0],
    ["jobRequest", "input.fps", -30],
    ["jobRequest", "input.fps", 241],
    ["jobRequest", "input.extra", 1],
    ["jobRequest", "output", []],
    ["jobRequest", "output", requestedRenditions(MAX_RENDITIONS + 1)],
    ["jobRequest", "output[1].name", "360p"],
    ["jobRequest", "output[0].name", ""],
    ["jobRequest", "output[0].name", "n".repeat(33)],
    ["jobRequest", "output[0].name", "3 60p"],
    ["jobRequest", "output[0].width", 0],
    ["jobRequest", "output[0].height", 8193],
    ["jobRequest", "output[0].bitrateKbps", 0],
    ["jobRequest", "output[0].bitrateKbps", 1_000_001],
    ["jobRequest", "output[0].bitrateKbps", 1.5],
    ["jobRequest", "region", ""],
    ["jobRequest", "region", "r".repeat(257)],
    ["jobRequest", "publish", "true"],
    ["jobRequest", "publish", 1],
    ["jobRequest", "publish", null],
    ["jobRequest", "priority", "high"],
    ["quote", "orchestrator", "0x"],
    ["quote", "price.per", "minute"],
    ["quote", "price.priceWei", "-1"],
    ["quote", "price.priceWei", "01"],
    ["quote", "price.priceWei", "1e18"],
    ["quote", "price.priceWei", "1.5"],
    ["quote", "price.priceWei", 1000],
    ["quote", "price.priceWei", TOO_BIG_UINT],
    ["quote", "price.pixelsPerUnit", "0"],
    ["quote", "ticketParams.recipient", BAD_CHECKSUM],
    ["quote", "ticketParams.faceValue", "abc"],
    ["quote", "ticketParams.winProb", TOO_BIG_UINT],
    ["quote", "ticketParams.recipientRandHash", hex(31)],
    ["quote", "ticketParams.seed", hex(33)],
    ["quote", "ticketParams.seed", `0x${"zz".repeat(32)}`],
    ["quote", "ticketParams.seed", undefined],
    ["quote", "ticketParams.expirationBlock", "-1"],
    ["quote", "ticketParams.creationRound", ""],
    ["quote", "ticketParams.creationRoundBlockHash", `${hex(32)}a`],
    ["quote", "capacityLeft", -1],
    ["quote", "capacityLeft", 1_000_001],
    ["quote", "capacityLeft", 2.5],
    ["quote", "expiresAt", -1],
    ["quote", "expiresAt", 8_640_000_000_000_001],
    ["quote", "expiresAt", 1.5],
    ["segment", "sequenceNumber", -1],
    ["segment", "sequenceNumber", 2 ** 53],
    ["segment", "sequenceNumber", 1.5],
    ["segment", "durationMs", 0],
    ["segment", "durationMs", 60_001],
    ["segment", "format", "mkv"],
    ["segment", "byteLength", 0],
    ["segment", "byteLength", MAX_PAYLOAD_BYTES + 1],
    ["segment", "contentHash", hex(31)],
    ["segment", "contentHash", hex(33)],
    ["segment", "contentHash", "ab".repeat(32)],
    ["segment", "payment.seed", hex(31)],
    ["segment", "payment.expirationBlock", "x"],
    ["segment", "payment.tickets", Array(MAX_TICKETS_PER_SEGMENT + 1).fill(JSON.parse(encodeMessage(segment)).payment.tickets[0])],
    ["segment", "payment.tickets[0].sig", hex(64)],
    ["segment", "payment.tickets[0].sig", hex(66)],
    ["segment", "payment.tickets[0].ticket.auxData", hex(63)],
    ["segment", "payment.tickets[0].ticket.auxData", hex(65)],
    ["segment", "payment.tickets[0].ticket.sender", "0x0"],
    ["segment", "payment.tickets[0].ticket.senderNonce", TOO_BIG_UINT],
    ["segment", "payment.tickets[0].ticket.recipientRandHash", undefined],
    ["segment", "payment.tickets[0].ticket.nonce", "1"],
    ["segment", "payment.tickets[0].recipientRand", "1"],
    ["result", "renditions", []],
    ["result", "renditions", renditions(MAX_RENDITIONS + 1)],
    ["result", "renditions", renditions(MAX_RENDITIONS, MAX_PAYLOAD_BYTES / MAX_RENDITIONS + 1)],
    ["result", "renditions[1].name", "360p"],
    ["result", "renditions[0].byteLength", 0],
    ["result", "renditions[0].byteLength", MAX_PAYLOAD_BYTES + 1],
    ["result", "renditions[0].contentHash", "0x"],
    ["result", "renditions[0].width", 0],
    ["result", "receipt.sig", hex(64)],
    ["result", "receipt.inputHash", hex(1)],
    ["result", "receipt.jobHash", hex(31)],
    ["result", "receipt.jobHash", undefined],
    ["result", "receipt.round", "-1"],
    ["result", "receipt.round", 42],
    ["result", "receipt.round", TOO_BIG_UINT],
    ["result", "receipt.round", undefined],
    ["result", "receipt.orchestrator", BAD_CHECKSUM],
    ["result", "receipt.outputs", []],
    ["result", "transcodeMs", -1],
    ["result", "transcodeMs", 600_001],
    ["relayedSegment", "durationMs", 0],
    ["relayedSegment", "durationMs", 60_001],
    ["relayedSegment", "durationMs", undefined],
    ["relayedSegment", "renditions", []],
    ["relayedSegment", "renditions", renditions(MAX_RENDITIONS, MAX_PAYLOAD_BYTES / MAX_RENDITIONS + 1)],
    ["relayedSegment", "renditions[0].contentHash", "0x"],
    ["relayedSegment", "receipt.sig", hex(64)],
    ["relayedSegment", "receipt.orchestrator", BAD_CHECKSUM],
    ["relayedSegment", "transcodeMs", 850],
    ["ticketParamsUpdate", "ticketParams.seed", hex(31)],
    ["ticketParamsUpdate", "streamId", "a/b"],
    ["error", "sequenceNumber", -1],
    ["error", "error.name", "1Error"],
    ["error", "error.name", "Bad-Name"],
    ["error", "error.code", "lower_case"],
    ["error", "error.message", ""],
    ["error", "error.message", "m".repeat(1025)],
    ["error", "error.nextStep", "n".repeat(1025)],
    ["error", "error.data", Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))],
    ["error", "error.data.k", { nested: true }],
    ["error", "error.data.k", "v".repeat(257)],
    ["error", "error.stack", "at secret/path.ts:1"],
  ];

  it.each(cases)("%s rejects %s = %j", (type, path, value, field = path) => {
    expectInvalidField(wireWith(SAMPLES[type], path, value), field);
  });

  it("names the message type and says why, in words the user can act on", () => {
    const err = decodeError(wireWith(segment, "payment.tickets[0].sig", hex(64))) as InvalidMessage;
    expect(err.data.messageType).toBe("segment");
    expect(err.message).toBe("Invalid segment message: payment.tickets[0].sig must be 0x followed by exactly 65 bytes of hex.");
    expect(err.nextStep).not.toBe("");
  });

  it("rejects an unknown key, even __proto__, by name", () => {
    expectInvalidField(encodeMessage(jobRequest).replace(/}$/, ',"__proto__":{"v":2}}'), "__proto__");
  });

  it("drops a __proto__ key from an error's data rather than let it reach a prototype", () => {
    const decoded = decodeMessage(encodeMessage(errorMessage).replace('"data":{', '"data":{"__proto__":{"polluted":1},')) as ErrorMessage;
    expect(Object.getPrototypeOf(decoded.error.data)).toBe(Object.prototype);
    expect(Object.keys(decoded.error.data ?? {})).not.toContain("__proto__");
  });

  it("rejects an unknown message type and a message that is not an object", () => {
    expectInvalidField(wireWith(jobRequest, "type", "hello"), "type");
    expect((decodeError(wireWith(jobRequest, "type", "hello")) as InvalidMessage).data.reason).toMatch(/must be one of jobRequest/);
    for (const text of ["[]", "null", "5", '"segment"']) {
      expect((decodeError(text) as InvalidMessage).data).toEqual({ field: "", reason: "must be a JSON object" });
    }
    expect((decodeError("{not json") as InvalidMessage).data).toEqual({ field: "", reason: "is not JSON" });
  });

  it("refuses to encode an invalid message, so that a peer never has to drop one", () => {
    const bad = { ...segment, payment: { ...segment.payment, tickets: [{ ...signedTicket, ticket: { ...signedTicket.ticket, faceValue: -1n } }] } };
    expect(() => encodeMessage(bad)).toThrow(InvalidMessage);
    try {
      encodeMessage(bad);
    } catch (err) {
      expect((err as InvalidMessage).data.field).toBe("payment.tickets[0].ticket.faceValue");
    }
  });
});

describe("versions and sizes", () => {
  it("answers another protocol version with UnsupportedProtocolVersion, whatever else the message holds", () => {
    const err = decodeError(JSON.stringify({ v: 2, type: "futureThing", anything: [1, 2, 3] }));
    expect(err).toBeInstanceOf(UnsupportedProtocolVersion);
    expect((err as UnsupportedProtocolVersion).data).toEqual({ layer: "message", received: "2", supported: "1" });
  });

  it("refuses text over MAX_MESSAGE_JSON_BYTES before parsing it", () => {
    const err = decodeError("x".repeat(MAX_MESSAGE_JSON_BYTES + 1));
    expect(err).toBeInstanceOf(MessageTooLarge); // not InvalidMessage: it was never parsed
    expect((err as MessageTooLarge).data).toEqual({ what: "json", sizeBytes: MAX_MESSAGE_JSON_BYTES + 1, maxBytes: MAX_MESSAGE_JSON_BYTES });
  });

  it("counts UTF-8 bytes, not characters", () => {
    const text = `"${"é".repeat(MAX_MESSAGE_JSON_BYTES / 2)}"`; // fewer characters than the limit, more bytes
    expect(text.length).toBeLessThan(MAX_MESSAGE_JSON_BYTES);
    expect(decodeError(text)).toBeInstanceOf(MessageTooLarge);
  });

  it("fits a segment with the most tickets, every field at its longest, well within the limit", async () => {
    const ticketParams = { ...params, faceValue: 2n ** 256n - 1n, winProb: 2n ** 256n - 1n };
    const ticket = await signTicket(broadcasterAccount, { ...makeTicket(ticketParams, BROADCASTER, 2n ** 256n - 1n) });
    const largest: Segment = {
      ...segment,
      streamId: "s".repeat(64),
      sequenceNumber: Number.MAX_SAFE_INTEGER,
      payment: { seed: params.seed, expirationBlock: 2n ** 256n - 1n, tickets: Array(MAX_TICKETS_PER_SEGMENT).fill(ticket) },
    };
    const bytes = new TextEncoder().encode(encodeMessage(largest)).length;
    expect(bytes).toBeLessThan(MAX_MESSAGE_JSON_BYTES * 0.75);
  });
});

describe("decoding never throws anything but a ProtocolError", () => {
  it("for any text (property)", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 500 }), expectOnlyProtocolErrors), RUNS);
  });

  it("for any JSON (property)", () => {
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), expectOnlyProtocolErrors), RUNS);
  });

  it("for a valid message with any one field replaced or removed (property)", () => {
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      typeof value !== "object" || value === null
        ? []
        : Object.entries(value).flatMap(([key, child]) => {
            const path = [...prefix, Array.isArray(value) ? Number(key) : key];
            return [path, ...paths(child, path)];
          });
    fc.assert(
      fc.property(message, fc.nat(), fc.option(fc.jsonValue({ maxDepth: 3 })), (m, pick, replacement) => {
        const wire = JSON.parse(encodeMessage(m)) as Record<string | number, unknown>;
        const all = paths(wire);
        const path = all[pick % all.length] as (string | number)[];
        let node = wire;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
        const last = path.at(-1) as string | number;
        if (replacement === null) delete node[last];
        else node[last] = replacement;
        expectOnlyProtocolErrors(JSON.stringify(wire));
      }),
      RUNS,
    );
  });

  it("for deeply nested JSON", () => {
    expectOnlyProtocolErrors(`${"[".repeat(10_000)}${"]".repeat(10_000)}`);
    const nested = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    expectOnlyProtocolErrors(encodeMessage(jobRequest).replace('"region":"eu-west"', `"region":${nested}`));
    expectOnlyProtocolErrors(encodeMessage(errorMessage).replace('"data":{', `"data":{"deep":${nested},`));
  });
});

describe("payloads", () => {
  it("a segment's payload is its byteLength; a result's is its renditions' in order; other messages have none", () => {
    expect(payloadByteLength(segment)).toBe(3);
    expect(payloadByteLength(result)).toBe(3);
    expect(payloadByteLength(quote)).toBe(0);
  });

  it("rejects a payload of another length than the message says", () => {
    expect(() => requirePayloadLength(segment, new Uint8Array(4))).toThrow(InvalidMessage);
    expect(() => requirePayloadLength(quote, new Uint8Array(1))).toThrow(/says 0 payload bytes but 1 arrived/);
    requirePayloadLength(segment, new Uint8Array(3));
  });

  it("cuts a result's payload into its renditions", () => {
    const parts = renditionPayloads(result, new Uint8Array([9, 8, 7]));
    expect(parts.map((p) => [...p])).toEqual([[9, 8], [7]]);
    expect(parts.map((p) => contentHash(p))).toEqual(result.renditions.map((r) => r.contentHash));
  });
});

describe("what the ticket and receipt halves read from messages", () => {
  it("a result carries its receipt whole: signedReceiptOf recovers the orchestrator's signature", async () => {
    const signed = await signReceipt(orchestratorAccount, signedReceiptOf(result).receipt);
    const sent: Result = { ...result, receipt: { ...result.receipt, sig: signed.sig } };
    const received = decodeMessage(encodeMessage(sent)) as Result;
    expect(await recoverReceiptSigner(signedReceiptOf(received))).toBe(ORCHESTRATOR);
    expect(signedReceiptOf(received).receipt.outputs).toEqual([
      { rendition: "360p", hash: result.renditions[0]?.contentHash },
      { rendition: "240p", hash: result.renditions[1]?.contentHash },
    ]);
    expect(signedReceiptOf(received).receipt).toMatchObject({ jobHash: ladderHash(jobRequest.output), round: 42n });
    // The signature covers the job and the round: the same result naming another round recovers someone else.
    const otherRound: Result = { ...received, receipt: { ...received.receipt, round: 43n } };
    expect(await recoverReceiptSigner(signedReceiptOf(otherRound))).not.toBe(ORCHESTRATOR);
  });

  it("a segment's payment echoes what the orchestrator needs to re-derive the params its tickets were made from", async () => {
    const secret = new Uint8Array(32).fill(5);
    const issued = issueTicketParams({ ...params, secret });
    const quoted = decodeMessage(encodeMessage({ ...quote, ticketParams: issued })) as Quote;
    const ticket = await signTicket(broadcasterAccount, makeTicket(quoted.ticketParams, BROADCASTER, 1n));
    const sent: Segment = {
      ...segment,
      byteLength: 10,
      contentHash: contentHash(stringToBytes("0123456789")),
      payment: { seed: quoted.ticketParams.seed, expirationBlock: quoted.ticketParams.expirationBlock, tickets: [ticket] },
    };
    const received = decodeMessage(encodeMessage(sent)) as Segment;
    const echoed = echoedTicketParams(received.payment, received.payment.tickets[0] as SignedTicket);
    expect(echoed).toEqual(issued);
    expect(verifyTicketParams(secret, echoed)).toBe(true);
  });
});

describe("session offer and answer", () => {
  it("round-trips an offer carrying the job", () => {
    expect(decodeMessage(encodeMessage(sessionOffer))).toEqual(sessionOffer);
  });

  it.each([
    ["an SDP over the size limit", "v=0\r\n" + "a=x\r\n".repeat(5000)],
    ["text that is not SDP", "hello"],
    ["SDP with control characters", "v=0\r\n\u0000"],
  ])("rejects %s, naming offer.sdp", (_, sdp) => {
    const error = (() => {
      try {
        decodeMessage(JSON.stringify({ ...JSON.parse(encodeMessage(sessionOffer)), offer: { type: "offer", sdp } }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidMessage);
    expect((error as InvalidMessage).data.field).toBe("offer.sdp");
  });
});
