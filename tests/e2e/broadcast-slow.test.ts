// The tab's Broadcast against slow orchestrators, on two real nodes: a node made slow for real (SIGSTOP, then SIGCONT)
// past the segment timeout. No test here times the broadcaster; the freezes set what cannot happen before when. The
// segment also goes to the next one (one such hedge at a time), and the slow one's answer is still awaited: when
// every orchestrator is slow, the segment comes back late instead of failing (CI's verification run, every segment
// spot-checked on 2 cores, once lost 24 segments to timeouts everywhere).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { Broadcast } from "../../src/lib/broadcaster/broadcast.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startExtraNode, type ExtraNode } from "../reliability/lib/attack-nodes.ts";
import { streamJob } from "../reliability/lib/crash-failover.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { createPeer, quoteFrom } from "./tab-broadcaster-parts.ts";

/** The page's: one segment duration. The deadline is 3 × this. */
const TIMEOUT_MS = 2_000;
/** Past the deadline: the frozen node cannot answer in time, whatever the machine's load. */
const GONE_MS = 8_000;
/** Past the timeout and a payment turn's wait (≤ 1 s), within the deadline. */
const BUSY_MS = 4_000;
/** Past both timeouts (2 × TIMEOUT_MS), within the first one's deadline. */
const SLOW_MS = 5_000;

let net: E2eNetwork;
let other: ExtraNode;
let third: ExtraNode;
let segments: Uint8Array[];

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 18670, nodePort: 18975, devAccount: 3, nodeSettings: {} });
  other = await startExtraNode(net, { port: 18976, devAccount: 2, settings: {} });
  third = await startExtraNode(net, { port: 18977, devAccount: 1, settings: {} });
  segments = await makeSegmentedClip({ count: 3 });
}, 240_000);

afterAll(async () => {
  await Promise.all([other?.stop(), third?.stop(), net?.stopNode()]);
  await stopAll();
});

/** Freezes the node at `uri` for `ms` (SIGSTOP … SIGCONT): slow, not gone. Resolves with its thaw. */
async function freeze(uri: string, ms: number): Promise<{ thawed: Promise<void> }> {
  const { pid } = (await (await fetch(`${uri}/healthz`)).json()) as { pid: number };
  process.kill(pid, "SIGSTOP");
  return { thawed: new Promise((r) => setTimeout(() => r(process.kill(pid, "SIGCONT") && undefined), ms)) };
}

async function startBroadcast(streamId: string, uris = [net.nodeUrl, other.url]) {
  const account = await net.fundedBroadcaster();
  const job = streamJob(account.address, streamId);
  const quotes = await Promise.all(uris.map((u) => quoteFrom(u, job)));
  const ticketsSent: { orchestrator: string; sequenceNumber: number; senderNonces: bigint[]; at: number }[] = [];
  const broadcast = await Broadcast.start({
    job, account, createPeer, redundancy: 1, standby: 1, segmentTimeoutMs: TIMEOUT_MS,
    events: { onTicketsSent: (orchestrator, sequenceNumber, senderNonces) => ticketsSent.push({ orchestrator, sequenceNumber, senderNonces, at: performance.now() }) },
    candidates: quotes.map((q, i) => ({ address: q.orchestrator, uri: uris[i]!, quote: q })),
    requestQuote: (c) => quoteFrom(c.uri, job),
  });
  await waitFor("a warm standby", async () => (broadcast.standby.length === 1 ? true : undefined), 20_000);
  const submit = (n: number) => broadcast.submit({ sequenceNumber: n, bytes: segments[n]!, durationMs: 2000, format: "mp4" });
  const uriOf = (orchestrator: string) => uris[quotes.findIndex((q) => q.orchestrator === orchestrator)]!;
  return { broadcast, submit, uriOf, ticketsSent };
}

