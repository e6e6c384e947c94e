// The public window's bounds: per stream, in total bytes, replacement of a re-sent segment, and forgetting after close.
import { afterEach, describe, expect, it, vi } from "vitest";
import { keccak256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { JobRequest, Message, Segment } from "../../src/lib/protocol/messages.ts";
import { publicStreamIndexSchema } from "../../src/lib/protocol/public-stream.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import { silentLogger } from "../log.ts";
import { BroadcastSession } from "./broadcast-session.ts";
import { PublicStreams, type TranscodedSegment } from "./public-streams.ts";

const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BROADCASTER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const LADDER = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];

function job(streamId: string, extra: Partial<JobRequest> = { publish: true }): JobRequest {
  return {
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster: BROADCASTER,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 }, output: LADDER, ...extra,
  };
}

/** A segment whose renditions are `bytesEach` bytes of `fill`, so that which one is stored can be told apart. */
function seg(sequenceNumber: number, bytesEach = 10, fill = 1, durationMs = 2000): TranscodedSegment {
  return {
    sequenceNumber,
    durationMs,
    renditions: LADDER.map((rendition) => ({ rendition, bytes: new Uint8Array(bytesEach).fill(fill) })),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("PublicStreams", () => {
  it("keeps a published stream's segments, every rendition, and indexes them in the wire shape", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const j = job("live");
    store.add(j, seg(0));
    store.add(j, seg(1, 20));
    const index = store.index("live");
    expect(publicStreamIndexSchema.safeParse(index).success).toBe(true);
    expect(index).toEqual({
      v: 1,
      streamId: "live",
      orchestrator: ORCHESTRATOR,
      renditions: [{ name: "360p", width: 640, height: 360 }, { name: "240p", width: 426, height: 240 }],
      segments: [{ sequenceNumber: 0, durationMs: 2000, startMs: 0 }, { sequenceNumber: 1, durationMs: 2000, startMs: 2000 }],
    });
    expect(store.segments("live")[1]?.renditions).toEqual([
      { name: "360p", width: 640, height: 360, byteLength: 20 },
      { name: "240p", width: 426, height: 240, byteLength: 20 },
    ]);
    expect(store.segment("live", "240p", 1)?.byteLength).toBe(20);
    expect(store.segment("live", "720p", 1)).toBeUndefined();
    expect(store.segment("live", "240p", 2)).toBeUndefined();
    expect(store.totalBytes).toBe(2 * 10 + 2 * 20);
  });

  it("keeps nothing of a stream that did not ask to be published", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    store.add(job("private", {}), seg(0));
    store.add(job("private2", { publish: false }), seg(0));
    expect(store.index("private")).toBeUndefined();
    expect(store.index("private2")).toBeUndefined();
    expect(store.totalBytes).toBe(0);
  });

  it("keeps the last N segments of a stream, and ignores one older than all of them", () => {
    const bytes: number[] = [];
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR, windowSegments: 3, onBytes: (n) => bytes.push(n) });
    const j = job("s");
    for (let i = 0; i < 6; i++) store.add(j, seg(i));
    expect(store.segments("s").map((s) => s.sequenceNumber)).toEqual([3, 4, 5]);
    store.add(j, seg(1));
    expect(store.segments("s").map((s) => s.sequenceNumber)).toEqual([3, 4, 5]);
    expect(store.totalBytes).toBe(3 * 20);
    expect(bytes.at(-1)).toBe(3 * 20);
  });

  it("replaces a segment sent again with the same sequence number", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const j = job("s");
    store.add(j, seg(4, 10, 1));
    store.add(j, seg(4, 30, 7, 1900));
    expect(store.segments("s")).toHaveLength(1);
    expect(store.segments("s")[0]).toMatchObject({ sequenceNumber: 4, durationMs: 1900 });
    expect([...store.segment("s", "360p", 4)!]).toEqual(new Array(30).fill(7));
    expect(store.totalBytes).toBe(2 * 30);
  });

  it("fills a gap with a segment relayed from another orchestrator, but never replaces one made here", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const j = job("s");
    store.add(j, seg(4, 10, 1));
    store.add(j, seg(4, 30, 7), { relayed: true });
    store.add(j, seg(3, 20, 5), { relayed: true });
    expect(store.segments("s").map((s) => s.sequenceNumber)).toEqual([3, 4]);
    expect([...store.segment("s", "360p", 4)!]).toEqual(new Array(10).fill(1));
    expect([...store.segment("s", "360p", 3)!]).toEqual(new Array(20).fill(5));
    expect(store.totalBytes).toBe(2 * 10 + 2 * 20);
  });

  it("evicts the oldest segments of any stream once over the byte budget", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR, maxTotalBytes: 100 });
    const a = job("a");
    const b = job("b");
    store.add(a, seg(0)); // 20 bytes each
    store.add(b, seg(0));
    store.add(a, seg(1));
    store.add(b, seg(1));
    store.add(a, seg(2));
    expect(store.totalBytes).toBe(100);
    store.add(b, seg(2));
    store.add(b, seg(3));
    expect(store.totalBytes).toBeLessThanOrEqual(100);
    expect(store.segments("a").map((s) => s.sequenceNumber)).toEqual([1, 2]);
    expect(store.segments("b").map((s) => s.sequenceNumber)).toEqual([1, 2, 3]);
    // A segment larger than the whole budget is not kept, and evicts nothing.
    store.add(a, seg(3, 60));
    expect(store.segments("a").map((s) => s.sequenceNumber)).toEqual([1, 2]);
  });

  it("copies bytes that are a view into a larger buffer, so the window holds only what it counts", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const big = new Uint8Array(1000);
    store.add(job("s"), { sequenceNumber: 0, durationMs: 2000, renditions: LADDER.map((rendition, i) => ({ rendition, bytes: big.subarray(i * 10, i * 10 + 10) })) });
    expect(store.segment("s", "360p", 0)?.buffer.byteLength).toBe(10);
  });

  it("places segments on the stream's timeline when the one before is known, and not otherwise", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const j = job("s");
    store.add(j, seg(5, 10, 1, 2000));
    store.add(j, seg(7, 10, 1, 2000));
    expect(store.segments("s").map((s) => s.startMs)).toEqual([undefined, undefined]);
    store.add(j, seg(0, 10, 1, 1500));
    store.add(j, seg(1, 10, 1, 2000));
    store.add(j, seg(3, 10, 1, 2000));
    store.add(j, seg(2, 10, 1, 2000)); // fills 3 in as well
    expect(store.segments("s").map((s) => [s.sequenceNumber, s.startMs])).toEqual([
      [0, 0], [1, 1500], [2, 3500], [3, 5500], [5, undefined], [7, undefined],
    ]);
    expect(store.index("s")?.segments[4]).toEqual({ sequenceNumber: 5, durationMs: 2000 });
  });

  it("forgets a stream a while after its session closes", () => {
    vi.useFakeTimers();
    const bytes: number[] = [];
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR, forgetAfterCloseMs: 120_000, onBytes: (n) => bytes.push(n) });
    const j = job("s");
    store.add(j, seg(0));
    store.closed(j);
    vi.advanceTimersByTime(119_000);
    expect(store.index("s")).toBeDefined();
    vi.advanceTimersByTime(1_000);
    expect(store.index("s")).toBeUndefined();
    expect(store.totalBytes).toBe(0);
    expect(bytes.at(-1)).toBe(0);
    // A segment of the closed session finishing late does not bring the stream back.
    store.add(j, seg(1));
    expect(store.index("s")).toBeUndefined();
  });

  it("keeps the stream when its broadcaster reconnects before it is forgotten", () => {
    vi.useFakeTimers();
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR, forgetAfterCloseMs: 1_000 });
    const first = job("s");
    store.add(first, seg(0));
    store.closed(first);
    const second = job("s");
    store.add(second, seg(1));
    store.closed(first); // a stale close of the first session changes nothing
    vi.advanceTimersByTime(5_000);
    expect(store.segments("s").map((s) => s.sequenceNumber)).toEqual([0, 1]);
  });

  it("starts afresh when another broadcaster or another ladder takes the streamId over", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const first = job("s");
    store.add(first, seg(0));
    store.closed(first);
    store.add(job("s", { publish: true, broadcaster: ORCHESTRATOR }), seg(5));
    expect(store.segments("s").map((s) => s.sequenceNumber)).toEqual([5]);
    store.add(job("s", { publish: true, broadcaster: ORCHESTRATOR, output: [LADDER[1]!] }), { sequenceNumber: 6, durationMs: 2000, renditions: [{ rendition: LADDER[1]!, bytes: new Uint8Array(3) }] });
    expect(store.index("s")?.renditions).toEqual([{ name: "240p", width: 426, height: 240 }]);
    expect(store.totalBytes).toBe(3);
  });

  it("forgets at once a closed stream that holds nothing, and everything on clear", () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR, maxTotalBytes: 20 });
    const a = job("a");
    store.add(a, seg(0));
    store.closed(a);
    store.add(job("b"), seg(0)); // evicts a's only segment
    expect(store.index("a")).toBeUndefined();
    expect(store.streamCount).toBe(1);
    store.clear();
    expect(store.streamCount).toBe(0);
    expect(store.totalBytes).toBe(0);
  });
});

