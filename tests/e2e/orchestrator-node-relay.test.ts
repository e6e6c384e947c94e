// After a failover, the broadcaster relays the last segments the orchestrator that went away had made, so that a
// viewer a segment or two behind finds them at the one that took over. Here against a real node on a real chain:
// segments 0 and 1 were transcoded (real ffmpeg) and signed by another orchestrator; segment 2 is the one that failed
// over, paid and transcoded by this node through the tab's own OrchestratorSession; a viewer following the stream
// then plays 0, 1, 2 with nothing missing. Then the whole of it through the tab's Broadcast: two real nodes, the
// serving one stopped between segments (nothing in flight, so no segment fails over), and the stream's last segments
// are at the one that took over after its first result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { Broadcast } from "../../src/lib/broadcaster/broadcast.ts";
import { OrchestratorSession } from "../../src/lib/broadcaster/orchestrator-session.ts";
import type { RelayableResult } from "../../src/lib/broadcaster/relay.ts";
import type { JobRequest } from "../../src/lib/protocol/messages.ts";
import { contentHash, ladderHash, signReceipt } from "../../src/lib/protocol/receipt.ts";
import { StreamFollower } from "../../src/lib/watch/stream-follower.ts";
import type { LadderSegment } from "../../src/lib/playback/live-player.ts";
import { transcodeSegment } from "../../orchestrator-node/transcode/transcode.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startExtraNode, type ExtraNode } from "../reliability/lib/attack-nodes.ts";
import { streamJob } from "../reliability/lib/crash-failover.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { createPeer, quoteFrom } from "./tab-broadcaster-parts.ts";

let net: E2eNetwork;
/** A second seeded orchestrator (dev account #2) on the same chain, for the Broadcast case. */
let first: ExtraNode;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 18660, nodePort: 18965, devAccount: 3, nodeSettings: {} });
  first = await startExtraNode(net, { port: 18966, devAccount: 2, settings: {} });
}, 240_000);

afterAll(async () => {
  await Promise.all([first?.stop(), net?.stopNode()]);
  await stopAll();
});

/** Plays a published stream from `uris` as the watch page does, until `count` segments; returns them. */
async function watch(streamId: string, uris: string[], count: number): Promise<LadderSegment[]> {
  const played: LadderSegment[] = [];
  const follower = new StreamFollower({ streamId, orchestratorUris: uris, startBehind: 10, pollMs: 200, onSegment: (s) => void played.push(s) });
  follower.start();
  try {
    await waitFor(`a viewer to play ${count} segments`, async () => (played.length >= count ? true : undefined), 15_000, net.nodeLog);
  } finally {
    follower.stop();
  }
  return played;
}

/** The orchestrator that served the stream before the failover: a key of its own and real ffmpeg renditions. */
const gone = privateKeyToAccount(generatePrivateKey());

async function transcodedElsewhere(job: JobRequest, sequenceNumber: number, bytes: Uint8Array): Promise<RelayableResult> {
  const { renditions } = await transcodeSegment(bytes, job.output, { encoder: "libx264" });
  const receipt = await signReceipt(gone, {
    streamId: job.streamId, sequenceNumber, inputHash: contentHash(bytes), jobHash: ladderHash(job.output),
    outputs: renditions.map((r) => ({ rendition: r.rendition.name, hash: contentHash(r.bytes) })), orchestrator: gone.address, round: 1n,
  });
  return {
    result: { sequenceNumber, orchestrator: gone.address, receipt, renditions: renditions.map((r) => ({ ...r.rendition, bytes: r.bytes })) },
    durationMs: 2000,
  };
}

