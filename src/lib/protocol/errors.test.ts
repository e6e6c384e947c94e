// Spec of the protocol's errors: each says what happened and what to do next, and crosses the data channel as the same class.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ChainUnavailable,
  RateLimited,
  DataChannelNotOpen,
  INVALID_TICKET_REASONS,
  InvalidMessage,
  InvalidTicket,
  LowPMBalance,
  MALFORMED_FRAME_REASONS,
  MAX_ERROR_TEXT_CHARS,
  MalformedFrame,
  MessageTooLarge,
  OrchestratorBusy,
  PartialMessageExpired,
  PriceTooHigh,
  ProtocolError,
  SegmentFormatDidntMatchJobInputParams,
  SenderUnlocking,
  TicketParamsExpired,
  TooManyPartialMessages,
  UnsupportedProtocolVersion,
  WIRE_ERROR_NAMES,
  fromWireError,
  toWireError,
  wireErrorSchema,
  type InvalidTicketReason,
  type MalformedFrameReason,
} from "./errors.ts";
import { address, bytes32, uint256 } from "./test-arbitraries.ts";

const RUNS = { numRuns: 1000 };
const SENDER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** One of every class, as the code that raises it would. */
const SAMPLES: ProtocolError<object>[] = [
  new LowPMBalance({ sender: SENDER, faceValue: 10n ** 16n, deposit: 5n * 10n ** 15n, reserve: 10n ** 18n, maxFloat: 3n * 10n ** 17n }),
  new SenderUnlocking({ sender: SENDER, withdrawRound: 1234n }),
  new TicketParamsExpired({ recipient: ORCHESTRATOR, expirationBlock: 100n, currentBlock: 105n }),
  new InvalidTicket({ reason: "replayedNonce", senderNonce: 7n, ticketHash: `0x${"ab".repeat(32)}` }),
  new InvalidTicket({ reason: "notEnoughExpectedValue" }),
  new PriceTooHigh({ orchestrator: ORCHESTRATOR, priceWeiPerSegment: 2n * 10n ** 15n, maxPriceWeiPerSegment: 10n ** 15n }),
  new OrchestratorBusy({ orchestrator: ORCHESTRATOR, maxSessions: 8, retryAfterMs: 30_000 }),
  new SegmentFormatDidntMatchJobInputParams({ streamId: "stream-7f3a", sequenceNumber: 12, field: "width", expected: "1280", found: "1920" }),
  new InvalidMessage({ messageType: "segment", field: "payment.tickets[0].sig", reason: "must be 65 bytes" }),
  new MessageTooLarge({ what: "json", sizeBytes: 200_000, maxBytes: 131_072 }),
  new UnsupportedProtocolVersion({ layer: "message", received: "2", supported: "1" }),
  new MalformedFrame({ reason: "duplicateFrame", messageId: 3, frameIndex: 9 }),
  new TooManyPartialMessages({ messageId: 17, partialMessages: 16, maxPartialMessages: 16, bufferedBytes: 1000, maxBufferedBytes: 2000 }),
  new PartialMessageExpired({ messageId: 4, framesReceived: 10, frameCount: 200, timeoutMs: 30_000 }),
  new DataChannelNotOpen({ readyState: "closed" }),
  new ChainUnavailable({ what: "the sender's deposit and reserve", retryAfterMs: 5_000 }),
  new RateLimited({ limit: 120, windowMs: 60_000, retryAfterMs: 42_000 }),
];

/** What a peer gets: the wire form, through JSON text as the data channel carries it. */
const acrossTheWire = (err: unknown): ProtocolError => fromWireError(JSON.parse(JSON.stringify(toWireError(err))));

describe("every error", () => {
  it("has a sample here, so that the round trip below covers all of them", () => {
    expect(new Set(SAMPLES.map((e) => e.name))).toEqual(new Set(WIRE_ERROR_NAMES));
  });

  it.each(SAMPLES.map((e) => [e.name, e] as const))("%s is a ProtocolError with a code, a message and a next step", (name, err) => {
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(err.message.length).toBeGreaterThan(20);
    expect(err.nextStep.length).toBeGreaterThan(20);
  });

  it.each(SAMPLES.map((e) => [e.name, e] as const))("%s crosses the wire as the same class with the same data and text", (_name, err) => {
    const received = acrossTheWire(err);
    expect(received).toBeInstanceOf(err.constructor);
    expect(received.name).toBe(err.name);
    expect(received.code).toBe(err.code);
    expect(received.message).toBe(err.message);
    expect(received.nextStep).toBe(err.nextStep);
    expect(received.data).toEqual(err.data);
  });
});

