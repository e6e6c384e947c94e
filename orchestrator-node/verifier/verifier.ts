// The fault verifier's work loop: reads ChallengeFiled from the chain (durably, from where it stopped), waits a bounded
// time for the challenger's evidence, judges the rendition with native ffmpeg and submits its verdict once.
import type { Hex } from "viem";
import type { Logger } from "../log.ts";
import type { Rendition } from "../transcode/ladder.ts";
import type { ChallengeBook, ChallengeFiled, ChallengeRecord, EvidenceKind, Verdict } from "./challenge-book.ts";
import type { EvidenceStore } from "./evidence-store.ts";
import { checkRendition, type NativeCheckOptions, type NativeVerdict } from "./native-checks.ts";

export type OnChainStatus = "none" | "open" | "faulty" | "not-faulty" | "withdrawn";

/** The contract refused the verdict; `errorName` is its custom error (AlreadyJudged, ChallengeNotOpen, …). */
export class VerdictRefused extends Error {
  override readonly name = "VerdictRefused";
  readonly errorName: string;

  constructor(errorName: string, message: string) {
    super(`the FaultVerifier refused the verdict (${errorName}): ${message}`);
    this.errorName = errorName;
  }
}

/** What the verifier needs of the chain (verifier-chain.ts implements it with viem; tests with a fake). */
export interface VerifierChain {
  blockNumber(): Promise<bigint>;
  challengesFiled(fromBlock: bigint, toBlock: bigint): Promise<ChallengeFiled[]>;
  challenge(id: Hex): Promise<{ status: OnChainStatus; verdictDeadlineRound: bigint }>;
  currentRound(): Promise<bigint>;
  hasJudged(id: Hex): Promise<boolean>;
  /** Sends submitVerdict (after a simulation); rejects with VerdictRefused when the contract would revert. */
  sendVerdict(id: Hex, faulty: boolean): Promise<Hex>;
  /** Waits for a sent transaction: true when it succeeded. */
  waitForTransaction(hash: Hex): Promise<boolean>;
}

export type RenditionCheck = (source: Uint8Array, rendition: Rendition, renditionBytes: Uint8Array) => Promise<NativeVerdict>;

export interface VerifierOptions {
  chain: VerifierChain;
  book: ChallengeBook;
  store: EvidenceStore;
  log: Logger;
  /** How long after first seeing a challenge its evidence may still come; after that, a missing piece is a verdict. */
  evidenceWaitMs: number;
  pollIntervalMs?: number;
  /** Blocks read per getLogs call (RPC providers bound the range). */
  maxLogRangeBlocks?: bigint;
  check?: RenditionCheck;
  checkOptions?: NativeCheckOptions;
  now?: () => number;
}

/** Sending a verdict is retried this many times (with backoff) before the challenge is left as failed. */
const MAX_SEND_ATTEMPTS = 8;
/** Contract errors that mean this verifier's verdict is not wanted any more: nothing to retry. */
const CLOSED_ERRORS = new Set(["ChallengeNotOpen", "VerdictWindowClosed", "VerifierIsParty"]);

export class Verifier {
  readonly #o: VerifierOptions;
  readonly #check: RenditionCheck;
  readonly #now: () => number;
  #wake: (() => void) | undefined;
  readonly #nextAttemptAtMs = new Map<Hex, number>();
  /** A challenge's verdict deadline never changes once filed: read once. */
  readonly #deadlines = new Map<Hex, bigint>();

  constructor(o: VerifierOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#check = o.check ?? ((source, rendition, bytes) => checkRendition(source, rendition, bytes, o.checkOptions));
  }

  /** Evidence arrived: look at the waiting challenges now rather than at the next poll. */
  nudge(): void {
    this.#wake?.();
  }

