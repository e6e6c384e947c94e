// The tab's Broadcast against slow orchestrators, on two real nodes: a node made slow for real (SIGSTOP, then SIGCONT)
// past the segment timeout. The segment goes to the next one at once, and the slow one's answer is still awaited: when
// every orchestrator is slow, the segment comes back late instead of failing (CI's verification run, every segment
// spot-checked on 2 cores, once lost 24 segments to timeouts everywhere).
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { Broadcast } from "../../src/lib/broadcaster/broadcast.ts";
import type { CreatePeer } from "../../src/lib/broadcaster/orchestrator-session.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Quote } from "../../src/lib/protocol/messages.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startExtraNode, type ExtraNode } from "../reliability/lib/attack-nodes.ts";
import { streamJob } from "../reliability/lib/crash-failover.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";

const TIMEOUT_MS = 1_500;
/** Longer than the timeout, well within the deadline (3 × the timeout). */
const PAUSE_MS = 3_000;

let net: E2eNetwork;
let other: ExtraNode;
let segments: Uint8Array[];

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 18670, nodePort: 18975, devAccount: 3, nodeSettings: {} });
  other = await startExtraNode(net, { port: 18976, devAccount: 2, settings: {} });
  segments = await makeSegmentedClip({ count: 3 });
}, 240_000);

afterAll(async () => {
  await Promise.all([other?.stop(), net?.stopNode()]);
  await stopAll();
});

const createPeer: CreatePeer = (o) => new Peer({ ...o, wrtc });

async function quoteFrom(uri: string, job: JobRequest): Promise<Quote> {
  const reply = decodeMessage(await (await fetch(`${uri}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage(job) })).text());
  if (reply.type !== "quote") throw new Error(`no quote from ${uri}: ${JSON.stringify(reply)}`);
  return reply;
}

/** Freezes the node at `uri` for `ms` (SIGSTOP … SIGCONT): slow, not gone. */
async function freeze(uri: string, ms: number): Promise<void> {
  const { pid } = (await (await fetch(`${uri}/healthz`)).json()) as { pid: number };
  process.kill(pid, "SIGSTOP");
  setTimeout(() => process.kill(pid, "SIGCONT"), ms).unref();
}

async function startBroadcast(streamId: string) {
  const account = await net.fundedBroadcaster();
  const job = streamJob(account.address, streamId);
  const quotes = await Promise.all([net.nodeUrl, other.url].map((u) => quoteFrom(u, job)));
  const uris = [net.nodeUrl, other.url];
  const broadcast = await Broadcast.start({
    job, account, createPeer, redundancy: 1, standby: 1, segmentTimeoutMs: TIMEOUT_MS,
    candidates: quotes.map((q, i) => ({ address: q.orchestrator, uri: uris[i]!, quote: q })),
    requestQuote: (c) => quoteFrom(c.uri, job),
  });
  await waitFor("a warm standby", async () => (broadcast.standby.length === 1 ? true : undefined), 20_000);
  const submit = (n: number) => broadcast.submit({ sequenceNumber: n, bytes: segments[n]!, durationMs: 2000, format: "mp4" });
  return { broadcast, submit, first: quotes[0]!.orchestrator, second: quotes[1]!.orchestrator };
}

describe("Broadcast with slow orchestrators", () => {
  it("sends the segment on at the timeout, and takes the first result", async () => {
    const { broadcast, submit, first, second } = await startBroadcast("slow-one");
    try {
      expect((await submit(0)).orchestrator).toBe(first);
      await freeze(net.nodeUrl, PAUSE_MS);
      const started = performance.now();
      const result = await submit(1);
      expect(result).toMatchObject({ orchestrator: second, failedOver: [first] });
      expect(performance.now() - started).toBeLessThan(PAUSE_MS);
      expect(broadcast.serving).toEqual([second]);
    } finally {
      broadcast.stop();
    }
  }, 60_000);

  it("brings a segment back late, not lost, when every orchestrator is slower than the timeout", async () => {
    const { broadcast, submit, first } = await startBroadcast("slow-all");
    try {
      expect((await submit(0)).orchestrator).toBe(first);
      await Promise.all([freeze(net.nodeUrl, PAUSE_MS), freeze(other.url, PAUSE_MS)]);
      const started = performance.now();
      const result = await submit(1);
      const tookMs = performance.now() - started;
      expect(result.sequenceNumber).toBe(1);
      expect(tookMs).toBeGreaterThan(TIMEOUT_MS * 2); // both timeouts passed: before, this was NoOrchestratorLeft
      expect(result.renditions.map((r) => r.name)).toEqual(["360p"]);
    } finally {
      broadcast.stop();
    }
  }, 60_000);
});
