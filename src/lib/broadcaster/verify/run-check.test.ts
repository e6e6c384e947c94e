// The staged spot check end to end on native ffmpeg (the command lines ffmpeg.wasm runs in the browser): honest
// renditions made with the orchestrator's own arguments pass, each kind of fault fails with its named check. Small
// frames keep it quick; tests/browser/spot-check.spec.ts runs the same at 720p in ffmpeg.wasm.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeFfmpegRunner } from "./native-runner.ts";
import { runSpotCheck } from "./run-check.ts";
import { makeFault, makeSources, mediaDir, transcodeHonest, type TestRendition } from "./test-media.ts";
import type { LadderRendition } from "./types.ts";

const SOURCE_SIZE = "640x360";
const LADDER: LadderRendition[] = [
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
  { name: "180p", width: 320, height: 180, bitrateKbps: 250 },
];

let media: Awaited<ReturnType<typeof mediaDir>>;
let work: string;
let sources: Uint8Array[];
let honest: TestRendition[][];
let noisy: Uint8Array;
let noisyHonest: TestRendition[];

beforeAll(async () => {
  media = await mediaDir();
  work = join(media.dir, "runner");
  await mkdir(work);
  sources = await makeSources(media.dir, "testsrc2", 2, true, SOURCE_SIZE);
  honest = await Promise.all(sources.map((s) => transcodeHonest(media.dir, s, LADDER, true)));
  [noisy] = (await makeSources(media.dir, "noisybars", 1, false, SOURCE_SIZE)) as [Uint8Array];
  noisyHonest = await transcodeHonest(media.dir, noisy, LADDER, false);
}, 120_000);

afterAll(() => media?.dispose());

const check = (source: Uint8Array, renditions: TestRendition[], ladder = LADDER) =>
  runSpotCheck(nativeFfmpegRunner(work), { sequenceNumber: 7, source, ladder, renditions });

/** The honest renditions with the one named replaced. */
const replace = (renditions: TestRendition[], name: string, bytes: Uint8Array) => renditions.map((r) => (r.name === name ? { name, bytes } : r));

describe("runSpotCheck on native ffmpeg", () => {
  it("passes honest renditions of a test pattern on their SSIM, without a reference encode", async () => {
    const result = await check(sources[1]!, honest[1]!);
    expect(result).toMatchObject({ sequenceNumber: 7, outcome: "passed", stage: "metric", failures: [] });
    for (const r of LADDER) expect(result.metric!.perRendition[r.name]).toBeGreaterThan(0.98);
    expect(result.metric!.reference).toBeUndefined();
  }, 60_000);

  it("passes honest renditions of noise, whose low SSIM a reference encode at the same bitrate explains", async () => {
    const result = await check(noisy, noisyHonest);
    expect(result).toMatchObject({ outcome: "passed", stage: "reference", failures: [] });
    for (const r of LADDER) {
      expect(result.metric!.perRendition[r.name]).toBeLessThan(0.95);
      expect(result.metric!.reference![r.name]!.mean).toBeLessThan(0.95);
    }
  }, 60_000);

  it("fails a rendition at the wrong size on resolution and pixel count, before any decoding", async () => {
    const bad = await makeFault(media.dir, "wrong-resolution", sources[0]!, honest[0]![1]!.bytes, LADDER[1]!);
    const result = await check(sources[0]!, replace(honest[0]!, "180p", bad));
    expect(result).toMatchObject({ outcome: "failed", stage: "probe" });
    expect(result.failures).toContainEqual({ check: "resolution", rendition: "180p", expected: "320x180", found: "160x90" });
    expect(result.failures.map((f) => f.check)).toContain("pixelCount");
    expect(result.metric).toBeUndefined();
  }, 60_000);

  it("fails a truncated rendition on frame count and duration", async () => {
    const bad = await makeFault(media.dir, "truncated", sources[0]!, honest[0]![0]!.bytes, LADDER[0]!);
    const result = await check(sources[0]!, replace(honest[0]!, "240p", bad));
    expect(result).toMatchObject({ outcome: "failed", stage: "probe" });
    expect(result.failures.map((f) => `${f.rendition} ${f.check}`)).toEqual(expect.arrayContaining(["240p frameCount", "240p duration"]));
    expect(result.failures.find((f) => f.check === "frameCount")).toMatchObject({ expected: "60 frames", found: "30 frames" });
  }, 60_000);

  it("fails black frames on SSIM, against the reference encode", async () => {
    const bad = await makeFault(media.dir, "black-frames", sources[0]!, honest[0]![1]!.bytes, LADDER[1]!);
    const result = await check(sources[0]!, replace(honest[0]!, "180p", bad));
    expect(result).toMatchObject({ outcome: "failed", stage: "reference" });
    expect(result.failures).toEqual([expect.objectContaining({ check: "ssim", rendition: "180p" })]);
    expect(result.metric!.perRendition["180p"]).toBeLessThan(0.5);
    expect(result.metric!.reference!["180p"]!.mean).toBeGreaterThan(0.95);
  }, 60_000);

  it("fails five black frames in sixty on the worst frame, though the mean stays high", async () => {
    const bad = await makeFault(media.dir, "some-black-frames", sources[0]!, honest[0]![0]!.bytes, LADDER[0]!);
    const result = await check(sources[0]!, replace(honest[0]!, "240p", bad));
    expect(result).toMatchObject({ outcome: "failed", stage: "reference" });
    expect(result.failures).toEqual([expect.objectContaining({ check: "ssim", rendition: "240p" })]);
    expect(result.metric!.worstFrame["240p"]).toBeLessThan(0.5);
  }, 60_000);

  it("fails a stale segment (the renditions of the segment before) on SSIM", async () => {
    const result = await check(sources[1]!, honest[0]!);
    expect(result).toMatchObject({ outcome: "failed", stage: "reference" });
    expect(result.failures.map((f) => `${f.rendition} ${f.check}`).sort()).toEqual(["180p ssim", "240p ssim"]);
  }, 60_000);

  it("fails a missing rendition, and a file that is no video at all", async () => {
    const result = await check(sources[0]!, [honest[0]![0]!, { name: "180p", bytes: new TextEncoder().encode("not a video") }]);
    expect(result.failures).toEqual([expect.objectContaining({ check: "decode", rendition: "180p", found: "a file ffprobe cannot read" })]);
    const missing = await check(sources[0]!, [honest[0]![0]!]);
    expect(missing.failures).toEqual([{ check: "missing", rendition: "180p", expected: "a 320x180 rendition", found: "none" }]);
  }, 60_000);

  it("skips, blaming nobody, when the source itself cannot be read", async () => {
    const result = await check(new Uint8Array(1000), honest[0]!);
    expect(result).toMatchObject({ outcome: "skipped", failures: [] });
    expect(result.reason).toMatch(/source/);
  }, 60_000);
});
