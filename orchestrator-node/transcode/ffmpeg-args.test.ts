import { describe, expect, it } from "vitest";
import { buildTranscodeArgs, nvencProbeArgs, videoEncoderArgs } from "./ffmpeg-args.ts";
import { LADDER_PRESETS, type Rendition } from "./ladder.ts";

const r480 = LADDER_PRESETS["480p"] as Rendition;
const r360 = LADDER_PRESETS["360p"] as Rendition;
const outputs = [
  { rendition: r480, path: "/tmp/a.mp4" },
  { rendition: r360, path: "/tmp/b.mp4" },
];

function valueAfter(args: string[], flag: string, from = 0): string | undefined {
  const i = args.indexOf(flag, from);
  return i < 0 ? undefined : args[i + 1];
}

describe("buildTranscodeArgs", () => {
  it("decodes once and splits the frames into one scaled branch per rendition", () => {
    const args = buildTranscodeArgs({ inputPath: "/tmp/in", outputs, encoder: "libx264", gopFrames: 60, audio: false });
    expect(valueAfter(args, "-i")).toBe("/tmp/in");
    expect(args.filter((a) => a === "-i")).toHaveLength(1);
    expect(valueAfter(args, "-filter_complex")).toBe(
      "[0:v]split=2[s0][s1];[s0]scale=854:480:flags=bicubic,format=yuv420p[v0];[s1]scale=640:360:flags=bicubic,format=yuv420p[v1]",
    );
    expect(args.filter((a) => a === "-map")).toHaveLength(2);
  });

  it("writes each rendition as fragmented MP4 that MSE can append, keeping every source frame", () => {
    const args = buildTranscodeArgs({ inputPath: "in", outputs, encoder: "libx264", gopFrames: 60, audio: false });
    expect(args.at(-1)).toBe("/tmp/b.mp4");
    expect(args.filter((a) => a === "+frag_keyframe+empty_moov+default_base_moof")).toHaveLength(2);
    expect(args.filter((a) => a === "passthrough")).toHaveLength(2);
    expect(args.filter((a) => a === "-an")).toHaveLength(2);
  });

  it("uses NVENC for every rendition when asked, with IDR keyframes and no B-frames", () => {
    const args = buildTranscodeArgs({ inputPath: "in", outputs, encoder: "h264_nvenc", gopFrames: 60, audio: false });
    expect(args.filter((a) => a === "h264_nvenc")).toHaveLength(2);
    expect(args).not.toContain("libx264");
    expect(valueAfter(args, "-forced-idr")).toBe("1");
    expect(valueAfter(args, "-bf")).toBe("0");
    expect(valueAfter(args, "-b:v")).toBe("1600k");
    expect(valueAfter(args, "-b:v", args.indexOf("-b:v") + 1)).toBe("800k");
  });

  it("maps optional audio to AAC when audio is wanted", () => {
    const args = buildTranscodeArgs({ inputPath: "in", outputs, encoder: "libx264", gopFrames: 60, audio: true });
    expect(args.filter((a) => a === "0:a?")).toHaveLength(2);
    expect(valueAfter(args, "-c:a")).toBe("aac");
  });

  it("refuses an empty ladder", () => {
    expect(() => buildTranscodeArgs({ inputPath: "in", outputs: [], encoder: "libx264", gopFrames: 60, audio: false })).toThrow();
  });
});

describe("videoEncoderArgs", () => {
  it("pins libx264's keyframe interval so segments stay independently decodable", () => {
    const args = videoEncoderArgs("libx264", 800, 60);
    expect(valueAfter(args, "-x264-params")).toBe("keyint=60:min-keyint=60:scenecut=0");
    expect(valueAfter(args, "-maxrate")).toBe("800k");
    expect(valueAfter(args, "-bufsize")).toBe("1600k");
  });

  it("runs NVENC in constant-bitrate low-latency mode", () => {
    const args = videoEncoderArgs("h264_nvenc", 800, 60);
    expect(valueAfter(args, "-rc")).toBe("cbr");
    expect(valueAfter(args, "-tune")).toBe("ll");
    expect(valueAfter(args, "-g")).toBe("60");
  });
});

describe("nvencProbeArgs", () => {
  it("encodes a few synthetic frames with h264_nvenc to nowhere", () => {
    const args = nvencProbeArgs();
    expect(valueAfter(args, "-c:v")).toBe("h264_nvenc");
    expect(valueAfter(args, "-frames:v")).toBe("5");
    expect(args.at(-1)).toBe("-");
  });
});