describe("relayed segments on a real node", () => {
  it("puts the segments the broadcaster relays after a failover in the public window, so a viewer behind live misses none", async () => {
    const account = await net.fundedBroadcaster();
    const job: JobRequest = { ...streamJob(account.address, "relayed"), publish: true };
    const segments = await makeSegmentedClip({ count: 4 });
    const before = await Promise.all([0, 1].map((n) => transcodedElsewhere(job, n, segments[n]!)));

    // The tab's own session class, over a real data channel to the real node.
    const quote = await quoteFrom(net.nodeUrl, job);
    const session = await OrchestratorSession.open({ uri: net.nodeUrl, job, quote, account, createPeer });
    const segment = (n: number) => ({ sequenceNumber: n, bytes: segments[n]!, durationMs: 2000, format: "mp4" as const });
    // The failed-over segment first, as Broadcast sends it; then what the viewer may not have fetched yet.
    const result = await session.transcode(segment(2), 30_000);
    for (const entry of before) await session.relay(entry);
    // A relay of a segment this node made itself is taken but changes nothing.
    await session.relay(await transcodedElsewhere(job, 2, segments[0]!)); // other bytes than the node's segment 2
    // A forged relay (segment 1's receipt on segment 3) is refused by name, and the refusal, which names segment 3,
    // does not pass for the answer to segment 3 itself, sent right after it.
    void session.relay({ ...before[1]!, result: { ...before[1]!.result, sequenceNumber: 3 } });
    const redone = await session.transcode(segment(3), 30_000);
    expect(redone.sequenceNumber).toBe(3);
    expect(net.nodeLog()).toContain("relayed segment refused");
    session.close();

    const played = await watch(job.streamId, [net.nodeUrl], 3);
    expect(played.slice(0, 3).map((s) => [s.sequenceNumber, s.startMs])).toEqual([[0, 0], [1, 2000], [2, 4000]]);
    expect(played[0]!.renditions.get("360p")).toEqual(before[0]!.result.renditions[0]!.bytes);
    expect(played[1]!.renditions.get("360p")).toEqual(before[1]!.result.renditions[0]!.bytes);
    // Segment 2 is the node's own rendition, which the broadcaster got in its result, not the relayed copy.
    expect(played[2]!.renditions.get("360p")).toEqual(result.renditions[0]!.bytes);
    expect(await net.metrics()).toMatch(/^streamflow_relayed_segments_total 3$/m);
  }, 120_000);

  it("through Broadcast: the orchestrator that takes over between segments gets the last ones after its first result", async () => {
    const account = await net.fundedBroadcaster();
    const job: JobRequest = { ...streamJob(account.address, "takeover"), publish: true };
    const relayedSoFar = async () => Number((await net.metrics()).match(/^streamflow_relayed_segments_total (\d+)$/m)?.[1] ?? 0);
    const relayedBefore = await relayedSoFar();
    const [firstQuote, nextQuote] = await Promise.all([quoteFrom(first.url, job), quoteFrom(net.nodeUrl, job)]);
    const uris = new Map([[firstQuote.orchestrator, first.url], [nextQuote.orchestrator, net.nodeUrl]]);
    const broadcast = await Broadcast.start({
      job, account, createPeer, redundancy: 1, standby: 1, segmentTimeoutMs: 20_000,
      candidates: [firstQuote, nextQuote].map((q) => ({ address: q.orchestrator, uri: uris.get(q.orchestrator)!, quote: q })),
      requestQuote: (c) => quoteFrom(c.uri, job),
    });
    try {
      await waitFor("a warm standby", async () => (broadcast.standby.length === 1 ? true : undefined), 20_000);
      const segments = await makeSegmentedClip({ count: 3 });
      const submit = (n: number) => broadcast.submit({ sequenceNumber: n, bytes: segments[n]!, durationMs: 2000, format: "mp4" });
      for (const n of [0, 1]) expect((await submit(n)).orchestrator).toBe(firstQuote.orchestrator);

      await first.stop(); // between segments: its channel closes and the standby takes over, with nothing to fail over
      await waitFor("the standby serving", async () => (broadcast.serving[0] === nextQuote.orchestrator ? true : undefined), 20_000);
      const after = await submit(2);
      expect(after).toMatchObject({ orchestrator: nextQuote.orchestrator, failedOver: [] });

      await waitFor("the 2 relays taken", async () => ((await relayedSoFar()) === relayedBefore + 2 ? true : undefined), 10_000, () => `${relayedBefore} ${net.nodeLog().split("\n").filter((l) => /relay|takeover/.test(l)).join("\n")}`);
      const played = await watch(job.streamId, [first.url, net.nodeUrl], 3);
      expect(played.map((s) => s.sequenceNumber)).toEqual([0, 1, 2]);
    } finally {
      broadcast.stop();
    }
  }, 120_000);
});
