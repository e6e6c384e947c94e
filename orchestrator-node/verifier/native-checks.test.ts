// The verifier's native checks with real ffmpeg: honest renditions pass, each injected fault fails on its own check.
import { beforeAll, describe, expect, it } from "vitest";
import { makeClip, makeSegmentedClip } from "../../tests/media/make-clip.ts";
import { corruptRendition, wrongResolutionLadder } from "../transcode/faults.ts";
import type { Rendition } from "../transcode/ladder.ts";
import { transcodeSegment } from "../transcode/transcode.ts";
import { checkRendition, parseQuality, type NativeVerdict } from "./native-checks.ts";

const R360: Rendition = { name: "360p", width: 640, height: 360, bitrateKbps: 800 };
const R240: Rendition = { name: "240p", width: 426, height: 240, bitrateKbps: 400 };
const encode = async (segment: Uint8Array, ladder: Rendition[]) =>
  (await transcodeSegment(segment, ladder, { encoder: "libx264" })).renditions.map((r) => r.bytes);
const checks = (v: NativeVerdict) => v.failures.map((f) => f.check);

let previous: Uint8Array;
let source: Uint8Array;
let honest360: Uint8Array;
beforeAll(async () => {
  [previous, source] = (await makeSegmentedClip({ count: 2, width: 1280, height: 720 })) as [Uint8Array, Uint8Array];
  [honest360] = (await encode(source, [R360])) as [Uint8Array];
}, 60_000);

describe("checkRendition", () => {
  it("passes honest renditions of a 720p segment", async () => {
    const v360 = await checkRendition(source, R360, honest360);
    expect(v360).toMatchObject({ faulty: false, failures: [] });
    expect(v360.ssim).toBeGreaterThan(0.98);
    const [h240] = await encode(source, [R240]);
    expect(await checkRendition(source, R240, h240!)).toMatchObject({ faulty: false, failures: [] });
  }, 60_000);

  it("passes honest renditions of other clips: 640x360 with audio, MPEG-TS at 25 fps", async () => {
    const withAudio = await makeClip({ width: 640, height: 360, audio: true });
    const [a] = await encode(withAudio.bytes, [R240]);
    expect(await checkRendition(withAudio.bytes, R240, a!)).toMatchObject({ faulty: false, failures: [] });
    const ts = await makeClip({ width: 854, height: 480, fps: 25, format: "mpegts" });
    const [t] = await encode(ts.bytes, [R360]);
    expect(await checkRendition(ts.bytes, R360, t!)).toMatchObject({ faulty: false, failures: [] });
  }, 60_000);

  it("wrong-resolution fails on resolution", async () => {
    const [half] = await encode(source, wrongResolutionLadder([R360]));
    const v = await checkRendition(source, R360, half!);
    expect(v.faulty).toBe(true);
    expect(v.failures).toEqual([{ check: "resolution", expected: "640x360", found: "320x180" }]);
  }, 60_000);

  it("black frames fail on the picture (SSIM, then PSNR against the verifier's own encode)", async () => {
    const v = await checkRendition(source, R360, await corruptRendition("black-frames", honest360, R360));
    expect(v.faulty).toBe(true);
    expect(checks(v)).toEqual(["ssim"]);
    expect(v.ssim).toBeLessThan(0.6);
    expect(v.referencePsnrY! - v.psnrY!).toBeGreaterThan(20);
  }, 60_000);

  it("a truncated rendition fails on frame count (and duration)", async () => {
    const v = await checkRendition(source, R360, await corruptRendition("truncated", honest360, R360));
    expect(v.faulty).toBe(true);
    expect(v.failures[0]).toEqual({ check: "frameCount", expected: "60", found: "30" });
    expect(checks(v)).toEqual(["frameCount", "duration"]);
  }, 60_000);

  it("a stale rendition (the previous segment's) fails on the picture", async () => {
    const [stale] = await encode(previous, [R360]);
    const v = await checkRendition(source, R360, stale!);
    expect(v.faulty).toBe(true);
    expect(checks(v)).toEqual(["ssim"]);
    expect(v.ssim).toBeLessThan(0.95);
  }, 60_000);

  it("a rendition that is not a video fails on decode; a source that is not one blames nobody", async () => {
    const garbage = new Uint8Array(4096).fill(3);
    expect(await checkRendition(source, R360, garbage)).toMatchObject({ faulty: true, failures: [{ check: "decode" }] });
    const v = await checkRendition(garbage, R360, honest360);
    expect(v).toMatchObject({ faulty: false, failures: [] });
    expect(v.undecidable).toMatch(/source does not decode/);
  }, 60_000);
});

describe("parseQuality", () => {
  it("reads ffmpeg's SSIM and PSNR summaries, capping an infinite PSNR", () => {
    const stderr = [
      "[Parsed_ssim_6 @ 0x1] SSIM Y:0.995 (23.0) U:0.99 (20.0) V:0.99 (20.0) All:0.993456 (21.8)",
      "[Parsed_psnr_7 @ 0x2] PSNR y:44.51 u:47.0 v:47.2 average:45.3 min:40.1 max:50.2",
    ].join("\n");
    expect(parseQuality(stderr)).toEqual({ ssim: 0.993456, psnrY: 44.51 });
    expect(parseQuality("SSIM Y:1 All:1.000000 (inf)\nPSNR y:inf u:inf v:inf average:inf").psnrY).toBe(100);
    expect(() => parseQuality("nothing")).toThrow(/no SSIM\/PSNR summary/);
  });
});
