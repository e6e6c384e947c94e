import { describe, expect, it } from "vitest";
import { chooseH264Encoder } from "./encoder.ts";
import { ProcessFailed, type ProcessResult } from "./run-process.ts";
import { transcodeSegment } from "./transcode.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import { LADDER_PRESETS, type Rendition } from "./ladder.ts";

const ok = (stdout = ""): ProcessResult => ({ code: 0, stdout, stderr: "", elapsedMs: 1 });
const LIST_WITH_NVENC = " V....D libx264  libx264 H.264\n V....D h264_nvenc  NVIDIA NVENC H.264 encoder\n";

describe("chooseH264Encoder (decision)", () => {
  it("picks NVENC when ffmpeg has it and the probe encode succeeds", async () => {
    const run = async (_cmd: string, args: string[]) => (args.includes("-encoders") ? ok(LIST_WITH_NVENC) : ok());
    expect(await chooseH264Encoder("ffmpeg", { run })).toEqual({
      encoder: "h264_nvenc",
      reason: "h264_nvenc probe encode succeeded",
    });
  });

  it("falls back to libx264 when h264_nvenc is compiled in but the GPU probe fails", async () => {
    const run = async (cmd: string, args: string[]) => {
      if (args.includes("-encoders")) return ok(LIST_WITH_NVENC);
      throw new ProcessFailed(cmd, 1, "Cannot load libcuda.so.1", false);
    };
    const choice = await chooseH264Encoder("ffmpeg", { run });
    expect(choice.encoder).toBe("libx264");
    expect(choice.reason).toMatch(/probe encode failed.*libcuda/);
  });

  it("falls back to libx264 when this ffmpeg has no NVENC at all", async () => {
    const run = async () => ok(" V....D libx264  libx264 H.264\n");
    expect((await chooseH264Encoder("ffmpeg", { run })).encoder).toBe("libx264");
  });

  it("uses libx264 without probing when configured to", async () => {
    const run = async (): Promise<ProcessResult> => {
      throw new Error("must not run");
    };
    expect((await chooseH264Encoder("ffmpeg", { prefer: "libx264", run })).encoder).toBe("libx264");
  });
});

describe("chooseH264Encoder (this machine's real ffmpeg)", () => {
  it("chooses an encoder that really encodes here, and says why", async () => {
    const choice = await chooseH264Encoder();
    expect(choice.reason.length).toBeGreaterThan(0);
    const clip = await makeClip({ width: 320, height: 180, durationS: 1 });
    const result = await transcodeSegment(clip.bytes, [LADDER_PRESETS["240p"] as Rendition], { encoder: choice.encoder });
    expect(result.renditions[0]?.bytes.byteLength).toBeGreaterThan(1000);
  }, 60_000);
});