describe("a BroadcastSession feeds the window through its transcoded event", () => {
  const orchestrator = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

  async function run(transcoded: (job: JobRequest, segment: TranscodedSegment) => void) {
    const j = { ...job("live"), input: { codec: "h264" as const, width: 640, height: 360, fps: 30 } };
    const clip = await makeClip({ width: 640, height: 360 });
    const sent: Message[] = [];
    const session = new BroadcastSession({
      job: j, orchestrator, log: silentLogger,
      payments: { check: async () => ({ commit: async () => ({}) }) },
      // Bytes that tell the renditions apart; the session does not look inside them.
      transcode: async (_s, _bytes, ladder) => ({ renditions: ladder.map((rendition, i) => ({ rendition, bytes: new Uint8Array(5 + i).fill(i) })), transcodeMs: 1 }),
      send: async (message) => void sent.push(message),
      currentRound: async () => 1n,
      events: { segment: () => {}, transcoded },
    });
    const segment = {
      v: 1, type: "segment", streamId: "live", sequenceNumber: 3, durationMs: 2000, format: "mp4", byteLength: clip.bytes.byteLength,
      contentHash: keccak256(clip.bytes), payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] },
    } as Segment;
    await session.handle(segment, clip.bytes);
    return { j, sent };
  }

  it("keeps each rendition of a published stream's result", async () => {
    const store = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const { sent } = await run((j, segment) => store.add(j, segment));
    expect(sent.map((m) => m.type)).toEqual(["result"]);
    expect(store.segments("live")).toEqual([
      { sequenceNumber: 3, durationMs: 2000, renditions: [{ name: "360p", width: 640, height: 360, byteLength: 5 }, { name: "240p", width: 426, height: 240, byteLength: 6 }] },
    ]);
    expect([...store.segment("live", "240p", 3)!]).toEqual([1, 1, 1, 1, 1, 1]);
  }, 30_000);

  it("still answers the broadcaster when handing the segment on throws", async () => {
    const { sent } = await run(() => {
      throw new Error("boom");
    });
    expect(sent.map((m) => m.type)).toEqual(["result"]);
  }, 30_000);
});
