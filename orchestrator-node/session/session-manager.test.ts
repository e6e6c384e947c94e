// A broadcaster in Node (simple-peer on @roamhq/wrtc) opens a session through POST /session and streams over the
// real data channel; the orchestrator side is the SessionManager behind the real HTTP server.
import { afterEach, describe, expect, it } from "vitest";
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../src/lib/protocol/message-channel.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Message } from "../../src/lib/protocol/messages.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import { silentLogger } from "../log.ts";
import { createHttpServer } from "../server/http.ts";
import { createMetrics } from "../server/metrics.ts";
import { transcodeSegment } from "../transcode/transcode.ts";
import { SessionManager } from "./session-manager.ts";

const orchestrator = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const jobFor = (streamId: string) =>
  ({
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
    input: { codec: "h264", width: 640, height: 360, fps: 30 },
    output: [{ name: "240p", width: 426, height: 240, bitrateKbps: 400 }],
  }) as JobRequest;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function node(maxSessions = 2, onSegmentStarted: () => void = () => {}) {
  const manager = new SessionManager({
    orchestrator, maxSessions, serviceIds: ["CPUTranscoding"], log: silentLogger,
    paymentsFor: () => ({ check: async () => (onSegmentStarted(), { commit: async () => ({}) }) }),
    transcode: (_s, bytes, ladder) => transcodeSegment(bytes, ladder, { encoder: "libx264" }),
    currentRound: async () => 1n,
  });
  const app = await createHttpServer({
    metrics: createMetrics(), log: silentLogger, health: () => ({ ok: true, detail: {} }),
    quote: async () => { throw new Error("unused"); },
    openSession: (offer) => manager.open(offer),
  });
  cleanups.push(() => app.close(), () => manager.closeAll());
  return { app, manager };
}

/** The broadcaster's side: make an offer, POST it, apply the answer, and talk over the channel. */
async function broadcaster(app: Awaited<ReturnType<typeof node>>["app"], streamId: string) {
  const peer = new Peer({ initiator: true, trickle: false, wrtc });
  cleanups.push(() => peer.destroy());
  const offer = (await new Promise<Peer.SignalData>((resolve) => peer.once("signal", resolve))) as { type: "offer"; sdp: string };
  const res = await app.inject({
    method: "POST", url: "/session", headers: { "content-type": "application/json" },
    payload: encodeMessage({ v: 1, type: "sessionOffer", job: jobFor(streamId), offer: { type: "offer", sdp: offer.sdp } }),
  });
  const reply = decodeMessage(res.body);
  if (reply.type !== "sessionAnswer") return { reply, status: res.statusCode };
  const received: { message: Message; payload: Uint8Array }[] = [];
  const channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), { onMessage: (message, payload) => received.push({ message, payload }), onError: () => {} });
  peer.on("data", (d: Uint8Array) => channel.receive(d));
  peer.signal(reply.answer);
  await new Promise((r) => peer.once("connect", r));
  return { reply, status: res.statusCode, channel, received, peer };
}

describe("SessionManager over real WebRTC", () => {
  it("opens a session from an offer and transcodes a segment sent over the data channel", async () => {
    const { app, manager } = await node();
    const b = await broadcaster(app, "live-1");
    expect(b.status).toBe(200);
    expect(manager.count).toBe(1);
    const clip = await makeClip({ width: 640, height: 360 });
    await b.channel!.send(
      { v: 1, type: "segment", streamId: "live-1", sequenceNumber: 0, durationMs: 2000, format: "mp4", byteLength: clip.bytes.byteLength,
        contentHash: keccak256(clip.bytes), payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] } },
      clip.bytes,
    );
    await expect.poll(() => b.received!.length, { timeout: 20_000 }).toBe(1);
    expect(b.received![0]!.message).toMatchObject({ type: "result", sequenceNumber: 0, renditions: [{ name: "240p", height: 240 }] });
  }, 40_000);

  it("drains on shutdown: answers the segment in flight, refuses new sessions, then closes", async () => {
    let started!: () => void;
    const segmentStarted = new Promise<void>((r) => (started = r));
    const { app, manager } = await node(2, () => started());
    const b = await broadcaster(app, "draining");
    const clip = await makeClip({ width: 640, height: 360 });
    const sent = b.channel!.send(
      { v: 1, type: "segment", streamId: "draining", sequenceNumber: 0, durationMs: 2000, format: "mp4", byteLength: clip.bytes.byteLength,
        contentHash: keccak256(clip.bytes), payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] } },
      clip.bytes,
    );
    await sent;
    await segmentStarted; // the node is handling the segment: now shut down
    const drained = manager.drain(20_000);
    const refused = await broadcaster(app, "late");
    expect(refused.reply).toMatchObject({ type: "error", error: { name: "OrchestratorBusy" } });
    await drained;
    expect(b.received!.map((r) => r.message.type)).toEqual(["result"]);
    expect(manager.count).toBe(0);
  }, 40_000);

  it("answers OrchestratorBusy beyond its session limit and closes sessions whose peer leaves", async () => {
    const { app, manager } = await node(1);
    const first = await broadcaster(app, "a");
    const second = await broadcaster(app, "b");
    expect(second.status).toBe(503);
    expect(second.reply).toMatchObject({ type: "error", error: { name: "OrchestratorBusy" } });
    first.peer!.destroy();
    await expect.poll(() => manager.count, { timeout: 10_000 }).toBe(0);
  }, 40_000);
});
