// Issue acceptance, end to end on real parts: a local chain deployed and seeded by the project's scripts, the
// orchestrator node started by its CLI, real ffmpeg, real WebRTC, and a Node broadcaster built from the protocol
// library that streams 10 segments of a real clip, pays with tickets, and sees its winners redeemed on chain.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { stopAll } from "../../scripts/lib/processes.ts";
import { renditionPayloads, signedReceiptOf, type JobRequest, type Result } from "../../src/lib/protocol/messages.ts";
import { recoverReceiptSigner } from "../../src/lib/protocol/receipt.ts";
import { probeMedia } from "../../orchestrator-node/transcode/ffprobe.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { NodeBroadcaster } from "./node-broadcaster.ts";

const ORCHESTRATOR: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // dev account #1, seeded
const DELEGATOR: Address = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"; // dev account #4, bonded to #1 by the seed
/** A price high enough that tickets win often (the face value is sized to gas, the win probability to the price). */
const PRICE_PER_SEGMENT_WEI = 10n ** 16n;
const NODE_PORT = 18935;

let net: E2eNetwork;

beforeAll(async () => {
  net = await startE2eNetwork({
    chainPort: 18630,
    nodePort: NODE_PORT,
    devAccount: 1,
    nodeSettings: { regions: ["eu-west"], pricePerSegmentWei: PRICE_PER_SEGMENT_WEI.toString() },
  });
}, 240_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

describe("orchestrator node, end to end", () => {
  it("transcodes 10 paid segments, and its winning tickets are redeemed with fees for the orchestrator and its delegators", async () => {
    const broadcasterAccount = await net.fundedBroadcaster();
    const feesBefore = { orchestrator: await net.pendingFees(ORCHESTRATOR), delegator: await net.pendingFees(DELEGATOR) };
    const job: JobRequest = {
      v: 1, type: "jobRequest", streamId: "e2e-stream", serviceId: "CPUTranscoding", broadcaster: broadcasterAccount.address,
      input: { codec: "h264", width: 1280, height: 720, fps: 30 },
      output: [
        { name: "480p", width: 854, height: 480, bitrateKbps: 1600 },
        { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
      ],
    };
    const broadcaster = new NodeBroadcaster(broadcasterAccount, net.nodeUrl);
    const quote = await broadcaster.quote(job);
    expect(quote.price).toEqual({ per: "segment", priceWei: PRICE_PER_SEGMENT_WEI });
    await broadcaster.open(job);

    const segments = await makeSegmentedClip({ count: 10 });
    const dir = await mkdtemp(join(tmpdir(), "streamflow-e2e-out-"));
    for (const [i, bytes] of segments.entries()) {
      const { message, payload } = await broadcaster.sendSegment(job.streamId, i, bytes, 2000);
      expect(message, `segment ${i}: ${JSON.stringify(message, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`).toMatchObject({ type: "result", sequenceNumber: i });
      const result = message as Result;
      expect(await recoverReceiptSigner(signedReceiptOf(result))).toBe(ORCHESTRATOR);
      for (const [r, rendition] of renditionPayloads(result, payload).entries()) {
        const path = join(dir, `${i}-${r}.mp4`);
        await writeFile(path, rendition);
        const info = await probeMedia(path);
        const wanted = job.output[r]!;
        expect(info.video).toMatchObject({ width: wanted.width, height: wanted.height, frameCount: 60, codec: "h264" });
        expect(Math.abs(info.durationMs - 2000)).toBeLessThanOrEqual(50);
      }
    }
    broadcaster.close();

    // Winners are redeemed on chain by the node's redeemer; the fees split between the orchestrator and its delegators.
    const fees = await waitFor("redeemed fees in the BondingManager", async () => {
      const orchestrator = await net.pendingFees(ORCHESTRATOR);
      const delegator = await net.pendingFees(DELEGATOR);
      return orchestrator > feesBefore.orchestrator && delegator > feesBefore.delegator ? { orchestrator, delegator } : undefined;
    }, 60_000, net.nodeLog);
    expect(fees.orchestrator).toBeGreaterThan(feesBefore.orchestrator);
    expect(fees.delegator).toBeGreaterThan(feesBefore.delegator);
    const metrics = await net.metrics();
    expect(metrics).toMatch(/streamflow_segments_total\{outcome="transcoded"\} 10/);
    expect(metrics).toMatch(/streamflow_tickets_won_total [1-9]/);
  }, 240_000);
});
