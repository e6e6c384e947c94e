// Chooses the H.264 encoder at run time: NVENC when ffmpeg has h264_nvenc and a probe encode succeeds on this
// machine's GPU, libx264 otherwise. The choice and its reason are logged and exported as a metric by the node.
import type { H264Encoder } from "./ffmpeg-args.ts";
import { nvencProbeArgs } from "./ffmpeg-args.ts";
import { runProcess, type ProcessResult } from "./run-process.ts";

export interface EncoderChoice {
  encoder: H264Encoder;
  reason: string;
}

const LIST_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 20_000;

type Runner = (command: string, args: string[], timeoutMs: number) => Promise<ProcessResult>;

/**
 * `prefer: "libx264"` forces the CPU path (an operator's choice, or a GPU kept for something else).
 * `run` is replaceable so the decision logic can be tested without a GPU.
 */
export async function chooseH264Encoder(
  ffmpegPath = "ffmpeg",
  { prefer, run = runProcess }: { prefer?: H264Encoder; run?: Runner } = {},
): Promise<EncoderChoice> {
  if (prefer === "libx264") return { encoder: "libx264", reason: "libx264 requested by configuration" };
  const encoders = await run(ffmpegPath, ["-hide_banner", "-encoders"], LIST_TIMEOUT_MS);
  if (!/\bh264_nvenc\b/.test(encoders.stdout)) {
    return { encoder: "libx264", reason: "this ffmpeg has no h264_nvenc encoder" };
  }
  try {
    await run(ffmpegPath, nvencProbeArgs(), PROBE_TIMEOUT_MS);
    return { encoder: "h264_nvenc", reason: "h264_nvenc probe encode succeeded" };
  } catch (error) {
    // Compiled in but unusable: no NVIDIA GPU, no driver, or no free NVENC session.
    const why = (error as Error).message.split("\n")[0] ?? "unknown error";
    return { encoder: "libx264", reason: `h264_nvenc present but its probe encode failed (${why})` };
  }
}
