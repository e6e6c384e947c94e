// One spot check from start to end, cheapest stage first, over any ffmpeg (ffmpeg.wasm in the worker, native ffmpeg
// in unit tests): probe every rendition against the job, then SSIM against the source, then — only for a rendition
// whose SSIM is low — the checker's own encode at the same bitrate, to tell a hard picture from a faulty rendition.
import { checkMissing, checkRenditionFacts, DEFAULT_SPOT_CHECK_OPTIONS, judgeAgainstReference, ssimPasses } from "./checks.ts";
import { referenceEncodeArgs, ssimArgs } from "./ffmpeg-commands.ts";
import { parseProbeJson, probeArgs, type MediaFacts } from "./media-facts.ts";
import { parseSsimStats, type SsimScore } from "./ssim-stats.ts";
import { describeFailures } from "./summary.ts";
import type { LadderRendition, SpotCheckFailure, SpotCheckInput, SpotCheckOptions, SpotCheckResult, SsimMetric } from "./types.ts";

/** What a check needs of an ffmpeg: a file system, ffmpeg and ffprobe. Paths are relative to its working directory. */
export interface FfmpegRunner {
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
  /** Rejects when the file does not exist. */
  readFile(path: string): Promise<Uint8Array>;
  /** Resolves whether or not the file existed. */
  deleteFile(path: string): Promise<void>;
  /** ffmpeg's exit code. */
  ffmpeg(args: string[]): Promise<number>;
  /** ffprobe's exit code (ffmpeg.wasm's is not reliable: its output file is what counts). */
  ffprobe(args: string[]): Promise<number>;
}

/** A check's verdict without the page's bookkeeping (queue time). */
export type CheckOutcome = Omit<SpotCheckResult, "queuedMs">;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Runs the check of one segment; every file it writes is deleted again, whatever happens. */
export async function runSpotCheck(
  ff: FfmpegRunner,
  input: SpotCheckInput,
  options: SpotCheckOptions = DEFAULT_SPOT_CHECK_OPTIONS,
  now: () => number = () => performance.now(),
): Promise<CheckOutcome> {
  const startedAt = now();
  const written: string[] = [];
  const write = async (path: string, bytes: Uint8Array) => {
    written.push(path);
    await ff.writeFile(path, bytes);
  };
  const done = (outcome: Omit<CheckOutcome, "sequenceNumber" | "timeMs">): CheckOutcome => ({
    sequenceNumber: input.sequenceNumber,
    timeMs: Math.round(now() - startedAt),
    ...outcome,
  });
  const probe = async (path: string, bytes: Uint8Array): Promise<MediaFacts> => {
    const out = `${path}.probe.json`;
    written.push(out);
    await ff.ffprobe(probeArgs(path, out));
    const json = await ff.readFile(out).then(text, () => "");
    return parseProbeJson(json, bytes);
  };

  try {
    // Stage 1: probe — the container's own facts, no decoding.
    await write("source.mp4", input.source);
    const source = await probe("source.mp4", input.source);
    if (source.video === undefined) {
      return done({ outcome: "skipped", failures: [], reason: "the source segment could not be read, so there is nothing to check against" });
    }
    const failures: SpotCheckFailure[] = checkMissing(input.ladder, input.renditions.map((r) => r.name));
    const present: { rendition: LadderRendition; path: string }[] = [];
    for (const [i, rendition] of input.ladder.entries()) {
      const bytes = input.renditions.find((r) => r.name === rendition.name)?.bytes;
      if (bytes === undefined) continue;
      const path = `rendition-${i}.mp4`;
      await write(path, bytes);
      failures.push(...checkRenditionFacts(rendition, source, await probe(path, bytes), options));
      present.push({ rendition, path });
    }
    if (failures.length > 0) return done({ outcome: "failed", stage: "probe", failures, reason: describeFailures(failures) });

    // Stage 2: SSIM of every rendition against the source scaled the same way, from one decode of the source.
    const scores = await measureSsim(ff, present, written);
    const metric: SsimMetric = { name: "ssim", perRendition: {}, worstFrame: {} };
    const suspects: { rendition: LadderRendition; path: string; score: SsimScore }[] = [];
    for (const p of present) {
      const score = scores.get(p.path);
      if (score === undefined) {
        failures.push({ check: "decode", rendition: p.rendition.name, expected: "every frame decodes", found: "ffmpeg could not decode it" });
        continue;
      }
      metric.perRendition[p.rendition.name] = round(score.mean);
      metric.worstFrame[p.rendition.name] = round(score.worstFrame);
      if (!ssimPasses(score, options)) suspects.push({ ...p, score });
    }
    if (failures.length > 0) return done({ outcome: "failed", stage: "metric", failures, metric, reason: describeFailures(failures) });
    if (suspects.length === 0) return done({ outcome: "passed", stage: "metric", failures, metric });

    // Stage 3: the checker's own encode of the suspects at their bitrates; a rendition well below it is faulty.
    const references = suspects.map((s, i) => ({ rendition: s.rendition, path: `reference-${i}.mp4` }));
    written.push(...references.map((r) => r.path));
    const encoded = await ff.ffmpeg(referenceEncodeArgs("source.mp4", references));
    const referenceScores = encoded === 0 ? await measureSsim(ff, references, written) : new Map<string, SsimScore>();
    metric.reference = {};
    for (const [i, suspect] of suspects.entries()) {
      const reference = referenceScores.get(references[i]!.path);
      if (reference === undefined) {
        return done({ outcome: "skipped", stage: "reference", failures: [], metric, reason: "the checker's own reference encode failed" });
      }
      metric.reference[suspect.rendition.name] = { mean: round(reference.mean), worstFrame: round(reference.worstFrame) };
      const failure = judgeAgainstReference(suspect.rendition, suspect.score, reference, options);
      if (failure) failures.push(failure);
    }
    return failures.length > 0
      ? done({ outcome: "failed", stage: "reference", failures, metric, reason: describeFailures(failures) })
      : done({ outcome: "passed", stage: "reference", failures, metric });
  } finally {
    for (const path of written) await ff.deleteFile(path);
  }
}

/**
 * SSIM of each file against the source, by its path. One ffmpeg run compares them all; when that run fails, each is
 * compared alone, so that one rendition that does not decode is told apart from the others (it has no score).
 */
async function measureSsim(
  ff: FfmpegRunner,
  compared: readonly { rendition: LadderRendition; path: string }[],
  written: string[],
): Promise<Map<string, SsimScore>> {
  const run = async (group: readonly { rendition: LadderRendition; path: string }[]) => {
    const withStats = group.map((c) => ({ path: c.path, width: c.rendition.width, height: c.rendition.height, statsPath: `${c.path}.ssim.log` }));
    written.push(...withStats.map((c) => c.statsPath));
    const code = await ff.ffmpeg(ssimArgs("source.mp4", withStats));
    const scores = new Map<string, SsimScore>();
    if (code !== 0) return scores;
    for (const c of withStats) {
      const score = parseSsimStats(await ff.readFile(c.statsPath).then(text, () => ""));
      if (score) scores.set(c.path, score);
    }
    return scores;
  };
  const all = await run(compared);
  if (all.size === compared.length || compared.length === 1) return all;
  const alone = new Map<string, SsimScore>();
  for (const c of compared) for (const [path, score] of await run([c])) alone.set(path, score);
  return alone;
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;
