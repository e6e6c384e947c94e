// Test media for the spot checks, made in Node with native ffmpeg (tests only, never bundled): 2 s 720p source
// segments as the tab sends them, honest renditions made with the orchestrator's own ffmpeg arguments, and each kind
// of faulty rendition a cheating orchestrator could return.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildTranscodeArgs, videoEncoderArgs } from "../../../../orchestrator-node/transcode/ffmpeg-args.ts";
import type { LadderRendition } from "./types.ts";

const run = promisify(execFile);

/** Test pictures: a moving pattern, a fractal zoom, and colour bars under heavy noise (hard to encode at any bitrate). */
export type Pattern = "testsrc2" | "mandelbrot" | "noisybars";

function patternGraph(pattern: Pattern, size: string): string {
  if (pattern === "noisybars") return `smptehdbars=size=${size}:rate=30,noise=alls=30:allf=t+u`;
  return `${pattern}=size=${size}:rate=30`;
}

const FMP4_FLAGS = "+frag_keyframe+empty_moov+default_base_moof";
/** As the orchestrator: one GOP per segment. */
const GOP_FRAMES = 600;

export interface TestRendition {
  name: string;
  bytes: Uint8Array;
}

/** A scratch directory for one test file's media; `dispose` removes it. */
export async function mediaDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-spot-check-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

async function ffmpeg(args: string[]): Promise<void> {
  await run("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args], { maxBuffer: 1 << 24 });
}

/**
 * `count` consecutive 2 s segments of `pattern` (30 fps H.264 main, no B-frames, each opening on a keyframe,
 * Opus audio when `audio`: what the tab's WebCodecs segmenter sends), cut from one encode so that they tile a stream.
 */
export async function makeSources(dir: string, pattern: Pattern, count: number, audio: boolean, size = "1280x720"): Promise<Uint8Array[]> {
  const out = await mkdtemp(join(dir, `${pattern}-${size}-${audio ? "a" : "v"}-`));
  await ffmpeg([
    "-f", "lavfi", "-i", patternGraph(pattern, size),
    ...(audio ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : []),
    "-t", String(2 * count),
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-bf", "0", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
    ...(audio ? ["-c:a", "libopus", "-b:a", "64k"] : []),
    "-f", "segment", "-segment_time", "2", "-reset_timestamps", "1", "-segment_format", "mp4",
    join(out, "%03d.mp4"),
  ]);
  const names = (await readdir(out)).sort();
  return Promise.all(names.slice(0, count).map(async (n) => new Uint8Array(await readFile(join(out, n)))));
}

/** The renditions an honest orchestrator returns: its own ffmpeg arguments (buildTranscodeArgs, libx264). */
export async function transcodeHonest(dir: string, source: Uint8Array, ladder: readonly LadderRendition[], audio: boolean): Promise<TestRendition[]> {
  const work = await mkdtemp(join(dir, "transcode-"));
  const inputPath = join(work, "in.mp4");
  await writeFile(inputPath, source);
  const outputs = ladder.map((rendition, i) => ({ rendition, path: join(work, `out${i}.mp4`) }));
  const args = buildTranscodeArgs({ inputPath, outputs, encoder: "libx264", gopFrames: GOP_FRAMES, audio });
  await run("ffmpeg", args, { maxBuffer: 1 << 24 });
  const renditions = await Promise.all(outputs.map(async (o) => ({ name: o.rendition.name, bytes: new Uint8Array(await readFile(o.path)) })));
  await rm(work, { recursive: true, force: true });
  return renditions;
}

export type FaultKind = "wrong-resolution" | "black-frames" | "some-black-frames" | "truncated";

/**
 * One honest rendition made faulty: encoded at another size; painted black (every frame, or frames 20–24 only) and
 * re-encoded at its bitrate with its timestamps kept; or cut to its first second. (Stale: an honest rendition of
 * another segment, from transcodeHonest.)
 */
export async function makeFault(dir: string, kind: FaultKind, source: Uint8Array, honest: Uint8Array, rendition: LadderRendition): Promise<Uint8Array> {
  const work = await mkdtemp(join(dir, `fault-${kind}-`));
  const input = join(work, "in.mp4");
  const output = join(work, "out.mp4");
  const encode = [...videoEncoderArgs("libx264", rendition.bitrateKbps, GOP_FRAMES), "-fps_mode", "passthrough", "-c:a", "copy", "-f", "mp4", "-movflags", FMP4_FLAGS, output];
  if (kind === "wrong-resolution") {
    await writeFile(input, source);
    const smaller = { ...rendition, width: Math.max(16, Math.floor(rendition.width / 4) * 2), height: Math.max(16, Math.floor(rendition.height / 4) * 2) };
    await run("ffmpeg", buildTranscodeArgs({ inputPath: input, outputs: [{ rendition: smaller, path: output }], encoder: "libx264", gopFrames: GOP_FRAMES, audio: true }));
  } else if (kind === "truncated") {
    await writeFile(input, honest);
    await ffmpeg(["-i", input, "-map", "0", "-c", "copy", "-t", "1", "-f", "mp4", "-movflags", FMP4_FLAGS, output]);
  } else {
    await writeFile(input, honest);
    const enable = kind === "some-black-frames" ? ":enable='between(n,20,24)'" : "";
    await ffmpeg(["-i", input, "-map", "0", "-vf", `drawbox=t=fill:c=black${enable},format=yuv420p`, ...encode]);
  }
  const bytes = new Uint8Array(await readFile(output));
  await rm(work, { recursive: true, force: true });
  return bytes;
}