describe("Broadcast with slow orchestrators", () => {
  it("sends the segment on at the timeout, and takes the first result", async () => {
    const { broadcast, submit, uriOf } = await startBroadcast("slow-one");
    try {
      await submit(0); // a first transcode may itself run past the timeout on a busy machine: whoever serves now
      const [slow] = broadcast.serving;
      // The other one: a warm standby, or slow itself if segment 0 was late there.
      const [other] = [...broadcast.standby, ...broadcast.slow];
      const { thawed } = await freeze(uriOf(slow!), GONE_MS);
      try {
        const result = await submit(1);
        // (Who serves next is not asserted: the other one's first transcode may itself run past the timeout.)
        expect(result).toMatchObject({ orchestrator: other, failedOver: [slow] });
      } finally {
        await thawed;
      }
    } finally {
      broadcast.stop();
    }
  }, 60_000);

  it("opens a fresh standby in place of a slow one, and tries the slow one last (it may be dead)", async () => {
    const { broadcast, submit, uriOf } = await startBroadcast("slow-last", [net.nodeUrl, other.url, third.url]);
    try {
      await submit(0);
      // However segment 0 went, one serves and one (or two) wait: freeze the one serving now, past its deadline.
      const [first] = broadcast.serving;
      const { thawed } = await freeze(uriOf(first!), GONE_MS * 2);
      try {
        const one = await submit(1);
        expect(one.orchestrator).not.toBe(first);
        expect(broadcast.slow).toContain(first);
        // The third candidate is opened as a warm standby although the frozen one is still open.
        await waitFor("a fresh standby", async () => (broadcast.standby.length === 1 && broadcast.sessions.length === 3 ? true : undefined), 20_000);
        const [fresh] = broadcast.standby;
        expect(fresh).not.toBe(first);
        // Now the serving one is frozen too: the segment goes to the fresh standby, not back to the frozen one.
        const [second] = broadcast.serving;
        const frozen = await freeze(uriOf(second!), GONE_MS);
        try {
          const two = await submit(2);
          expect(two.orchestrator).toBe(fresh);
        } finally {
          await frozen.thawed;
        }
      } finally {
        await thawed;
      }
    } finally {
      broadcast.stop();
    }
  }, 90_000);

  it("hedges one slow segment at a time: the next slow one goes on only when the first is back", async () => {
    const { broadcast, submit, uriOf, ticketsSent } = await startBroadcast("slow-budget");
    try {
      await submit(0);
      const [gone] = broadcast.serving;
      const [other] = [...broadcast.standby, ...broadcast.slow];
      // Both segments go to the frozen one and turn slow together; the other is frozen a while too, so that the
      // first hedge cannot come back before BUSY_MS.
      const started = performance.now();
      const frozen = await Promise.all([freeze(uriOf(gone!), GONE_MS), freeze(uriOf(other!), BUSY_MS)]);
      try {
        const [one, two] = await Promise.all([submit(1), submit(2)]);
        expect([one.orchestrator, two.orchestrator]).toEqual([other, other]);
        const paidTo = (seq: number) => ticketsSent.find((t) => t.sequenceNumber === seq && t.orchestrator === other)!.at - started;
        // Whichever turned slow first was hedged at the timeout, while the other was still frozen; the second waited
        // for the slot, which the first freed when it came back, after the thaw. (Without the budget both went at
        // the timeout.)
        const [hedgedAtOnce, waited] = [paidTo(1), paidTo(2)].sort((a, b) => a - b);
        expect(hedgedAtOnce).toBeLessThan(BUSY_MS);
        expect(waited).toBeGreaterThanOrEqual(BUSY_MS);
      } finally {
        await Promise.all(frozen.map((f) => f.thawed));
      }
    } finally {
      broadcast.stop();
    }
  }, 60_000);

  it("brings a segment back late, not lost, when every orchestrator is slower than the timeout", async () => {
    const { broadcast, submit, ticketsSent } = await startBroadcast("slow-all");
    try {
      await submit(0);
      const started = performance.now();
      const frozen = await Promise.all([freeze(net.nodeUrl, SLOW_MS), freeze(other.url, SLOW_MS)]);
      const result = await submit(1);
      // Nothing can answer before the thaw, so both timeouts had passed: the old broadcaster gave up there.
      expect(performance.now() - started).toBeGreaterThan(TIMEOUT_MS * 2);
      expect(result.sequenceNumber).toBe(1);
      expect(result.renditions.map((r) => r.name)).toEqual(["360p"]);
      // Both were paid for it, and the tab knows both payments: the one whose result lost may still redeem a winner,
      // and the page counts it against segment 1 (onTicketsSent), not nowhere.
      const paidFor1 = ticketsSent.filter((t) => t.sequenceNumber === 1);
      expect(new Set(paidFor1.map((t) => t.orchestrator)).size).toBe(2);
      expect(paidFor1.every((t) => t.senderNonces.length > 0)).toBe(true);
      await Promise.all(frozen.map((f) => f.thawed));
    } finally {
      broadcast.stop();
    }
  }, 60_000);
});
