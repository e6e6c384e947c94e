import { describe, expect, it } from "vitest";
import { keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { LowPMBalance } from "../../src/lib/protocol/errors.ts";
import { renditionPayloads, signedReceiptOf, type JobRequest, type Message, type Result, type Segment } from "../../src/lib/protocol/messages.ts";
import { ladderHash, recoverReceiptSigner, signReceipt } from "../../src/lib/protocol/receipt.ts";
import { relayedSegmentOf } from "../../src/lib/broadcaster/relay.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import { silentLogger } from "../log.ts";
import { transcodeSegment } from "../transcode/transcode.ts";
import { BroadcastSession, type PaymentGate, type Transcode } from "./broadcast-session.ts";

const orchestrator = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const job = {
  v: 1,
  type: "jobRequest",
  streamId: "s1",
  serviceId: "CPUTranscoding",
  broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
  input: { codec: "h264", width: 640, height: 360, fps: 30 },
  output: [
    { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
    { name: "144p", width: 256, height: 144, bitrateKbps: 200 },
  ],
} as JobRequest;

function segmentOf(bytes: Uint8Array, sequenceNumber: number, o: Partial<Segment> = {}): Segment {
  return {
    v: 1, type: "segment", streamId: "s1", sequenceNumber, durationMs: 2000, format: "mp4",
    byteLength: bytes.byteLength, contentHash: keccak256(bytes),
    payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] }, ...o,
  } as Segment;
}

/** The round the fake chain is in. */
const ROUND = 7_777n;

/**
 * The session's neighbours: a payment gate that records what it is asked, the real transcoder counted, and a chain
 * whose current round is ROUND (or cannot be read).
 */
function harness(gate: Partial<{ refuse: Error; newTicketParams: TicketParams; chainDown: boolean; publish: boolean }> = {}) {
  const sent: { message: Message; payload?: Uint8Array }[] = [];
  const calls = { check: 0, commit: 0, transcode: 0 };
  const payments: PaymentGate = {
    async check() {
      calls.check++;
      if (gate.refuse) throw gate.refuse;
      return { commit: async () => (calls.commit++, gate.newTicketParams ? { newTicketParams: gate.newTicketParams } : {}) };
    },
  };
  const transcode: Transcode = async (_s, bytes, ladder) => (calls.transcode++, transcodeSegment(bytes, ladder, { encoder: "libx264" }));
  const relayed: { sequenceNumber: number; transcodedBy: string; bytes: Uint8Array[] }[] = [];
  const session = new BroadcastSession({
    job: gate.publish ? { ...job, publish: true } : job, orchestrator, payments, transcode, log: silentLogger,
    events: {
      segment: () => {},
      relayed: (_job, s) => void relayed.push({ sequenceNumber: s.sequenceNumber, transcodedBy: s.transcodedBy, bytes: s.renditions.map((r) => r.bytes) }),
    },
    send: async (message, payload) => void sent.push({ message, payload }),
    currentRound: async () => {
      if (gate.chainDown) throw new Error("RPC unreachable");
      return ROUND;
    },
  });
  return { session, sent, calls, relayed };
}

/** Another orchestrator of the stream: its result for segment n of `job`, as the broadcaster relays it. */
const elsewhere = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
async function relayOf(sequenceNumber: number, o: { by?: typeof elsewhere; ladder?: JobRequest["output"] } = {}) {
  const by = o.by ?? elsewhere;
  const ladder = o.ladder ?? job.output;
  const renditions = ladder.map((r, i) => ({ name: r.name, width: r.width, height: r.height, bytes: new Uint8Array([sequenceNumber, i, 42]) }));
  const receipt = await signReceipt(by, {
    streamId: job.streamId, sequenceNumber, inputHash: keccak256(new Uint8Array([sequenceNumber])), jobHash: ladderHash(ladder),
    outputs: renditions.map((r) => ({ rendition: r.name, hash: keccak256(r.bytes) })), orchestrator: by.address, round: ROUND,
  });
  return relayedSegmentOf({ result: { sequenceNumber, orchestrator: by.address, renditions, receipt }, durationMs: 2000 });
}

/** The InvalidMessage field the session answered a relayed segment with. */
function refusedField(sent: { message: Message }[]): string | undefined {
  const last = sent.at(-1)?.message;
  return last?.type === "error" && last.error.name === "InvalidMessage" ? String(last.error.data?.field) : undefined;
}

