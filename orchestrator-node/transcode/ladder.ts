// The output ladder: rendition profiles an orchestrator can produce, and the checks a requested ladder must pass.

export interface Rendition {
  /** Name the broadcaster uses for it, e.g. "480p". */
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
}

/** The presets the broadcaster page offers; a job may ask for any subset, or other sizes within the limits. */
export const LADDER_PRESETS: Record<string, Rendition> = {
  "720p": { name: "720p", width: 1280, height: 720, bitrateKbps: 3000 },
  "480p": { name: "480p", width: 854, height: 480, bitrateKbps: 1600 },
  "360p": { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  "240p": { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
};

/** Renditions per job: each is one more encode of every segment. */
export const MAX_RENDITIONS = 6;
const MIN_DIMENSION = 16;
const MAX_DIMENSION = 4096;

export class InvalidLadder extends Error {
  override readonly name = "InvalidLadder";
  readonly reason: string;

  constructor(reason: string) {
    super(`invalid output ladder: ${reason}`);
    this.reason = reason;
  }
}

/** Same names and sizes in the same order (bitrates aside): what viewers of one stream see does not change shape. */
export function sameSizes(a: readonly Pick<Rendition, "name" | "width" | "height">[], b: readonly Pick<Rendition, "name" | "width" | "height">[]): boolean {
  return a.length === b.length && a.every((r, i) => r.name === b[i]?.name && r.width === b[i]?.width && r.height === b[i]?.height);
}

/** H.264 with 4:2:0 chroma needs even dimensions; sizes and counts are bounded so a job cannot exhaust a node. */
export function validateLadder(ladder: readonly Rendition[]): void {
  if (ladder.length === 0) throw new InvalidLadder("no renditions");
  if (ladder.length > MAX_RENDITIONS) throw new InvalidLadder(`${ladder.length} renditions, at most ${MAX_RENDITIONS}`);
  const names = new Set<string>();
  for (const r of ladder) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(r.name)) throw new InvalidLadder(`bad rendition name ${JSON.stringify(r.name)}`);
    if (names.has(r.name)) throw new InvalidLadder(`rendition ${r.name} appears twice`);
    names.add(r.name);
    for (const [what, v] of [["width", r.width], ["height", r.height]] as const) {
      if (!Number.isInteger(v) || v < MIN_DIMENSION || v > MAX_DIMENSION || v % 2 !== 0) {
        throw new InvalidLadder(`${r.name}: ${what} ${v} must be an even integer in ${MIN_DIMENSION}..${MAX_DIMENSION}`);
      }
    }
    if (!Number.isInteger(r.bitrateKbps) || r.bitrateKbps < 50 || r.bitrateKbps > 50_000) {
      throw new InvalidLadder(`${r.name}: bitrate ${r.bitrateKbps} kbps out of 50..50000`);
    }
  }
}
