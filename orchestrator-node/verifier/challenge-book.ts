// The verifier's durable record of the challenges it has seen, what it decided and the verdict transaction it sent, and
// how far it has read the chain: a restart picks up where it stopped, neither skipping a challenge nor judging one twice.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import type { CheckFailure } from "./native-checks.ts";

/**
 * waiting-for-evidence → checking → submitting → verdict-submitted; or closed (resolved or withdrawn without this
 * verifier's verdict, or its verdict window passed) or failed (the verdict could not be sent; `error` says why).
 */
export type ChallengeStatus = "waiting-for-evidence" | "checking" | "submitting" | "verdict-submitted" | "closed" | "failed";

export type EvidenceKind = "source" | "rendition" | "ladder";

export interface ChallengeFiled {
  id: Hex;
  challenger: Address;
  orchestrator: Address;
  inputHash: Hex;
  jobHash: Hex;
  renditionHash: Hex;
  rendition: string;
  round: bigint;
  streamId: string;
  sequenceNumber: bigint;
  blockNumber: bigint;
  transactionHash?: Hex;
}

export interface Verdict {
  faulty: boolean;
  /** One line a person reads: why this verdict. */
  reason: string;
  failures: CheckFailure[];
  /** What native-checks measured (SSIM, luma PSNR in dB), the rendition's and the verifier's own encode's. */
  ssim?: number;
  psnrY?: number;
  referenceSsim?: number;
  referencePsnrY?: number;
}

export interface ChallengeRecord {
  filed: ChallengeFiled;
  status: ChallengeStatus;
  /** When this verifier first saw it (ms since the epoch): the evidence wait counts from here, across restarts. */
  seenAtMs: number;
  updatedAtMs: number;
  missing?: EvidenceKind[];
  verdict?: Verdict;
  txHash?: Hex;
  attempts?: number;
  error?: string;
}

/** A record as JSON holds it: the event's integers as decimal strings. */
type StoredRecord = Omit<ChallengeRecord, "filed"> & {
  filed: Omit<ChallengeFiled, "round" | "sequenceNumber" | "blockNumber"> & { round: string; sequenceNumber: string; blockNumber: string };
};

interface BookFile {
  version: 1;
  /** Every block up to this one has been read for ChallengeFiled. */
  scannedThroughBlock: string;
  challenges: StoredRecord[];
}

function toStored(r: ChallengeRecord): StoredRecord {
  const { round, sequenceNumber, blockNumber } = r.filed;
  return { ...r, filed: { ...r.filed, round: round.toString(), sequenceNumber: sequenceNumber.toString(), blockNumber: blockNumber.toString() } };
}

function fromStored(r: StoredRecord): ChallengeRecord {
  const { round, sequenceNumber, blockNumber } = r.filed;
  return { ...r, filed: { ...r.filed, round: BigInt(round), sequenceNumber: BigInt(sequenceNumber), blockNumber: BigInt(blockNumber) } };
}

/** Finished challenges kept for GET /challenges/:id; older ones are dropped first. */
const MAX_FINISHED_KEPT = 5_000;
const FINISHED: ReadonlySet<ChallengeStatus> = new Set(["verdict-submitted", "closed"]);

export class ChallengeBook {
  readonly #path: string;
  readonly #records = new Map<Hex, ChallengeRecord>();
  #scannedThroughBlock: bigint;
  /** Saves run one after another, each writing the whole state as it is then. */
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string, scannedThroughBlock: bigint) {
    this.#path = path;
    this.#scannedThroughBlock = scannedThroughBlock;
  }

  /**
   * Opens the book in `dataDir`, or starts one that has read nothing before `startBlock` (the contracts' deploy block).
   */
  static async open(dataDir: string, startBlock: bigint): Promise<ChallengeBook> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, "challenges.json");
    let file: BookFile | undefined;
    try {
      file = JSON.parse(await readFile(path, "utf8")) as BookFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const book = new ChallengeBook(path, file ? BigInt(file.scannedThroughBlock) : startBlock - 1n);
    for (const stored of file?.challenges ?? []) book.#records.set(stored.filed.id, fromStored(stored));
    return book;
  }

  get scannedThroughBlock(): bigint {
    return this.#scannedThroughBlock;
  }

  get(id: Hex): ChallengeRecord | undefined {
    return this.#records.get(id.toLowerCase() as Hex);
  }

  /** Every record, newest first. */
  list(): ChallengeRecord[] {
    return [...this.#records.values()].sort((a, b) => Number(b.filed.blockNumber - a.filed.blockNumber));
  }

  /** Challenges still to be judged or sent, oldest first. */
  unfinished(): ChallengeRecord[] {
    return [...this.#records.values()].filter((r) => !FINISHED.has(r.status)).sort((a, b) => Number(a.filed.blockNumber - b.filed.blockNumber));
  }

  /** Records challenges read from blocks up to `throughBlock` and moves the cursor there, in one durable write. */
  async addScanned(filed: readonly ChallengeFiled[], throughBlock: bigint, nowMs = Date.now()): Promise<ChallengeRecord[]> {
    const added: ChallengeRecord[] = [];
    for (const f of filed) {
      const id = f.id.toLowerCase() as Hex;
      if (this.#records.has(id)) continue;
      const record: ChallengeRecord = { filed: { ...f, id }, status: "waiting-for-evidence", seenAtMs: nowMs, updatedAtMs: nowMs };
      this.#records.set(id, record);
      added.push(record);
    }
    if (throughBlock > this.#scannedThroughBlock) this.#scannedThroughBlock = throughBlock;
    await this.#save();
    return added;
  }

  /** Changes a record and writes the book before resolving. */
  async update(id: Hex, change: Partial<Omit<ChallengeRecord, "filed" | "seenAtMs">>, nowMs = Date.now()): Promise<ChallengeRecord> {
    const record = this.get(id);
    if (!record) throw new Error(`no challenge ${id} in the book`);
    Object.assign(record, change, { updatedAtMs: nowMs });
    await this.#save();
    return record;
  }

  async flush(): Promise<void> {
    await this.#saving;
  }

  #save(): Promise<void> {
    const run = this.#saving.then(async () => {
      this.#prune();
      const file: BookFile = { version: 1, scannedThroughBlock: this.#scannedThroughBlock.toString(), challenges: [...this.#records.values()].map(toStored) };
      // Written aside and renamed into place: a crash leaves the old book or the new one, never half of one.
      const tmp = `${this.#path}.tmp`;
      await writeFile(tmp, JSON.stringify(file));
      await rename(tmp, this.#path);
    });
    this.#saving = run.catch(() => {});
    return run;
  }

  #prune(): void {
    const finished = [...this.#records.values()].filter((r) => FINISHED.has(r.status));
    if (finished.length <= MAX_FINISHED_KEPT) return;
    finished.sort((a, b) => a.updatedAtMs - b.updatedAtMs);
    for (const r of finished.slice(0, finished.length - MAX_FINISHED_KEPT)) this.#records.delete(r.filed.id);
  }
}
