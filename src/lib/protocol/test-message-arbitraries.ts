// fast-check generators of valid wire messages, every field anywhere in its bounds, for the property tests of messages and framing.
import fc from "fast-check";
import { WIRE_ERROR_NAMES, type WireError } from "./errors.ts";
import {
  MAX_CAPACITY,
  MAX_DIMENSION_PX,
  MAX_FPS,
  MAX_PAYLOAD_BYTES,
  MAX_RENDITIONS,
  MAX_SEGMENT_DURATION_MS,
  MAX_TRANSCODE_MS,
  SEGMENT_FORMATS,
  VIDEO_CODECS,
  type ErrorMessage,
  type JobRequest,
  type Message,
  type Price,
  type Quote,
  type RelayedSegment,
  type Result,
  type Segment,
  type TicketParamsUpdate,
} from "./messages.ts";
import { address, bytes, bytes32, ticket, ticketParams, uint256 } from "./test-arbitraries.ts";
import type { SignedTicket } from "./types.ts";

export const streamId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
export const sequenceNumber = fc.oneof(fc.nat({ max: 10_000 }), fc.constant(Number.MAX_SAFE_INTEGER));
const dimension = fc.integer({ min: 1, max: MAX_DIMENSION_PX });
const renditionName = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);

/** Printable, well-formed text of 1..maxLength characters, from the whole of Unicode. */
export const text = (maxLength: number) =>
  fc
    .string({ unit: "binary", minLength: 1, maxLength })
    .filter((s) => s.length <= maxLength && s.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(s));

export const signedTicket: fc.Arbitrary<SignedTicket> = fc.record({ ticket: ticket(), sig: bytes(65) });

export const jobRequest: fc.Arbitrary<JobRequest> = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant("jobRequest" as const),
    streamId,
    serviceId: text(256),
    broadcaster: address,
    input: fc.record({
      codec: fc.constantFrom(...VIDEO_CODECS),
      width: dimension,
      height: dimension,
      fps: fc.oneof(fc.constantFrom(24, 25, 30, 60, MAX_FPS), fc.double({ min: 0.001, max: MAX_FPS, noNaN: true })),
    }),
    output: fc.uniqueArray(
      fc.record({ name: renditionName, width: dimension, height: dimension, bitrateKbps: fc.integer({ min: 1, max: 1_000_000 }) }),
      { selector: (r) => r.name, minLength: 1, maxLength: MAX_RENDITIONS },
    ),
    region: text(256),
    publish: fc.boolean(),
  },
  { requiredKeys: ["v", "type", "streamId", "serviceId", "broadcaster", "input", "output"] },
);

const price: fc.Arbitrary<Price> = fc.oneof(
  fc.record({ per: fc.constant("segment" as const), priceWei: uint256 }),
  fc.record({ per: fc.constant("pixel" as const), priceWei: uint256, pixelsPerUnit: uint256.filter((n) => n >= 1n) }),
);

export const quote: fc.Arbitrary<Quote> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("quote" as const),
  streamId,
  orchestrator: address,
  price,
  ticketParams,
  capacityLeft: fc.integer({ min: 0, max: MAX_CAPACITY }),
  expiresAt: fc.oneof(fc.nat(), fc.constant(8_640_000_000_000_000)),
});

export const segment: fc.Arbitrary<Segment> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("segment" as const),
  streamId,
  sequenceNumber,
  durationMs: fc.integer({ min: 1, max: MAX_SEGMENT_DURATION_MS }),
  format: fc.constantFrom(...SEGMENT_FORMATS),
  byteLength: fc.integer({ min: 1, max: MAX_PAYLOAD_BYTES }),
  contentHash: bytes32,
  payment: fc.record({
    seed: bytes32,
    expirationBlock: uint256,
    tickets: fc.array(signedTicket, { maxLength: 3 }),
  }),
});

const renditionResults = fc.uniqueArray(
  fc.record({
    name: renditionName,
    width: dimension,
    height: dimension,
    byteLength: fc.integer({ min: 1, max: MAX_PAYLOAD_BYTES / MAX_RENDITIONS }),
    contentHash: bytes32,
  }),
  { selector: (r) => r.name, minLength: 1, maxLength: MAX_RENDITIONS },
);
const resultReceipt = fc.record({ inputHash: bytes32, jobHash: bytes32, round: uint256, orchestrator: address, sig: bytes(65) });

export const result: fc.Arbitrary<Result> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("result" as const),
  streamId,
  sequenceNumber,
  renditions: renditionResults,
  receipt: resultReceipt,
  transcodeMs: fc.integer({ min: 0, max: MAX_TRANSCODE_MS }),
});

export const relayedSegment: fc.Arbitrary<RelayedSegment> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("relayedSegment" as const),
  streamId,
  sequenceNumber,
  durationMs: fc.integer({ min: 1, max: MAX_SEGMENT_DURATION_MS }),
  renditions: renditionResults,
  receipt: resultReceipt,
});

export const ticketParamsUpdate: fc.Arbitrary<TicketParamsUpdate> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant("ticketParamsUpdate" as const),
  streamId,
  ticketParams,
});

const identifier = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,63}$/);

export const wireError: fc.Arbitrary<WireError> = fc.record(
  {
    name: fc.oneof(fc.constantFrom("ProtocolError", ...WIRE_ERROR_NAMES), identifier),
    code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,63}$/),
    message: fc.string({ minLength: 1, maxLength: 1024 }),
    nextStep: fc.string({ maxLength: 1024 }),
    data: fc.dictionary(
      identifier,
      fc.oneof(
        fc.string({ maxLength: 256 }),
        // JSON has no -0: it comes back as 0, so it is not a value a peer can send.
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
        fc.boolean(),
        fc.constant(null),
      ),
      { maxKeys: 32 },
    ),
  },
  { requiredKeys: ["name", "code", "message", "nextStep"] },
);

export const errorMessage: fc.Arbitrary<ErrorMessage> = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant("error" as const),
    streamId,
    sequenceNumber,
    error: wireError,
  },
  { requiredKeys: ["v", "type", "error"] },
);

export const message: fc.Arbitrary<Message> = fc.oneof(jobRequest, quote, segment, result, relayedSegment, ticketParamsUpdate, errorMessage);

