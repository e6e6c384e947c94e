// The verifier's content-addressed evidence store on disk: bytes are kept under their keccak256 only when that is the
// hash the uploader claimed (the hash a challenge names), and a ladder only under the jobHash it hashes to; bounded
// per item and in total so that uploads cannot fill the disk.
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { z } from "zod";
import { contentHash, ladderHash } from "../../src/lib/protocol/receipt.ts";
import type { Rendition } from "../transcode/ladder.ts";

export const DEFAULT_MAX_ITEM_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024;
/** A ladder is a handful of small JSON objects. */
export const MAX_LADDER_JSON_BYTES = 16 * 1024;

const HASH = /^0x[0-9a-f]{64}$/;

/** Base of the store's refusals: each is the uploader's fault and answered as a 4xx. */
export class EvidenceRejected extends Error {
  override name = "EvidenceRejected";
  readonly statusCode: number = 400;
}

export class InvalidEvidenceHash extends EvidenceRejected {
  override name = "InvalidEvidenceHash";

  constructor(hash: string) {
    super(`${JSON.stringify(hash.slice(0, 80))} is not a keccak256 hash: give 0x and 64 hex digits`);
  }
}

/** The bytes do not hash to the hash they were uploaded under: not the evidence the challenge names. */
export class EvidenceHashMismatch extends EvidenceRejected {
  override name = "EvidenceHashMismatch";
  readonly claimed: Hex;
  readonly actual: Hex;

  constructor(claimed: Hex, actual: Hex) {
    super(`the bytes hash to ${actual}, not ${claimed}: upload the exact segment or rendition the receipt names`);
    this.claimed = claimed;
    this.actual = actual;
  }
}

export class EvidenceTooLarge extends EvidenceRejected {
  override name = "EvidenceTooLarge";
  override readonly statusCode = 413;

  constructor(sizeBytes: number, maxBytes: number) {
    super(`evidence of ${sizeBytes} bytes is over the limit of ${maxBytes} bytes per item`);
  }
}

/** The store holds its total bound already; the operator must make room (old evidence can go once judged). */
export class EvidenceStoreFull extends EvidenceRejected {
  override name = "EvidenceStoreFull";
  override readonly statusCode = 507;

  constructor(totalBytes: number, maxTotalBytes: number) {
    super(`the evidence store holds ${totalBytes} of its ${maxTotalBytes} bytes; try again later`);
  }
}

/** The ladder JSON is not `{ output: [{ name, width, height, bitrateKbps }, …] }`. */
export class InvalidLadderEvidence extends EvidenceRejected {
  override name = "InvalidLadderEvidence";
}

/** The ladder does not hash to the jobHash it was uploaded under. */
export class LadderHashMismatch extends EvidenceRejected {
  override name = "LadderHashMismatch";

  constructor(jobHash: Hex, actual: Hex) {
    super(`the ladder hashes to ${actual}, not ${jobHash}: upload the job's output ladder exactly, in its order`);
  }
}

const uint32 = z.number().int().min(0).max(0xffff_ffff);
const ladderEvidenceSchema = z.object({
  output: z
    .array(z.object({ name: z.string().min(1).max(256), width: uint32, height: uint32, bitrateKbps: uint32 }))
    .min(1)
    .max(32),
});

/** A hash in the store's canonical spelling (lower case), or InvalidEvidenceHash. */
export function normalizeHash(hash: string): Hex {
  const lower = hash.toLowerCase();
  if (!HASH.test(lower)) throw new InvalidEvidenceHash(hash);
  return lower as Hex;
}

export interface EvidenceStoreOptions {
  maxItemBytes?: number;
  maxTotalBytes?: number;
}

export class EvidenceStore {
  readonly dir: string;
  readonly maxItemBytes: number;
  readonly maxTotalBytes: number;
  #totalBytes: number;
  /** Puts of one hash in flight: a second upload of the same bytes waits for the first instead of counting twice. */
  readonly #pending = new Map<string, Promise<void>>();

  private constructor(dir: string, totalBytes: number, o: EvidenceStoreOptions) {
    this.dir = dir;
    this.#totalBytes = totalBytes;
    this.maxItemBytes = o.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
    this.maxTotalBytes = o.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  }

