// Transcoding: the node's transcodeSegment against bare ffmpeg running the same command line on the same segment
// (the node's overhead: temp files, validation, reading outputs), and the real-time ratio of a 720p30 2 s segment
// to 480p + 360p. Targets: real-time ≤ 0.5 with libx264 (≤ 0.1 with NVENC); overhead ratio ≤ 1.10.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeClip } from "../../tests/media/make-clip.ts";
import { chooseH264Encoder } from "../../orchestrator-node/transcode/encoder.ts";
import { buildTranscodeArgs } from "../../orchestrator-node/transcode/ffmpeg-args.ts";
import { LADDER_PRESETS, type Rendition } from "../../orchestrator-node/transcode/ladder.ts";
import { runProcess } from "../../orchestrator-node/transcode/run-process.ts";
import { transcodeSegment } from "../../orchestrator-node/transcode/transcode.ts";
import { compare, summarize, type Figure } from "../stats.ts";

const RUNS = 5;
const SEGMENT_S = 2;
const LADDER = [LADDER_PRESETS["480p"], LADDER_PRESETS["360p"]] as Rendition[];

export async function transcode(): Promise<Figure[]> {
  const { encoder, reason } = await chooseH264Encoder();
  const clip = await makeClip({ width: 1280, height: 720, fps: 30, durationS: SEGMENT_S });
  const dir = await mkdtemp(join(tmpdir(), "streamflow-bench-"));
  const inputPath = join(dir, "in.mp4");
  await writeFile(inputPath, clip.bytes);
  const bareArgs = buildTranscodeArgs({
    inputPath,
    outputs: LADDER.map((rendition, i) => ({ rendition, path: join(dir, `out${i}.mp4`) })),
    encoder,
    gopFrames: 600,
    audio: false,
  });
  const { subject, baseline } = await compare(
    RUNS,
    async () => void (await transcodeSegment(clip.bytes, LADDER, { encoder })),
    async () => void (await runProcess("ffmpeg", bareArgs, 60_000)),
  );
  const realTime = summarize([subject.min, subject.median, subject.max].map((ms) => ms / 1000 / SEGMENT_S));
  const targetRealTime = encoder === "h264_nvenc" ? 0.1 : 0.5;
  return [
    {
      name: `transcode 720p30 2 s → 480p+360p (${encoder})`,
      unit: "ms",
      subject,
      baselineName: "bare ffmpeg, same command",
      baseline,
      ratio: subject.median / baseline.median,
      target: { ratioAtMost: 1.1, describe: "ratio ≤ 1.10" },
      met: subject.median / baseline.median <= 1.1,
      extra: { encoderReason: reason },
    },
    {
      name: `transcode real-time ratio (${encoder})`,
      unit: "s per s of video",
      subject: realTime,
      baselineName: "segment duration",
      baseline: { median: 1, min: 1, max: 1 },
      ratio: realTime.median,
      target: { valueAtMost: targetRealTime, describe: `≤ ${targetRealTime}` },
      met: realTime.median <= targetRealTime,
    },
  ];
}
