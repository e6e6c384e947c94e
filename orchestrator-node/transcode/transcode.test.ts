import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "../../tests/media/make-clip.ts";
import { chooseH264Encoder, type EncoderChoice } from "./encoder.ts";
import { NotAVideo, probeMedia } from "./ffprobe.ts";
import { InvalidLadder, LADDER_PRESETS, type Rendition } from "./ladder.ts";
import { ProcessFailed } from "./run-process.ts";
import { transcodeSegment } from "./transcode.ts";

const ladder = [LADDER_PRESETS["480p"], LADDER_PRESETS["360p"]] as Rendition[];
let encoder: EncoderChoice;

async function probeBytes(bytes: Uint8Array) {
  const path = join(await mkdtemp(join(tmpdir(), "streamflow-probe-")), "r.mp4");
  await writeFile(path, bytes);
  return probeMedia(path);
}

beforeAll(async () => {
  encoder = await chooseH264Encoder();
}, 60_000);

describe("transcodeSegment (real ffmpeg)", () => {
  it("turns a 2 s 720p30 segment into a 480p + 360p ladder with the same duration and frame count", async () => {
    const clip = await makeClip({ width: 1280, height: 720, fps: 30, durationS: 2 });
    const source = await probeMedia(clip.path);
    expect(source.video).toMatchObject({ width: 1280, height: 720, frameCount: 60 });

    const { renditions, transcodeMs } = await transcodeSegment(clip.bytes, ladder, { encoder: encoder.encoder });
    expect(transcodeMs).toBeGreaterThan(0);
    expect(renditions.map((r) => r.rendition.name)).toEqual(["480p", "360p"]);
    for (const r of renditions) {
      const info = await probeBytes(r.bytes);
      expect(info.formatName).toContain("mp4");
      expect(info.video.codec).toBe("h264");
      expect(info.video.width).toBe(r.rendition.width);
      expect(info.video.height).toBe(r.rendition.height);
      expect(info.video.frameCount).toBe(60);
      expect(Math.abs(info.durationMs - 2000)).toBeLessThanOrEqual(50);
    }
  }, 60_000);

  it("keeps a segment's audio as AAC by default (a broadcaster's microphone reaches viewers), and drops it when told", async () => {
    const clip = await makeClip({ width: 640, height: 360, durationS: 2, format: "mpegts", audio: true });
    const { renditions } = await transcodeSegment(clip.bytes, [LADDER_PRESETS["240p"] as Rendition], { encoder: encoder.encoder });
    const info = await probeBytes(renditions[0]!.bytes);
    expect(info.hasAudio).toBe(true);
    expect(info.video.height).toBe(240);
    const silent = await transcodeSegment(clip.bytes, [LADDER_PRESETS["240p"] as Rendition], { encoder: encoder.encoder, audio: false });
    expect((await probeBytes(silent.renditions[0]!.bytes)).hasAudio).toBe(false);
  }, 60_000);

  it("fails with ProcessFailed, not a crash, on bytes that are not a video", async () => {
    const garbage = new TextEncoder().encode("this is not a video segment ".repeat(100));
    await expect(transcodeSegment(garbage, ladder, { encoder: encoder.encoder })).rejects.toBeInstanceOf(ProcessFailed);
  });

  it("refuses an invalid ladder before running ffmpeg", async () => {
    await expect(transcodeSegment(new Uint8Array(10), [], { encoder: "libx264" })).rejects.toBeInstanceOf(InvalidLadder);
  });
});

describe("probeMedia", () => {
  it("reports NotAVideo for a file ffprobe cannot read", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "streamflow-probe-")), "x.bin");
    await writeFile(path, new Uint8Array([1, 2, 3, 4]));
    await expect(probeMedia(path)).rejects.toBeInstanceOf(NotAVideo);
  });
});
