// The viewer's follower against orchestrators' public windows served by a fake fetch (its neighbour): segments are
// handed on as soon as any window has them, a late one still comes through while the player would wait for it, and
// only one missing for longer than that is given up.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PROTOCOL_VERSION } from "../protocol/messages.ts";
import { encodePublicStreamIndex, publicSegmentPath, publicStreamIndexPath, type PublicSegment } from "../protocol/public-stream.ts";
import { StreamFollower } from "./stream-follower.ts";

const STREAM = "stream-1";
const A = "http://127.0.0.1:1";
const B = "http://127.0.0.1:2";
const ORCHESTRATOR = "0x70997970c51812dc3a010c7d01b50e20d4cec9b1";
const RENDITIONS = [{ name: "360p", width: 640, height: 360 }];
const POLL_MS = 100;
const WAIT_MS = 1_000;

/** What each orchestrator's window holds now; a missing key is a node that is down. */
let windows: Map<string, PublicSegment[]>;

const fakeFetch = (async (input: string | URL | Request) => {
  const url = new URL(String(input));
  const held = windows.get(url.origin);
  if (!held) throw new TypeError("fetch failed"); // connection refused
  if (url.pathname === publicStreamIndexPath(STREAM)) {
    return new Response(encodePublicStreamIndex({ v: PROTOCOL_VERSION, streamId: STREAM, orchestrator: ORCHESTRATOR, renditions: RENDITIONS, segments: held }));
  }
  const segment = held.find((s) => url.pathname === publicSegmentPath(STREAM, "360p", s.sequenceNumber));
  return segment ? new Response(new Uint8Array([segment.sequenceNumber])) : new Response("not here", { status: 404 });
}) as typeof fetch;

const seg = (sequenceNumber: number, startMs?: number): PublicSegment => ({ sequenceNumber, durationMs: 2000, ...(startMs !== undefined ? { startMs } : {}) });

function follow(uris = [A, B]) {
  const handed: { seq: number; startMs: number; from: string }[] = [];
  const follower = new StreamFollower({
    streamId: STREAM,
    orchestratorUris: uris,
    pollMs: POLL_MS,
    startBehind: 1,
    missingWaitMs: WAIT_MS,
    fetch: fakeFetch,
    now: () => Date.now(),
    onSegment: (s, from) => handed.push({ seq: s.sequenceNumber, startMs: s.startMs, from }),
  });
  follower.start();
  return { follower, handed, seqs: () => handed.map((h) => h.seq) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  windows = new Map();
});
afterEach(() => vi.useRealTimers());

describe("StreamFollower", () => {
  it("hands a later segment on at once, and the one before it when it is published late, at its place in time", async () => {
    windows.set(A, [seg(0, 0), seg(1, 2000)]);
    windows.set(B, []);
    const { follower, handed, seqs } = follow();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seqs()).toEqual([0, 1]);
    // A is killed; segment 3 comes out on B before segment 2 (hedged, still on its way).
    windows.delete(A);
    windows.set(B, [seg(3)]);
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(seqs()).toEqual([0, 1, 3]);
    windows.set(B, [seg(2), seg(3)]);
    await vi.advanceTimersByTimeAsync(WAIT_MS - 4 * POLL_MS);
    follower.stop();
    expect(seqs()).toEqual([0, 1, 3, 2]);
    expect(follower.givenUp).toEqual([]);
    expect(handed.map((h) => [h.seq, h.startMs])).toEqual([[0, 0], [1, 2000], [3, 6000], [2, 4000]]);
    expect(handed.at(-1)!.from).toBe(B);
  });

  it("gives up a segment only after it has been missing, with a later one handed on, for the player's wait", async () => {
    windows.set(A, [seg(0, 0), seg(1, 2000)]);
    const { follower, seqs } = follow([A]);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    windows.set(A, [seg(0, 0), seg(1, 2000), seg(3, 6000)]);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(seqs()).toEqual([0, 1, 3]);
    await vi.advanceTimersByTimeAsync(WAIT_MS - 2 * POLL_MS);
    expect(follower.givenUp).toEqual([]);
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(follower.givenUp).toEqual([2]);
    // Too late now: the player has played on without it.
    windows.set(A, [seg(0, 0), seg(1, 2000), seg(2, 4000), seg(3, 6000), seg(4, 8000)]);
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    follower.stop();
    expect(seqs()).toEqual([0, 1, 3, 4]);
  });

  it("waits for nothing while no later segment is out, however long that takes", async () => {
    windows.set(A, [seg(0, 0)]);
    const { follower, seqs } = follow([A]);
    await vi.advanceTimersByTimeAsync(5 * WAIT_MS);
    windows.set(A, [seg(0, 0), seg(1, 2000)]);
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    follower.stop();
    expect(seqs()).toEqual([0, 1]);
    expect(follower.givenUp).toEqual([]);
  });

  it("places segments no window dates after the nearest one it knows, and reads each orchestrator's newest", async () => {
    windows.set(A, [seg(4, 8000)]);
    windows.set(B, [seg(5), seg(6)]);
    const { follower, handed } = follow();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    follower.stop();
    expect(handed.map((h) => [h.seq, h.startMs, h.from])).toEqual([[5, 10000, B], [6, 12000, B]]);
    expect(Object.fromEntries(follower.lastSeen)).toEqual({ [A]: 4, [B]: 6 });
  });
});
