// Fault injection for tests and demos on the local chain only: `--fault <kind>` makes this orchestrator cheat in one
// known way, so the challenge → evidence → verifier → slash path can be exercised end to end against real ffmpeg.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { Transcode } from "../session/broadcast-session.ts";
import { videoEncoderArgs } from "./ffmpeg-args.ts";
import { probeMedia } from "./ffprobe.ts";
import type { Rendition } from "./ladder.ts";
import { runProcess } from "./run-process.ts";

export const FAULT_KINDS = ["wrong-resolution", "black-frames", "truncated", "stale"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Hardhat's chain id: the only chain whose stake is play money, so the only one an orchestrator may cheat on. */
const LOCAL_CHAIN_ID = 31337;

/** --fault was given on a chain other than the local one: cheating there would cost real stake and real viewers. */
export class FaultInjectionRefused extends Error {
  override readonly name = "FaultInjectionRefused";
  readonly fault: FaultKind;
  readonly chainId: number;
  readonly nextStep = `remove --fault (and STREAMFLOW_FAULT), or point the node at the local chain (${LOCAL_CHAIN_ID})`;

  constructor(d: { fault: FaultKind; chainId: number }) {
    super(
      `--fault ${d.fault} makes this orchestrator cheat on purpose and is for tests and demos on the local chain ` +
        `(${LOCAL_CHAIN_ID}) only; this is chain ${d.chainId}, so the node will not start`,
    );
    this.fault = d.fault;
    this.chainId = d.chainId;
  }
}

/** @throws FaultInjectionRefused when a fault is set and the chain is not the local one */
export function assertFaultAllowed(fault: FaultKind | undefined, chainId: number): void {
  if (fault !== undefined && chainId !== LOCAL_CHAIN_ID) throw new FaultInjectionRefused({ fault, chainId });
}

/** Half of a dimension, kept even and ≥ 16 (what H.264 4:2:0 and validateLadder need). */
function half(v: number): number {
  return Math.max(16, Math.floor(v / 4) * 2);
}

/** wrong-resolution: the ladder actually encoded — each rendition at half its asked size, under its asked name. */
export function wrongResolutionLadder(ladder: readonly Rendition[]): Rendition[] {
  return ladder.map((r) => ({ ...r, width: half(r.width), height: half(r.height) }));
}

const FMP4_FLAGS = "+frag_keyframe+empty_moov+default_base_moof";
/** As transcode.ts: one GOP per segment. */
const GOP_FRAMES = 600;

/**
 * black-frames: the rendition's own frames painted black (Y=16, neutral chroma) and re-encoded at its bitrate, so the
 * size, frame count and timestamps stay right and only the picture is wrong.
 */
export function blackFramesArgs(inputPath: string, outputPath: string, rendition: Rendition): string[] {
  return [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", inputPath,
    "-map", "0:v:0", "-an", "-vf", "lutyuv=y=16:u=128:v=128,format=yuv420p",
    ...videoEncoderArgs("libx264", rendition.bitrateKbps, GOP_FRAMES),
    "-fps_mode", "passthrough", "-f", "mp4", "-movflags", FMP4_FLAGS, outputPath,
  ];
}

/** truncated: the first `frames` frames only, copied as they are (the segment opens on a keyframe, so they decode). */
export function truncateArgs(inputPath: string, outputPath: string, frames: number): string[] {
  return [
    "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", inputPath,
    "-map", "0", "-c", "copy", "-frames:v", String(frames), "-f", "mp4", "-movflags", FMP4_FLAGS, outputPath,
  ];
}

type Renditions = Awaited<ReturnType<Transcode>>["renditions"];

/** stale: the previous segment's renditions per stream; the first segment of a stream goes out honest. */
export class StaleRenditions {
  readonly #last = new Map<string, Renditions>();
  readonly #maxStreams: number;

  constructor(maxStreams = 256) {
    this.#maxStreams = maxStreams;
  }

  /** Remembers `fresh` for the stream and returns what was remembered before (or `fresh` the first time). */
  swap(streamId: string, fresh: Renditions): Renditions {
    const previous = this.#last.get(streamId);
    this.#last.delete(streamId);
    this.#last.set(streamId, fresh);
    // Oldest-touched stream first in a Map's order: a bound, since this wrapper never hears of a stream's end.
    if (this.#last.size > this.#maxStreams) this.#last.delete(this.#last.keys().next().value!);
    return previous ?? fresh;
  }
}

export interface FaultOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  timeoutMs?: number;
  log?: Logger;
}

/** Runs ffmpeg over one rendition's bytes in a private temp dir and returns the output's bytes. */
async function rewrite(
  bytes: Uint8Array,
  args: (inputPath: string, outputPath: string) => Promise<string[]> | string[],
  o: FaultOptions,
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-fault-"));
  try {
    const inputPath = join(dir, "in.mp4");
    const outputPath = join(dir, "out.mp4");
    await writeFile(inputPath, bytes);
    await runProcess(o.ffmpegPath ?? "ffmpeg", await args(inputPath, outputPath), o.timeoutMs ?? 30_000);
    return new Uint8Array(await readFile(outputPath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Makes one honest rendition faulty in the way `fault` says (wrong-resolution and stale act on the whole segment). */
export async function corruptRendition(fault: "black-frames" | "truncated", bytes: Uint8Array, rendition: Rendition, o: FaultOptions = {}): Promise<Uint8Array> {
  if (fault === "black-frames") return rewrite(bytes, (i, out) => blackFramesArgs(i, out, rendition), o);
  return rewrite(
    bytes,
    async (i, out) => {
      const frames = (await probeMedia(i, o.ffprobePath)).video.frameCount;
      return truncateArgs(i, out, Math.max(1, Math.floor(frames / 2)));
    },
    o,
  );
}

/**
 * Wraps the node's Transcode so that every segment comes back faulty in the way `fault` says, while the renditions
 * keep the names (and so the receipt keeps the ladder) the broadcaster asked for.
 */
export function withFault(transcode: Transcode, fault: FaultKind, o: FaultOptions = {}): Transcode {
  const stale = new StaleRenditions();
  return async (streamId, segment, ladder) => {
    o.log?.warn({ streamId, fault }, "fault injection: this segment's renditions go back faulty");
    if (fault === "wrong-resolution") {
      const result = await transcode(streamId, segment, wrongResolutionLadder(ladder));
      return { ...result, renditions: result.renditions.map((r, i) => ({ rendition: ladder[i] ?? r.rendition, bytes: r.bytes })) };
    }
    const result = await transcode(streamId, segment, ladder);
    if (fault === "stale") return { ...result, renditions: stale.swap(streamId, result.renditions) };
    const renditions = await Promise.all(
      result.renditions.map(async (r) => ({ rendition: r.rendition, bytes: await corruptRendition(fault, r.bytes, r.rendition, o) })),
    );
    return { ...result, renditions };
  };
}
