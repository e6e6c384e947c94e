// After a failover, the broadcaster relays the last segments the orchestrator that went away had made, so that a
// viewer a segment or two behind finds them at the one that took over. Here against a real node on a real chain:
// segments 0 and 1 were transcoded (real ffmpeg) and signed by another orchestrator; segment 2 is the one that failed
// over, paid and transcoded by this node through the tab's own OrchestratorSession; a viewer following the stream
// then plays 0, 1, 2 with nothing missing.
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { OrchestratorSession } from "../../src/lib/broadcaster/orchestrator-session.ts";
import type { RelayableResult } from "../../src/lib/broadcaster/relay.ts";
import { decodeMessage, encodeMessage, type JobRequest } from "../../src/lib/protocol/messages.ts";
import { contentHash, ladderHash, signReceipt } from "../../src/lib/protocol/receipt.ts";
import { StreamFollower } from "../../src/lib/watch/stream-follower.ts";
import type { LadderSegment } from "../../src/lib/playback/live-player.ts";
import { transcodeSegment } from "../../orchestrator-node/transcode/transcode.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";

let net: E2eNetwork;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 18660, nodePort: 18965, devAccount: 3, nodeSettings: {} });
}, 240_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

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
    const job: JobRequest = {
      v: 1, type: "jobRequest", streamId: "relayed", serviceId: "CPUTranscoding", broadcaster: account.address,
      input: { codec: "h264", width: 1280, height: 720, fps: 30 },
      output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
      publish: true,
    };
    const segments = await makeSegmentedClip({ count: 4 });
    const before = await Promise.all([0, 1].map((n) => transcodedElsewhere(job, n, segments[n]!)));

    // The tab's own session class, over a real data channel to the real node.
    const quote = decodeMessage(await (await fetch(`${net.nodeUrl}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage(job) })).text());
    if (quote.type !== "quote") throw new Error(`no quote: ${JSON.stringify(quote)}`);
    const session = await OrchestratorSession.open({ uri: net.nodeUrl, job, quote, account, createPeer: (o) => new Peer({ ...o, wrtc }) });
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

    const played: LadderSegment[] = [];
    const follower = new StreamFollower({ streamId: job.streamId, orchestratorUris: [net.nodeUrl], startBehind: 10, pollMs: 200, onSegment: (s) => void played.push(s) });
    follower.start();
    try {
      await waitFor("the viewer to play segments 0 to 2", async () => (played.length >= 3 ? true : undefined), 15_000, net.nodeLog);
    } finally {
      follower.stop();
    }
    expect(played.slice(0, 3).map((s) => [s.sequenceNumber, s.startMs])).toEqual([[0, 0], [1, 2000], [2, 4000]]);
    expect(played[0]!.renditions.get("360p")).toEqual(before[0]!.result.renditions[0]!.bytes);
    expect(played[1]!.renditions.get("360p")).toEqual(before[1]!.result.renditions[0]!.bytes);
    // Segment 2 is the node's own rendition, which the broadcaster got in its result, not the relayed copy.
    expect(played[2]!.renditions.get("360p")).toEqual(result.renditions[0]!.bytes);
    expect(await net.metrics()).toMatch(/^streamflow_relayed_segments_total 3$/m);
  }, 120_000);
});
