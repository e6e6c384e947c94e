// Issue 9, hostile video: segments that are not what the job announced — not a video, 8K, VP8 or MJPEG instead of
// H.264, truncated, an MP4 whose box sizes lie, zero bytes — each paid for properly and sent to a real node over the
// data channel: each is refused with SegmentFormatDidntMatchJobInputParams (zero bytes: InvalidMessage, the protocol
// has no empty segment), nothing is transcoded, no ticket is spent, and the node goes on serving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { splitIntoFrames } from "../../src/lib/protocol/framing.ts";
import { encodeMessage, type JobRequest, type Message } from "../../src/lib/protocol/messages.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, type E2eNetwork } from "../e2e/e2e-network.ts";
import { NodeBroadcaster } from "../e2e/node-broadcaster.ts";
import { jobFor } from "./lib/attack-job.ts";
import { transcodedSegments } from "./lib/attack-metrics.ts";
import { openRawSession } from "./lib/fuzz-peer.ts";
import { hostileVideos, type HostileVideo } from "./lib/fuzz-videos.ts";

let net: E2eNetwork;
let broadcaster: NodeBroadcaster;
let good: Uint8Array;
let hostile: HostileVideo[];
let job: JobRequest;

const errorOf = (m: Message) => (m.type === "error" ? m.error : undefined);

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19530, nodePort: 19531, devAccount: 1, nodeSettings: { pricePerSegmentWei: "1000000000000" } });
  const account = await net.fundedBroadcaster();
  job = jobFor(account.address, "hostile");
  // Clips first: the chain makes a block a second, and params quoted before a minute of encoding would be stale.
  [good] = (await makeSegmentedClip({ count: 1 })) as [Uint8Array];
  hostile = await hostileVideos(good);
  broadcaster = new NodeBroadcaster(account, net.nodeUrl);
  await broadcaster.quote(job);
  await broadcaster.open(job);
}, 300_000);

afterAll(async () => {
  broadcaster?.close();
  await net?.stopNode();
  await stopAll();
});

describe("hostile video", () => {
  it("refuses every hostile segment with SegmentFormatDidntMatchJobInputParams, transcodes none, and spends no ticket", async () => {
    const before = transcodedSegments(await net.metrics());
    // One payment for all of them: a segment refused for its format leaves its tickets unspent.
    const { payment } = await broadcaster.pay();
    const refusals: string[] = [];
    for (const [seq, video] of hostile.entries()) {
      const message = { ...broadcaster.segmentMessage("hostile", seq, video.bytes, 2000, payment), format: video.format };
      const reply = await broadcaster.sendRaw(message, video.bytes);
      const error = errorOf(reply.message);
      expect(error, `${video.name}: ${encodeMessage(reply.message).slice(0, 300)}`).toMatchObject({ name: "SegmentFormatDidntMatchJobInputParams" });
      refusals.push(`${video.name} (${video.bytes.byteLength} B) → ${(error?.data as { field?: string }).field}`);
    }
    console.log(`hostile-video refusals:\n  ${refusals.join("\n  ")}`);
    expect(transcodedSegments(await net.metrics())).toBe(before);
    // The same payment still pays for a proper segment, and the node still transcodes.
    const ok = await broadcaster.sendRaw(broadcaster.segmentMessage("hostile", hostile.length, good, 2000, payment), good);
    expect(ok.message.type).toBe("result");
    expect((await fetch(`${net.nodeUrl}/healthz`)).status).toBe(200);
  }, 300_000);

  it("refuses a zero-length segment, which the protocol cannot carry, with InvalidMessage", async () => {
    const raw = await openRawSession(net.nodeUrl, { ...job, streamId: "hostile-empty" });
    try {
      const { payment } = await broadcaster.pay();
      const valid = encodeMessage(broadcaster.segmentMessage("hostile-empty", 0, good, 2000, payment));
      const header = valid.replace(`"byteLength":${good.byteLength}`, '"byteLength":0');
      expect(header).not.toBe(valid);
      const reply = await raw.exchange(splitIntoFrames({ messageId: 1, header, payload: new Uint8Array(0) }), 10_000);
      expect(reply && errorOf(reply)).toMatchObject({ name: "InvalidMessage", data: { field: "byteLength" } });
    } finally {
      raw.close();
    }
  }, 60_000);
});
