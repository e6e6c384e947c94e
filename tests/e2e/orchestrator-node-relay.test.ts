// After a failover, the broadcaster relays the last segments the orchestrator that went away had made, so that a
// viewer a segment or two behind finds them at the one that took over. Here against a real node on a real chain:
// segments 0 and 1 were transcoded (real ffmpeg) and signed by another orchestrator; segment 2 is the one that failed
// over, paid and transcoded by this node; a viewer following the stream then plays 0, 1, 2 with nothing missing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { relayedSegmentOf, type RelayableResult } from "../../src/lib/broadcaster/relay.ts";
import type { JobRequest } from "../../src/lib/protocol/messages.ts";
import { contentHash, ladderHash, signReceipt } from "../../src/lib/protocol/receipt.ts";
import { StreamFollower } from "../../src/lib/watch/stream-follower.ts";
import type { LadderSegment } from "../../src/lib/playback/live-player.ts";
import { transcodeSegment } from "../../orchestrator-node/transcode/transcode.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { NodeBroadcaster } from "./node-broadcaster.ts";

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
    const segments = await makeSegmentedClip({ count: 3 });
    const before = await Promise.all([0, 1].map((n) => transcodedElsewhere(job, n, segments[n]!)));

    const broadcaster = new NodeBroadcaster(account, net.nodeUrl);
    await broadcaster.quote(job);
    await broadcaster.open(job);
    // The failed-over segment first, as the broadcaster sends it; then what the viewer may not have fetched yet.
    const reply = await broadcaster.sendSegment(job.streamId, 2, segments[2]!, 2000);
    expect(reply.message.type).toBe("result");
    for (const entry of before) {
      const { message, payload } = relayedSegmentOf(entry);
      await broadcaster.sendRelayed(message, payload);
    }
    // A relay of a segment this node made itself is taken but changes nothing; a forged one is refused by name.
    const own = await transcodedElsewhere(job, 2, segments[0]!); // other bytes than the node's segment 2
    await broadcaster.sendRelayed(relayedSegmentOf(own).message, relayedSegmentOf(own).payload);
    const forged = relayedSegmentOf(before[1]!);
    await broadcaster.sendRelayed({ ...forged.message, sequenceNumber: 5 }, forged.payload);
    const refusal = await waitFor("the forged relay's refusal", async () => broadcaster.received.find((r) => r.message.type === "error"), 10_000, net.nodeLog);
    expect(refusal.message).toMatchObject({ type: "error", sequenceNumber: 5, error: { name: "InvalidMessage", data: { field: "receipt.sig" } } });

    const played: LadderSegment[] = [];
    const follower = new StreamFollower({ streamId: job.streamId, orchestratorUris: [net.nodeUrl], startBehind: 10, pollMs: 200, onSegment: (s) => void played.push(s) });
    follower.start();
    try {
      await waitFor("the viewer to play segments 0 to 2", async () => (played.length >= 3 ? true : undefined), 15_000, net.nodeLog);
    } finally {
      follower.stop();
    }
    expect(played.map((s) => [s.sequenceNumber, s.startMs])).toEqual([[0, 0], [1, 2000], [2, 4000]]);
    expect(played[0]!.renditions.get("360p")).toEqual(before[0]!.result.renditions[0]!.bytes);
    expect(played[1]!.renditions.get("360p")).toEqual(before[1]!.result.renditions[0]!.bytes);
    // Segment 2 is the node's own rendition, which the broadcaster got in its result, not the relayed copy.
    expect(contentHash(played[2]!.renditions.get("360p")!)).toBe(reply.message.type === "result" ? reply.message.renditions[0]!.contentHash : "");
    expect(await net.metrics()).toMatch(/^streamflow_relayed_segments_total 3$/m);
    broadcaster.close();
  }, 120_000);
});
