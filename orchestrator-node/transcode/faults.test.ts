// Each injected fault, with real ffmpeg on a real clip, really produces what it says (checked with ffprobe).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeSegmentedClip } from "../../tests/media/make-clip.ts";
import type { Transcode } from "../session/broadcast-session.ts";
import { assertFaultAllowed, FaultInjectionRefused, StaleRenditions, withFault, wrongResolutionLadder } from "./faults.ts";
import { probeMedia, type MediaInfo } from "./ffprobe.ts";
import type { Rendition } from "./ladder.ts";
import { runProcess } from "./run-process.ts";
import { transcodeSegment } from "./transcode.ts";

const LADDER: Rendition[] = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];
const honest: Transcode = (_streamId, segment, ladder) => transcodeSegment(segment, ladder, { encoder: "libx264" });

let segments: Uint8Array[];
let dir: string;
beforeAll(async () => {
  segments = await makeSegmentedClip({ count: 2, width: 640, height: 360 });
  dir = await mkdtemp(join(tmpdir(), "streamflow-faults-"));
}, 60_000);

let written = 0;
async function probe(bytes: Uint8Array): Promise<MediaInfo & { path: string }> {
  const path = join(dir, `r${written++}.mp4`);
  await writeFile(path, bytes);
  return { ...(await probeMedia(path)), path };
}

/** The brightest luma sample of each frame. */
async function maxLumaPerFrame(path: string): Promise<number[]> {
  const { stdout } = await runProcess(
    "ffprobe",
    ["-v", "error", "-f", "lavfi", "-i", `movie=${path},signalstats`, "-show_entries", "frame_tags=lavfi.signalstats.YMAX", "-of", "csv=p=0"],
    30_000,
  );
  return stdout.trim().split("\n").map(Number);
}

describe("fault injection", () => {
  it("is refused anywhere but the local chain, with a named error that says what to do", () => {
    expect(() => assertFaultAllowed("stale", 31337)).not.toThrow();
    expect(() => assertFaultAllowed(undefined, 42161)).not.toThrow();
    const refusal = (() => {
      try {
        assertFaultAllowed("black-frames", 42161);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(FaultInjectionRefused);
    expect(refusal).toMatchObject({ name: "FaultInjectionRefused", fault: "black-frames", chainId: 42161 });
    expect((refusal as Error).message).toMatch(/local chain \(31337\) only; this is chain 42161/);
    expect((refusal as FaultInjectionRefused).nextStep).toMatch(/remove --fault/);
  });

  it("wrong-resolution: encodes each rendition at half its size (even, ≥ 16) under the name asked for", async () => {
    expect(wrongResolutionLadder([{ name: "a", width: 426, height: 240, bitrateKbps: 400 }, { name: "b", width: 20, height: 16, bitrateKbps: 100 }])).toEqual([
      { name: "a", width: 212, height: 120, bitrateKbps: 400 },
      { name: "b", width: 16, height: 16, bitrateKbps: 100 },
    ]);
    const result = await withFault(honest, "wrong-resolution")("s", segments[0]!, LADDER);
    expect(result.renditions.map((r) => r.rendition)).toEqual(LADDER);
    const info = await Promise.all(result.renditions.map((r) => probe(r.bytes)));
    expect(info.map((i) => [i.video.width, i.video.height])).toEqual([[320, 180], [212, 120]]);
    expect(info.map((i) => i.video.frameCount)).toEqual([60, 60]);
  }, 60_000);

  it("black-frames: every frame black, at the asked size and frame count", async () => {
    const result = await withFault(honest, "black-frames")("s", segments[0]!, LADDER);
    for (const [i, r] of result.renditions.entries()) {
      const info = await probe(r.bytes);
      expect(r.rendition).toEqual(LADDER[i]);
      expect(info).toMatchObject({ video: { codec: "h264", width: LADDER[i]!.width, height: LADDER[i]!.height, frameCount: 60 } });
      expect(info.formatName).toContain("mp4");
      const maxLuma = await maxLumaPerFrame(info.path);
      expect(maxLuma).toHaveLength(60);
      expect(Math.max(...maxLuma)).toBeLessThanOrEqual(20); // limited-range black is 16
    }
    const honestInfo = await probe((await honest("s", segments[0]!, LADDER)).renditions[0]!.bytes);
    expect(Math.max(...(await maxLumaPerFrame(honestInfo.path)))).toBeGreaterThan(200);
  }, 60_000);

  it("truncated: only the first half of the frames, still at the asked size", async () => {
    const result = await withFault(honest, "truncated")("s", segments[0]!, LADDER);
    for (const [i, r] of result.renditions.entries()) {
      const info = await probe(r.bytes);
      expect(info.video).toMatchObject({ width: LADDER[i]!.width, height: LADDER[i]!.height, frameCount: 30 });
      expect(info.durationMs).toBeLessThan(1100);
    }
  }, 60_000);

  it("stale: answers each segment with the previous segment's renditions, per stream", async () => {
    // A transcode that returns the segment itself, so that which segment came back is plain to see.
    const echo: Transcode = async (_streamId, segment, ladder) => ({ renditions: ladder.map((rendition) => ({ rendition, bytes: segment })), transcodeMs: 1 });
    const stale = withFault(echo, "stale");
    const [s0, s1, s2] = [new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])];
    // The first segment of a stream has nothing older: it goes out as it is.
    expect((await stale("a", s0, LADDER)).renditions.map((r) => r.bytes)).toEqual([s0, s0]);
    expect((await stale("a", s1, LADDER)).renditions.map((r) => [r.rendition.name, r.bytes])).toEqual([["360p", s0], ["240p", s0]]);
    expect((await stale("b", s2, LADDER)).renditions[0]!.bytes).toEqual(s2);
    expect((await stale("a", s2, LADDER)).renditions[0]!.bytes).toEqual(s1);
  });

  it("stale: keeps the last renditions of a bounded number of streams", () => {
    const r = (n: number) => [{ rendition: LADDER[0]!, bytes: new Uint8Array([n]) }];
    const stale = new StaleRenditions(2);
    stale.swap("a", r(1));
    stale.swap("b", r(2));
    stale.swap("c", r(3)); // "a" is forgotten
    expect(stale.swap("a", r(4))).toEqual(r(4));
    expect(stale.swap("c", r(5))).toEqual(r(3));
  });
});