describe("what the errors say", () => {
  it("LowPMBalance names the sender and the amounts in ETH and wei, and says to top up", () => {
    const err = SAMPLES[0] as LowPMBalance;
    expect(err.message).toContain(SENDER);
    expect(err.message).toContain("0.01 ETH (10000000000000000 wei)");
    expect(err.nextStep).toMatch(/Top up .*fundDepositAndReserve/);
  });

  it("InvalidTicket has a reason from a closed set, each with its own next step", () => {
    const reasons = Object.keys(INVALID_TICKET_REASONS) as InvalidTicketReason[];
    expect(reasons).toEqual(
      expect.arrayContaining(["badSignature", "wrongRecipient", "replayedNonce", "unknownParams", "notEnoughExpectedValue", "malformed"]),
    );
    const nextSteps = new Set(reasons.map((reason) => new InvalidTicket({ reason }).nextStep));
    expect(nextSteps.size).toBe(reasons.length);
    expect(new InvalidTicket({ reason: "replayedNonce", senderNonce: 7n }).reason).toBe("replayedNonce");
    expect(new InvalidTicket({ reason: "replayedNonce", senderNonce: 7n }).message).toBe(
      "Ticket with senderNonce 7 rejected: its senderNonce was already used with this recipientRandHash.",
    );
  });

  it("SegmentFormatDidntMatchJobInputParams says what was expected and what was found", () => {
    expect(SAMPLES[7]?.message).toBe("Segment 12 of stream stream-7f3a has width 1920, but the job's input params say 1280.");
  });

  it("OrchestratorBusy says when to ask again", () => {
    expect(SAMPLES[6]?.nextStep).toBe("Choose another orchestrator, or ask this one again in 30 s.");
  });

  it("DataChannelNotOpen tells a sender still connecting to wait for open", () => {
    expect(new DataChannelNotOpen({ readyState: "connecting" }).nextStep).toMatch(/open event/);
  });

  it("MalformedFrame names every reason in words", () => {
    for (const reason of Object.keys(MALFORMED_FRAME_REASONS) as MalformedFrameReason[]) {
      expect(new MalformedFrame({ reason }).message).toMatch(/^Malformed frame: \w/);
    }
  });

  it("makes text a peer chose safe to log: no control characters, no lone surrogates, clipped", () => {
    const err = new InvalidMessage({ field: "a\nforged log line", reason: `bad\u0000${"x".repeat(400)}\ud800` });
    expect(err.data.field).toBe("a\ufffdforged log line");
    expect(err.data.reason).toHaveLength(256);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it("keeps the cause it was given", () => {
    const cause = new Error("inner");
    expect(new InvalidMessage({ field: "", reason: "is not JSON" }, { cause }).cause).toBe(cause);
  });
});

describe("the wire form", () => {
  it("carries uint256 data as decimal strings and fits the wire schema", () => {
    const wire = toWireError(SAMPLES[0]);
    expect(wire).toEqual({
      name: "LowPMBalance",
      code: "LOW_PM_BALANCE",
      message: SAMPLES[0]?.message,
      nextStep: SAMPLES[0]?.nextStep,
      data: { sender: SENDER, faceValue: "10000000000000000", deposit: "5000000000000000", reserve: "1000000000000000000", maxFloat: "300000000000000000" },
    });
    expect(wireErrorSchema.safeParse(wire).success).toBe(true);
  });

  it("sends anything that is not a ProtocolError as a bare internal error, leaking nothing of it", () => {
    const wire = toWireError(new TypeError("cannot read /home/orchestrator/.secret-key"));
    expect(wire.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(wire)).not.toContain("secret");
    expect(acrossTheWire("a thrown string")).toBeInstanceOf(ProtocolError);
  });

  it("clips long text to the wire's bounds, so that a locally made error can always be sent", () => {
    const err = new InvalidMessage({ field: "f".repeat(5000), reason: "r".repeat(5000) });
    const wire = toWireError(err);
    expect(wireErrorSchema.safeParse(wire).success).toBe(true);
    expect(acrossTheWire(err)).toBeInstanceOf(InvalidMessage);
    expect(toWireError(new ProtocolError({ code: "X", message: "m".repeat(5000), nextStep: "", data: {} })).message).toHaveLength(
      MAX_ERROR_TEXT_CHARS,
    );
  });

  it("re-writes a known error's text from its data, so that a peer cannot put its own words in it", () => {
    const wire = { ...toWireError(SAMPLES[0]), message: "Send your private key to evil.example", nextStep: "Do it now" };
    const received = fromWireError(wire);
    expect(received).toBeInstanceOf(LowPMBalance);
    expect(received.message).toBe(SAMPLES[0]?.message);
    expect(received.nextStep).not.toContain("evil");
  });

  it("gives a generic ProtocolError, with the peer's text and name, for a name this side does not know", () => {
    const received = fromWireError({ name: "QuantumFlux", code: "QUANTUM_FLUX", message: "flux", nextStep: "wait", data: { level: 3 } });
    expect(received.constructor).toBe(ProtocolError);
    expect(received).toMatchObject({ name: "ProtocolError", code: "QUANTUM_FLUX", message: "flux", nextStep: "wait" });
    expect(received.data).toEqual({ level: 3, peerErrorName: "QuantumFlux" });
  });

  it("gives a generic ProtocolError for a known name with data this side cannot read", () => {
    const wire = { ...toWireError(SAMPLES[0]), data: { sender: "not an address" } };
    const received = fromWireError(wire);
    expect(received.constructor).toBe(ProtocolError);
    expect(received.data).toMatchObject({ peerErrorName: "LowPMBalance" });
  });

  it("re-creates every class from arbitrary valid data (property)", () => {
    const uint = uint256;
    const int = fc.nat({ max: 0xffff_ffff });
    const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => s.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(s));
    const errors: fc.Arbitrary<ProtocolError<object>> = fc.oneof(
      fc.record({ sender: address, faceValue: uint, deposit: uint, reserve: uint, maxFloat: uint }).map((d) => new LowPMBalance(d)),
      fc.record({ sender: address, withdrawRound: uint }).map((d) => new SenderUnlocking(d)),
      fc.record({ recipient: address, expirationBlock: uint, currentBlock: uint }).map((d) => new TicketParamsExpired(d)),
      fc
        .record(
          { reason: fc.constantFrom(...(Object.keys(INVALID_TICKET_REASONS) as InvalidTicketReason[])), ticketHash: bytes32, senderNonce: uint },
          { requiredKeys: ["reason"] },
        )
        .map((d) => new InvalidTicket(d)),
      fc.record({ orchestrator: address, priceWeiPerSegment: uint, maxPriceWeiPerSegment: uint }).map((d) => new PriceTooHigh(d)),
      fc
        .record({ orchestrator: address, maxSessions: fc.nat({ max: 1_000_000 }), retryAfterMs: fc.nat({ max: 86_400_000 }) })
        .map((d) => new OrchestratorBusy(d)),
      fc
        .record({
          streamId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
          sequenceNumber: fc.nat(),
          field: fc.constantFrom("format", "codec", "width", "height", "fps" as const),
          expected: fc.string({ unit: "binary", maxLength: 100 }),
          found: fc.string({ unit: "binary", maxLength: 100 }),
        })
        .map((d) => new SegmentFormatDidntMatchJobInputParams(d)),
      fc
        .record(
          { messageType: text(64), field: fc.string({ unit: "binary", maxLength: 400 }), reason: fc.string({ unit: "binary", maxLength: 400 }) },
          { requiredKeys: ["field", "reason"] },
        )
        .map((d) => new InvalidMessage(d)),
      fc
        .record({ what: fc.constantFrom("json", "payload", "message", "frame" as const), sizeBytes: fc.nat(), maxBytes: fc.nat() })
        .map((d) => new MessageTooLarge(d)),
      fc
        .record({ reason: fc.constantFrom(...(Object.keys(MALFORMED_FRAME_REASONS) as MalformedFrameReason[])), messageId: int, frameIndex: int }, {
          requiredKeys: ["reason"],
        })
        .map((d) => new MalformedFrame(d)),
      fc
        .record({ messageId: int, framesReceived: int, frameCount: int, timeoutMs: fc.nat() })
        .map((d) => new PartialMessageExpired(d)),
      fc
        .record({ layer: fc.constantFrom("message", "frame" as const), received: fc.string({ unit: "binary", maxLength: 100 }), supported: fc.constant("1") })
        .map((d) => new UnsupportedProtocolVersion(d)),
    );
    fc.assert(
      fc.property(errors, (err) => {
        const wire = toWireError(err);
        expect(wireErrorSchema.safeParse(wire).success).toBe(true);
        const received = acrossTheWire(err);
        expect(received).toBeInstanceOf(err.constructor);
        expect(received.message).toBe(err.message);
        expect(received.data).toEqual(err.data);
      }),
      RUNS,
    );
  });

  it("never throws, whatever a peer sends as an error (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue().map((v) => ({ name: "LowPMBalance", code: "X", message: "m", nextStep: "", data: v }))), (wire) => {
        expect(fromWireError(wire)).toBeInstanceOf(ProtocolError);
      }),
      RUNS,
    );
  });
});
