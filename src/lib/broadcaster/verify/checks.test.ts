// The pure spot checks: probe facts against the job, SSIM thresholds, the reference verdict, and the readers of
// ffprobe's JSON, the ssim filter's stats file and MP4 boxes.
import { describe, expect, it } from "vitest";
import { checkMissing, checkRenditionFacts, DEFAULT_SPOT_CHECK_OPTIONS, judgeAgainstReference, ssimPasses } from "./checks.ts";
import { ssimArgs } from "./ffmpeg-commands.ts";
import { isFragmentedMp4, parseProbeJson, topLevelBoxTypes, type MediaFacts } from "./media-facts.ts";
import { parseSsimStats } from "./ssim-stats.ts";
import { describeSpotCheck } from "./summary.ts";
import type { LadderRendition } from "./types.ts";

const R360: LadderRendition = { name: "360p", width: 640, height: 360, bitrateKbps: 800 };

const source: MediaFacts = {
  formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  fragmented: false,
  video: { codec: "h264", width: 1280, height: 720, frameCount: 60, durationMs: 2000 },
  audioCodec: "opus",
};
const honest: MediaFacts = {
  formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  fragmented: true,
  video: { codec: "h264", width: 640, height: 360, frameCount: 60, durationMs: 2000 },
  audioCodec: "aac",
};
const withVideo = (v: Partial<NonNullable<MediaFacts["video"]>>): MediaFacts => ({ ...honest, video: { ...honest.video!, ...v } });

describe("checkRenditionFacts", () => {
  it("passes a rendition that matches the job and its source", () => {
    expect(checkRenditionFacts(R360, source, honest)).toEqual([]);
  });

  it("names a wrong resolution, with the pixel count it changes", () => {
    expect(checkRenditionFacts(R360, source, withVideo({ width: 426, height: 240 }))).toEqual([
      { check: "resolution", rendition: "360p", expected: "640x360", found: "426x240" },
      { check: "pixelCount", rendition: "360p", expected: "13824000 pixels", found: "6134400 pixels" },
    ]);
  });

  it("names a truncated rendition by its frame count and duration", () => {
    const checks = checkRenditionFacts(R360, source, withVideo({ frameCount: 30, durationMs: 1000 })).map((f) => f.check);
    expect(checks).toEqual(["frameCount", "duration", "pixelCount"]);
  });

  it("allows one frame interval and the tolerance on the duration, not more", () => {
    // 2000 ms over 60 frames: 33.3 ms a frame, + 50 ms.
    expect(checkRenditionFacts(R360, source, withVideo({ durationMs: 2083 }))).toEqual([]);
    expect(checkRenditionFacts(R360, source, withVideo({ durationMs: 1917 }))).toEqual([]);
    expect(checkRenditionFacts(R360, source, withVideo({ durationMs: 2084 }))).toEqual([
      { check: "duration", rendition: "360p", expected: "2000 ms ± 83 ms", found: "2084 ms" },
    ]);
  });

  it("names the wrong container, an unfragmented MP4, another codec and missing audio", () => {
    const failures = checkRenditionFacts(R360, source, { formatName: "matroska,webm", fragmented: false, video: { ...honest.video!, codec: "vp8" }, audioCodec: undefined });
    expect(failures).toEqual([
      { check: "container", rendition: "360p", expected: "fragmented mp4", found: "matroska,webm" },
      { check: "codec", rendition: "360p", expected: "h264", found: "vp8" },
      { check: "audio", rendition: "360p", expected: "aac audio (the source has audio)", found: "no audio" },
    ]);
    expect(checkRenditionFacts(R360, source, { ...honest, fragmented: false })).toEqual([
      { check: "container", rendition: "360p", expected: "fragmented mp4", found: "mp4 without fragments" },
    ]);
  });

  it("asks for no audio when the source has none", () => {
    expect(checkRenditionFacts(R360, { ...source, audioCodec: undefined }, { ...honest, audioCodec: undefined })).toEqual([]);
  });

  it("names a file that ffprobe cannot read, or that has no video, as not decoding, and nothing else", () => {
    expect(checkRenditionFacts(R360, source, { formatName: "", fragmented: false, video: undefined, audioCodec: undefined })).toEqual([
      { check: "decode", rendition: "360p", expected: "a fragmented MP4 with an H.264 video stream", found: "a file ffprobe cannot read" },
    ]);
    expect(checkRenditionFacts(R360, source, { ...honest, video: undefined }).map((f) => f.check)).toEqual(["decode"]);
  });
});

describe("checkMissing", () => {
  it("names every ladder rendition that did not come back", () => {
    const ladder = [R360, { name: "240p", width: 426, height: 240, bitrateKbps: 400 }];
    expect(checkMissing(ladder, ["360p", "extra"])).toEqual([{ check: "missing", rendition: "240p", expected: "a 426x240 rendition", found: "none" }]);
  });
});