describe("BroadcastSession", () => {
  it("returns the ladder with a receipt signed by the orchestrator over the input and output hashes, the job and the round", async () => {
    const { session, sent, calls } = harness();
    const clip = await makeClip({ width: 640, height: 360 });
    await session.handle(segmentOf(clip.bytes, 0), clip.bytes);
    expect(calls).toEqual({ check: 1, commit: 1, transcode: 1 });
    const { message, payload } = sent[0]!;
    const result = message as Result;
    expect(result).toMatchObject({ type: "result", sequenceNumber: 0, renditions: [{ name: "240p", height: 240 }, { name: "144p", height: 144 }] });
    const parts = renditionPayloads(result, payload!);
    parts.forEach((bytes, i) => expect(keccak256(bytes)).toBe(result.renditions[i]!.contentHash));
    expect(result.receipt.inputHash).toBe(keccak256(clip.bytes));
    expect(result.receipt.jobHash).toBe(ladderHash(job.output));
    expect(result.receipt.round).toBe(ROUND);
    expect(await recoverReceiptSigner(signedReceiptOf(result))).toBe(orchestrator.address);
  }, 30_000);

  it("refuses a segment before its payment counts when the current round cannot be read, and does no work", async () => {
    const { session, sent, calls } = harness({ chainDown: true });
    const clip = await makeClip({ width: 640, height: 360, durationS: 1 });
    await session.handle(segmentOf(clip.bytes, 0, { durationMs: 1000 }), clip.bytes);
    expect(calls).toEqual({ check: 1, commit: 0, transcode: 0 });
    expect(sent[0]?.message).toMatchObject({ type: "error", sequenceNumber: 0 });
  });

  it("answers a refused payment with its named error and does no work", async () => {
    const refuse = new LowPMBalance({ sender: job.broadcaster, faceValue: 10n, deposit: 0n, reserve: 0n, maxFloat: 0n });
    const { session, sent, calls } = harness({ refuse });
    const clip = await makeClip({ width: 640, height: 360, durationS: 1 });
    await session.handle(segmentOf(clip.bytes, 4, { durationMs: 1000 }), clip.bytes);
    expect(calls).toEqual({ check: 1, commit: 0, transcode: 0 });
    expect(sent[0]?.message).toMatchObject({ type: "error", sequenceNumber: 4, error: { name: "LowPMBalance" } });
  });

  it("refuses a segment unlike the job before the payment counts, and does no work", async () => {
    const { session, sent, calls } = harness();
    const clip = await makeClip({ width: 1280, height: 720, durationS: 1 });
    await session.handle(segmentOf(clip.bytes, 2, { durationMs: 1000 }), clip.bytes);
    expect(calls).toEqual({ check: 1, commit: 0, transcode: 0 });
    expect(sent[0]?.message).toMatchObject({ type: "error", error: { name: "SegmentFormatDidntMatchJobInputParams" } });
  });

  it("refuses bytes that do not match the announced content hash", async () => {
    const { session, sent, calls } = harness();
    const clip = await makeClip({ width: 640, height: 360, durationS: 1 });
    await session.handle(segmentOf(new Uint8Array([1, 2, 3]), 1), clip.bytes);
    expect(calls.check).toBe(0);
    expect(sent[0]?.message).toMatchObject({ type: "error", error: { name: "InvalidMessage", data: { field: "contentHash" } } });
  });

  it("sends new ticket params after a winning ticket at once, before the transcode and its result", async () => {
    const newTicketParams = { recipient: orchestrator.address } as TicketParams;
    const { session, sent } = harness({ newTicketParams });
    const clip = await makeClip({ width: 640, height: 360, durationS: 1 });
    await session.handle(segmentOf(clip.bytes, 0, { durationMs: 1000 }), clip.bytes);
    // Segments the broadcaster sends during the transcode are paid with the new params, not refused.
    expect(sent.map((s) => s.message.type)).toEqual(["ticketParamsUpdate", "result"]);
  }, 30_000);

  describe("relayed segments (after a failover elsewhere)", () => {
    it("hands a published stream's relayed segment to the public window, checked, and answers nothing", async () => {
      const { session, sent, calls, relayed } = harness({ publish: true });
      const { message, payload } = await relayOf(3);
      await session.handle(message, payload);
      expect(sent).toEqual([]);
      expect(calls.transcode).toBe(0);
      expect(relayed).toEqual([{ sequenceNumber: 3, transcodedBy: elsewhere.address, bytes: [new Uint8Array([3, 0, 42]), new Uint8Array([3, 1, 42])] }]);
    });

    it("refuses, by field, what the broadcaster could not have got from another orchestrator of this stream", async () => {
      const cases: [string, () => Promise<{ message: Message; payload: Uint8Array }>, boolean?][] = [
        ["type", () => relayOf(1), false],
        ["streamId", async () => { const r = await relayOf(1); return { ...r, message: { ...r.message, streamId: "other" } as Message }; }],
        ["receipt.jobHash", () => relayOf(1, { ladder: [job.output[0]!] })],
        ["receipt.orchestrator", () => relayOf(1, { by: orchestrator })],
        ["receipt.sig", async () => { const r = await relayOf(1); return { ...r, message: { ...r.message, sequenceNumber: 2 } as Message }; }],
        ["renditions[1].contentHash", async () => { const r = await relayOf(1); const payload = r.payload.slice(); payload[4] = 0; return { ...r, payload }; }],
      ];
      for (const [field, make, publish = true] of cases) {
        const { session, sent, relayed } = harness({ publish });
        const { message, payload } = await make();
        await session.handle(message, payload);
        expect(refusedField(sent), field).toBe(field);
        expect(relayed, field).toEqual([]);
      }
    });

    it("takes a few before any segment is transcoded here, then one more per segment transcoded", async () => {
      const { session, sent, relayed } = harness({ publish: true });
      for (let n = 0; n < 4; n++) {
        const { message, payload } = await relayOf(n);
        await session.handle(message, payload);
      }
      expect(relayed.map((r) => r.sequenceNumber)).toEqual([0, 1, 2]);
      expect(refusedField(sent)).toBe("sequenceNumber");
      const clip = await makeClip({ width: 640, height: 360, durationS: 1 });
      await session.handle(segmentOf(clip.bytes, 4, { durationMs: 1000 }), clip.bytes);
      const { message, payload } = await relayOf(3);
      await session.handle(message, payload);
      expect(relayed.map((r) => r.sequenceNumber)).toEqual([0, 1, 2, 3]);
    }, 30_000);
  });
});