  /** Scans and processes until `signal` aborts; a failing pass is logged and retried at the next poll. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.scan();
        await this.processAll();
      } catch (error) {
        this.#o.log.warn({ err: (error as Error).name, reason: (error as Error).message }, "verifier pass failed; retrying at the next poll");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#o.pollIntervalMs ?? 1_000);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
      this.#wake = undefined;
    }
  }

  /** Reads ChallengeFiled from the block after the last one read through the chain's head, into the book. */
  async scan(): Promise<void> {
    const head = await this.#o.chain.blockNumber();
    const range = this.#o.maxLogRangeBlocks ?? 5_000n;
    for (let from = this.#o.book.scannedThroughBlock + 1n; from <= head; from += range) {
      const to = from + range - 1n < head ? from + range - 1n : head;
      const added = await this.#o.book.addScanned(await this.#o.chain.challengesFiled(from, to), to, this.#now());
      for (const r of added) {
        const f = r.filed;
        this.#o.log.info(
          { challenge: f.id, orchestrator: f.orchestrator, challenger: f.challenger, rendition: f.rendition, streamId: f.streamId, sequenceNumber: f.sequenceNumber.toString(), block: f.blockNumber.toString() },
          "challenge filed; waiting for its evidence",
        );
      }
    }
  }

  /** One pass over every unfinished challenge, oldest first. */
  async processAll(): Promise<void> {
    for (const record of this.#o.book.unfinished()) {
      try {
        await this.process(record);
      } catch (error) {
        this.#o.log.warn({ challenge: record.filed.id, err: (error as Error).name, reason: (error as Error).message }, "challenge not processed; retrying at the next poll");
      }
    }
  }

  async process(record: ChallengeRecord): Promise<void> {
    const id = record.filed.id;
    if (record.status === "waiting-for-evidence") {
      const missing = await this.#missing(record.filed);
      if (missing.length > 0) {
        const waitedMs = this.#now() - record.seenAtMs;
        if (waitedMs < this.#o.evidenceWaitMs && !(await this.#lastChance(id))) {
          if (missing.join() !== record.missing?.join()) await this.#o.book.update(id, { missing }, this.#now());
          return;
        }
        if (!(await this.#stillOpen(record))) return;
        // The challenger carries the burden of proof: a challenge it does not substantiate costs it its bond.
        const verdict: Verdict = { faulty: false, reason: `evidence missing after ${Math.round(waitedMs / 1000)} s: ${missing.join(", ")}`, failures: [] };
        this.#o.log.warn({ challenge: id, missing }, "challenge evidence never came; judging it not faulty");
        record = await this.#o.book.update(id, { status: "submitting", missing, verdict }, this.#now());
      } else {
        if (!(await this.#stillOpen(record))) return;
        record = await this.#o.book.update(id, { status: "checking", missing: [] }, this.#now());
      }
    }
    if (record.status === "checking") {
      const verdict = await this.#judge(record.filed);
      this.#o.log.info({ challenge: id, faulty: verdict.faulty, reason: verdict.reason, failures: verdict.failures, ssim: verdict.ssim, psnrY: verdict.psnrY, referenceSsim: verdict.referenceSsim, referencePsnrY: verdict.referencePsnrY }, "challenge judged");
      record = await this.#o.book.update(id, { status: "submitting", verdict }, this.#now());
    }
    if (record.status === "submitting" || record.status === "failed") await this.#submit(record);
  }

  async #missing(f: ChallengeFiled): Promise<EvidenceKind[]> {
    const missing: EvidenceKind[] = [];
    if (!(await this.#o.store.has(f.inputHash))) missing.push("source");
    if (!(await this.#o.store.has(f.renditionHash))) missing.push("rendition");
    if (!(await this.#o.store.getLadder(f.jobHash))) missing.push("ladder");
    return missing;
  }

  /** The verdict window's last round has come: judge with what there is rather than not at all. */
  async #lastChance(id: Hex): Promise<boolean> {
    let deadline = this.#deadlines.get(id);
    if (deadline === undefined) {
      deadline = (await this.#o.chain.challenge(id)).verdictDeadlineRound;
      this.#deadlines.set(id, deadline);
    }
    return (await this.#o.chain.currentRound()) >= deadline;
  }

  /** Whether the challenge still takes this verifier's verdict; marks it closed when not. */
  async #stillOpen(record: ChallengeRecord): Promise<boolean> {
    const id = record.filed.id;
    const [onChain, round, judged] = await Promise.all([this.#o.chain.challenge(id), this.#o.chain.currentRound(), this.#o.chain.hasJudged(id)]);
    if (judged) {
      await this.#o.book.update(id, { status: "verdict-submitted" }, this.#now());
      return false;
    }
    let why: string | undefined;
    if (onChain.status !== "open") why = `the challenge is ${onChain.status} on chain`;
    else if (round > onChain.verdictDeadlineRound) why = `its verdict window closed in round ${onChain.verdictDeadlineRound}`;
    if (!why) return true;
    this.#o.log.info({ challenge: id, why }, "challenge closed without this verifier's verdict");
    await this.#o.book.update(id, { status: "closed", error: why }, this.#now());
    return false;
  }

  async #judge(f: ChallengeFiled): Promise<Verdict> {
    const [source, renditionBytes, ladder] = await Promise.all([
      this.#o.store.get(f.inputHash),
      this.#o.store.get(f.renditionHash),
      this.#o.store.getLadder(f.jobHash),
    ]);
    if (!source || !renditionBytes || !ladder) throw new Error(`evidence of challenge ${f.id} vanished from the store`);
    const rendition = ladder.find((r) => r.name === f.rendition);
    if (!rendition) {
      // The orchestrator signed an output the job never asked for.
      const failures = [{ check: "ladder" as const, expected: `one of ${ladder.map((r) => r.name).join(", ")}`, found: f.rendition }];
      return { faulty: true, reason: `rendition ${f.rendition} is not in the job's ladder`, failures };
    }
    const result = await this.#check(source, rendition, renditionBytes);
    const reason = result.undecidable
      ? `not the orchestrator's fault: ${result.undecidable}`
      : result.faulty
        ? result.failures.map((x) => `${x.check}: expected ${x.expected}, found ${x.found}`).join("; ")
        : `${rendition.name} matches its source (${rendition.width}x${rendition.height}${result.ssim === undefined ? "" : `, SSIM ${result.ssim.toFixed(4)}`})`;
    const { ssim, psnrY, referenceSsim, referencePsnrY } = result;
    const measured = Object.fromEntries(Object.entries({ ssim, psnrY, referenceSsim, referencePsnrY }).filter(([, v]) => v !== undefined));
    return { faulty: result.faulty, reason, failures: result.failures, ...measured };
  }

  async #submit(record: ChallengeRecord): Promise<void> {
    const id = record.filed.id;
    const verdict = record.verdict;
    if (!verdict) throw new Error(`challenge ${id} has no verdict to submit`);
    if ((record.attempts ?? 0) >= MAX_SEND_ATTEMPTS) return;
    if ((this.#nextAttemptAtMs.get(id) ?? 0) > this.#now()) return;
    // A verdict sent before a restart may have been mined: the chain, not the book, says whether it counted.
    if (record.txHash && (await this.#o.chain.hasJudged(id))) {
      await this.#o.book.update(id, { status: "verdict-submitted", error: undefined }, this.#now());
      return;
    }
    if (!(await this.#stillOpen(record))) return;
    try {
      const txHash = await this.#o.chain.sendVerdict(id, verdict.faulty);
      await this.#o.book.update(id, { status: "submitting", txHash }, this.#now());
      if (!(await this.#o.chain.waitForTransaction(txHash))) throw new Error(`verdict transaction ${txHash} reverted`);
      await this.#o.book.update(id, { status: "verdict-submitted", error: undefined }, this.#now());
      this.#o.log.info({ challenge: id, faulty: verdict.faulty, txHash, reason: verdict.reason }, "verdict submitted");
    } catch (error) {
      if (error instanceof VerdictRefused && error.errorName === "AlreadyJudged") {
        await this.#o.book.update(id, { status: "verdict-submitted", error: undefined }, this.#now());
        return;
      }
      if (error instanceof VerdictRefused && CLOSED_ERRORS.has(error.errorName)) {
        await this.#o.book.update(id, { status: "closed", error: error.message }, this.#now());
        return;
      }
      const attempts = (record.attempts ?? 0) + 1;
      this.#nextAttemptAtMs.set(id, this.#now() + Math.min(60_000, 1_000 * 2 ** attempts));
      this.#o.log.warn({ challenge: id, attempts, err: (error as Error).name, reason: (error as Error).message }, "verdict not submitted; retrying");
      await this.#o.book.update(id, { status: "failed", attempts, error: (error as Error).message.slice(0, 500) }, this.#now());
    }
  }
}