  /** Opens (creating) the store in `dir`, counting what it already holds against the total bound. */
  static async open(dir: string, o: EvidenceStoreOptions = {}): Promise<EvidenceStore> {
    await mkdir(join(dir, "blobs"), { recursive: true });
    await mkdir(join(dir, "ladders"), { recursive: true });
    let total = 0;
    for (const sub of ["blobs", "ladders"]) {
      for (const name of await readdir(join(dir, sub))) {
        if (name.endsWith(".tmp")) continue;
        total += (await stat(join(dir, sub, name))).size;
      }
    }
    return new EvidenceStore(dir, total, o);
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /**
   * Keeps `bytes` under their keccak256, which must be `claimedHash`; storing the same bytes again is a no-op.
   * @throws InvalidEvidenceHash, EvidenceTooLarge, EvidenceHashMismatch, EvidenceStoreFull
   */
  async put(claimedHash: string, bytes: Uint8Array): Promise<Hex> {
    const claimed = normalizeHash(claimedHash);
    if (bytes.byteLength > this.maxItemBytes) throw new EvidenceTooLarge(bytes.byteLength, this.maxItemBytes);
    const actual = contentHash(bytes);
    if (actual !== claimed) throw new EvidenceHashMismatch(claimed, actual);
    await this.#write(join(this.dir, "blobs", claimed.slice(2)), claimed, bytes);
    return claimed;
  }

  async has(hash: string): Promise<boolean> {
    return exists(join(this.dir, "blobs", normalizeHash(hash).slice(2)));
  }

  /** The bytes stored under `hash`, or undefined. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    return readOrUndefined(join(this.dir, "blobs", normalizeHash(hash).slice(2)));
  }

  /**
   * Keeps a job's ladder, `{ output: [...] }` as JSON text, under `jobHash` once `ladderHash(output)` equals it.
   * @throws InvalidEvidenceHash, EvidenceTooLarge, InvalidLadderEvidence, LadderHashMismatch, EvidenceStoreFull
   */
  async putLadder(jobHash: string, json: string): Promise<Rendition[]> {
    const claimed = normalizeHash(jobHash);
    const size = Buffer.byteLength(json);
    if (size > MAX_LADDER_JSON_BYTES) throw new EvidenceTooLarge(size, MAX_LADDER_JSON_BYTES);
    const ladder = parseLadder(json);
    const actual = ladderHash(ladder);
    if (actual !== claimed) throw new LadderHashMismatch(claimed, actual);
    // Stored in a canonical form of exactly what was hashed, so that a reader re-hashing it gets jobHash again.
    const canonical = new TextEncoder().encode(JSON.stringify({ output: ladder }));
    await this.#write(join(this.dir, "ladders", `${claimed.slice(2)}.json`), `ladder:${claimed}`, canonical);
    return ladder;
  }

  /** The ladder stored under `jobHash`, or undefined. */
  async getLadder(jobHash: string): Promise<Rendition[] | undefined> {
    const bytes = await readOrUndefined(join(this.dir, "ladders", `${normalizeHash(jobHash).slice(2)}.json`));
    return bytes ? parseLadder(new TextDecoder().decode(bytes)) : undefined;
  }

  async #write(path: string, key: string, bytes: Uint8Array): Promise<void> {
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const done = (async () => {
      if (await exists(path)) return;
      if (this.#totalBytes + bytes.byteLength > this.maxTotalBytes) throw new EvidenceStoreFull(this.#totalBytes, this.maxTotalBytes);
      this.#totalBytes += bytes.byteLength;
      try {
        // Written aside and renamed into place: a crash never leaves a partial file under a hash it does not match.
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, bytes, { mode: 0o644 });
        await rename(tmp, path);
      } catch (error) {
        this.#totalBytes -= bytes.byteLength;
        throw error;
      }
    })().finally(() => this.#pending.delete(key));
    this.#pending.set(key, done);
    return done;
  }
}

/** `{ output: [...] }` → the ladder, with nothing but the four hashed fields of each rendition. */
export function parseLadder(json: string): Rendition[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidLadderEvidence(`the ladder is not JSON: ${(error as Error).message}`);
  }
  const parsed = ladderEvidenceSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidLadderEvidence(
      `give { "output": [{ "name", "width", "height", "bitrateKbps" }, …] }: ${issue ? `${issue.path.join(".") || "(root)"} ${issue.message}` : "invalid"}`,
    );
  }
  return parsed.data.output.map(({ name, width, height, bitrateKbps }) => ({ name, width, height, bitrateKbps }));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

async function readOrUndefined(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
