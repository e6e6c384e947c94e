// Issue acceptance: every named refusal, produced against the real orchestrator node over the real data channel —
// replayed nonce, bad signature, wrong recipient, wrong segment format, over capacity, expired params, underfunded
// sender — and no transcoding for any of them (the node's own metrics count what it transcoded).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { stopAll } from "../../scripts/lib/processes.ts";
import type { JobRequest, Message, Segment } from "../../src/lib/protocol/messages.ts";
import { signTicket } from "../../src/lib/protocol/ticket.ts";
import { makeClip, makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { NodeBroadcaster } from "./node-broadcaster.ts";

const OTHER_ORCHESTRATOR: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // dev account #1
/** Low price: tickets almost never win, so a payment's params stay live and a replay is a replay. */
const PRICE_PER_SEGMENT_WEI = 10n ** 12n;

let net: E2eNetwork;
let broadcaster: NodeBroadcaster;
let account: Awaited<ReturnType<E2eNetwork["fundedBroadcaster"]>>;
let segments: Uint8Array[];

function jobFor(broadcasterAddress: Address, streamId: string): JobRequest {
  return {
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster: broadcasterAddress,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 },
    output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
  };
}

const errorOf = (m: Message) => (m.type === "error" ? m.error : undefined);

beforeAll(async () => {
  net = await startE2eNetwork({
    chainPort: 18640,
    nodePort: 18945,
    devAccount: 2,
    nodeSettings: { pricePerSegmentWei: PRICE_PER_SEGMENT_WEI.toString(), maxSessions: 1 },
  });
  account = await net.fundedBroadcaster();
  broadcaster = new NodeBroadcaster(account, net.nodeUrl);
  const job = jobFor(account.address, "refusals");
  await broadcaster.quote(job);
  await broadcaster.open(job);
  segments = await makeSegmentedClip({ count: 3 });
}, 240_000);

afterAll(async () => {
  broadcaster?.close();
  await net?.stopNode();
  await stopAll();
});

describe("orchestrator node refusals, end to end", () => {
  it("transcodes a paid segment, then refuses the same payment again as a replayed nonce", async () => {
    const { payment } = await broadcaster.pay();
    const first = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 0, segments[0]!, 2000, payment), segments[0]!);
    expect(first.message.type).toBe("result");
    const replay = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 1, segments[1]!, 2000, payment), segments[1]!);
    expect(errorOf(replay.message)).toMatchObject({ name: "InvalidTicket", data: { reason: "replayedNonce" } });
  }, 60_000);

  it("refuses a ticket whose signature is not the sender's", async () => {
    const { payment } = await broadcaster.pay();
    const sig = payment.tickets[0]!.sig;
    const forged = `${sig.slice(0, 10)}${sig[10] === "0" ? "1" : "0"}${sig.slice(11)}` as Hex;
    const tampered: Segment["payment"] = { ...payment, tickets: [{ ...payment.tickets[0]!, sig: forged }] };
    const reply = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 2, segments[1]!, 2000, tampered), segments[1]!);
    expect(errorOf(reply.message)).toMatchObject({ name: "InvalidTicket", data: { reason: "badSignature" } });
  });

  it("refuses a ticket made out to another orchestrator", async () => {
    const { payment } = await broadcaster.pay();
    const ticket = { ...payment.tickets[0]!.ticket, recipient: OTHER_ORCHESTRATOR };
    const resigned = await signTicket(account, ticket);
    const reply = await broadcaster.sendRaw(
      broadcaster.segmentMessage("refusals", 3, segments[1]!, 2000, { ...payment, tickets: [resigned] }),
      segments[1]!,
    );
    expect(errorOf(reply.message)).toMatchObject({ name: "InvalidTicket", data: { reason: "wrongRecipient" } });
  });

  it("refuses a segment unlike the job, without spending its tickets", async () => {
    const small = await makeClip({ width: 640, height: 360 });
    const { payment } = await broadcaster.pay();
    const reply = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 4, small.bytes, 2000, payment), small.bytes);
    expect(errorOf(reply.message)).toMatchObject({ name: "SegmentFormatDidntMatchJobInputParams", data: { field: "width" } });
    // The same tickets still pay for a proper segment: nothing was spent.
    const retry = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 5, segments[1]!, 2000, payment), segments[1]!);
    expect(retry.message.type).toBe("result");
  }, 60_000);

  it("answers OrchestratorBusy to a broadcaster beyond its session limit", async () => {
    const other = new NodeBroadcaster(await net.fundedBroadcaster(), net.nodeUrl);
    const { status, reply } = await other.offerOnly(jobFor(account.address, "second"));
    expect(status).toBe(503);
    expect(errorOf(reply)).toMatchObject({ name: "OrchestratorBusy" });
  });

  it("refuses tickets made with params past their expiration block", async () => {
    const { payment } = await broadcaster.pay();
    await net.mine(payment.expirationBlock - (await net.chain.getBlockNumber({ cacheTime: 0 })) + 5n);
    const reply = await broadcaster.sendRaw(broadcaster.segmentMessage("refusals", 6, segments[2]!, 2000, payment), segments[2]!);
    expect(errorOf(reply.message)).toMatchObject({ name: "TicketParamsExpired" });
  });

  it("refuses an underfunded sender with LowPMBalance and its next step", async () => {
    broadcaster.close();
    await waitFor("the session to close", async () => ((await net.metrics()).includes("streamflow_sessions 0") ? true : undefined), 20_000, net.nodeLog);
    const broke = privateKeyToAccount(`0x${"2".repeat(64)}`);
    const client = new NodeBroadcaster(broke, net.nodeUrl);
    const job = jobFor(broke.address, "broke");
    await client.quote(job);
    await client.open(job);
    try {
      const reply = await client.sendSegment("broke", 0, segments[0]!, 2000);
      const error = errorOf(reply.message);
      expect(error, JSON.stringify(error)).toMatchObject({ name: "LowPMBalance", data: { sender: broke.address } });
      expect(error?.nextStep).toMatch(/Top up/);
    } finally {
      client.close();
    }
  }, 60_000);

  it("transcoded only the segments it was paid for", async () => {
    const metrics = await net.metrics();
    expect(metrics).toMatch(/streamflow_segments_total\{outcome="transcoded"\} 2/);
    expect(metrics).toMatch(/streamflow_segments_total\{outcome="refused"\} 6/);
  });
});