describe("SSIM verdicts", () => {
  it("passes on the first metric only when both the mean and the worst frame clear their thresholds", () => {
    expect(ssimPasses({ mean: 0.99, worstFrame: 0.98, frames: 60 })).toBe(true);
    expect(ssimPasses({ mean: 0.94, worstFrame: 0.93, frames: 60 })).toBe(false);
    expect(ssimPasses({ mean: 0.97, worstFrame: 0.2, frames: 60 })).toBe(false);
    expect(DEFAULT_SPOT_CHECK_OPTIONS).toMatchObject({ ssimThreshold: 0.95, frameSsimThreshold: 0.9, referenceMargin: 0.05 });
  });

  it("passes a low score that the reference encode at the same bitrate shares", () => {
    expect(judgeAgainstReference(R360, { mean: 0.8, worstFrame: 0.77, frames: 60 }, { mean: 0.81, worstFrame: 0.78, frames: 60 })).toBeUndefined();
    expect(judgeAgainstReference(R360, { mean: 0.77, worstFrame: 0.74, frames: 60 }, { mean: 0.81, worstFrame: 0.78, frames: 60 })).toBeUndefined();
  });

  it("fails a score well below the reference, on the mean or on the worst frame", () => {
    const failure = judgeAgainstReference(R360, { mean: 0.41, worstFrame: 0.3, frames: 60 }, { mean: 0.99, worstFrame: 0.98, frames: 60 });
    expect(failure).toEqual({
      check: "ssim",
      rendition: "360p",
      expected: "SSIM ≥ 0.940 (worst frame ≥ 0.930): a libx264 encode at 800 kbps scores 0.990 (0.980), less 0.05",
      found: "SSIM 0.410 (worst frame 0.300)",
    });
    expect(judgeAgainstReference(R360, { mean: 0.96, worstFrame: 0.1, frames: 60 }, { mean: 0.99, worstFrame: 0.98, frames: 60 })?.check).toBe("ssim");
  });
});

describe("readers", () => {
  it("reads ffprobe's JSON: format, codecs, size, and frames and duration from the video packets", () => {
    const json = JSON.stringify({
      packets: [
        { stream_index: 1, pts: 0, duration: 960 },
        { stream_index: 0, pts: 0, dts: 0, duration: 512 },
        { stream_index: 0, pts: 1024, dts: 512, duration: 512 },
        { stream_index: 0, pts: 512, dts: 1024, duration: 512 },
      ],
      streams: [
        { index: 0, codec_name: "h264", codec_type: "video", width: 640, height: 360, time_base: "1/15360" },
        { index: 1, codec_name: "aac", codec_type: "audio", time_base: "1/48000" },
      ],
      format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2" },
    });
    const facts = parseProbeJson(json, new Uint8Array());
    expect(facts).toMatchObject({ formatName: "mov,mp4,m4a,3gp,3g2,mj2", audioCodec: "aac", video: { codec: "h264", width: 640, height: 360, frameCount: 3 } });
    expect(facts.video!.durationMs).toBeCloseTo((1536 / 15360) * 1000, 6);
  });

  it("reads text that is not ffprobe's JSON as an unreadable file", () => {
    expect(parseProbeJson("", new Uint8Array())).toEqual({ formatName: "", fragmented: false, video: undefined, audioCodec: undefined });
  });

  it("tells a fragmented MP4 from a plain one by its top-level boxes", () => {
    const box = (type: string, size = 8) => {
      const b = new Uint8Array(size);
      new DataView(b.buffer).setUint32(0, size);
      b.set(new TextEncoder().encode(type), 4);
      return b;
    };
    const file = (...boxes: Uint8Array[]) => new Uint8Array(boxes.flatMap((b) => [...b]));
    expect(topLevelBoxTypes(file(box("ftyp", 16), box("moov", 24), box("moof"), box("mdat", 12)))).toEqual(["ftyp", "moov", "moof", "mdat"]);
    expect(isFragmentedMp4(file(box("ftyp"), box("moov"), box("moof"), box("mdat")))).toBe(true);
    expect(isFragmentedMp4(file(box("ftyp"), box("mdat"), box("moov")))).toBe(false);
    // A box that claims more bytes than the file has ends the scan.
    expect(topLevelBoxTypes(file(box("ftyp"), box("moov", 8), new Uint8Array([0, 0, 0, 99, 109, 111, 111, 102])))).toEqual(["ftyp", "moov"]);
  });

  it("reads the ssim filter's stats file: the mean and the worst frame", () => {
    const stats = "n:1 Y:0.99 U:0.98 V:0.97 All:0.990000 (20.0)\nn:2 Y:0.5 U:0.5 V:0.5 All:0.500000 (3.0)\nn:3 Y:1 U:1 V:1 All:1.000000 (inf)\n";
    expect(parseSsimStats(stats)).toEqual({ mean: (0.99 + 0.5 + 1) / 3, worstFrame: 0.5, frames: 3 });
    expect(parseSsimStats("")).toBeUndefined();
  });
});

describe("command lines and summaries", () => {
  it("compares every rendition with one decode of the source, scaled with the orchestrator's scaler", () => {
    const args = ssimArgs("source.mp4", [
      { path: "a.mp4", width: 854, height: 480, statsPath: "a.log" },
      { path: "b.mp4", width: 640, height: 360, statsPath: "b.log" },
    ]);
    const graph = args[args.indexOf("-filter_complex") + 1]!;
    expect(graph).toContain("[0:v]setpts=N/(30*TB),split=2[s0][s1]");
    expect(graph).toContain("[s1]scale=640:360:flags=bicubic,format=yuv420p[a1]");
    expect(graph).toContain("[b1][a1]ssim=stats_file=b.log[o1]");
    expect(args.filter((a) => a === "-i")).toHaveLength(3);
  });

  it("says in one line what a check found", () => {
    const base = { sequenceNumber: 3, failures: [], timeMs: 1460, queuedMs: 0 };
    expect(describeSpotCheck({ ...base, outcome: "passed", stage: "metric", metric: { name: "ssim", perRendition: { "360p": 0.9964 }, worstFrame: { "360p": 0.99 } } })).toBe(
      "passed in 1.5 s (SSIM 360p 0.996)",
    );
    expect(describeSpotCheck({ ...base, outcome: "skipped", timeMs: 0, reason: "checker behind" })).toBe("skipped: checker behind");
    expect(
      describeSpotCheck({ ...base, outcome: "failed", failures: [{ check: "resolution", rendition: "360p", expected: "640x360", found: "426x240" }] }),
    ).toBe("failed in 1.5 s: 360p: wrong resolution (expected 640x360, found 426x240)");
  });
});
