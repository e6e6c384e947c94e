// Transcodes one segment into its ladder with real ffmpeg: segment bytes in, one fragmented MP4 per rendition out.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTranscodeArgs, type H264Encoder } from "./ffmpeg-args.ts";
import type { Rendition } from "./ladder.ts";
import { validateLadder } from "./ladder.ts";
import { runProcess } from "./run-process.ts";

export interface TranscodeOptions {
  encoder: H264Encoder;
  /** Keyframe interval; defaults to "one GOP per segment" (a large value: the segment's first frame is the keyframe). */
  gopFrames?: number;
  /** Carry the segment's audio (as AAC) into every rendition; on by default — `-map 0:a?` is a no-op without audio. */
  audio?: boolean;
  ffmpegPath?: string;
  timeoutMs?: number;
}

export interface TranscodedRendition {
  rendition: Rendition;
  bytes: Uint8Array;
}

export interface TranscodeResult {
  renditions: TranscodedRendition[];
  transcodeMs: number;
}

const DEFAULT_GOP_FRAMES = 600;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Writes the segment to a private temp dir, runs one ffmpeg for the whole ladder, reads the outputs, cleans up. */
export async function transcodeSegment(
  segment: Uint8Array,
  ladder: readonly Rendition[],
  options: TranscodeOptions,
): Promise<TranscodeResult> {
  validateLadder(ladder);
  const dir = await mkdtemp(join(tmpdir(), "streamflow-transcode-"));
  try {
    const inputPath = join(dir, "in");
    await writeFile(inputPath, segment);
    const outputs = ladder.map((rendition, i) => ({ rendition, path: join(dir, `out${i}.mp4`) }));
    const args = buildTranscodeArgs({
      inputPath,
      outputs,
      encoder: options.encoder,
      gopFrames: options.gopFrames ?? DEFAULT_GOP_FRAMES,
      audio: options.audio ?? true,
    });
    const { elapsedMs } = await runProcess(options.ffmpegPath ?? "ffmpeg", args, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const renditions = await Promise.all(
      outputs.map(async ({ rendition, path }) => ({ rendition, bytes: new Uint8Array(await readFile(path)) })),
    );
    return { renditions, transcodeMs: elapsedMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
