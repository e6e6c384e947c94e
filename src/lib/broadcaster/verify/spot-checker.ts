// The page's side of the spot checks: hands sampled segments to the spot-check worker, one at a time with at most one
// waiting, and answers `skipped` at once for anything beyond, so that checking never holds the live stream back.
import { DEFAULT_SPOT_CHECK_OPTIONS } from "./checks.ts";
import { FFMPEG_CORE_PATH, type CoreKind } from "./core-urls.ts";
import { SpotCheckAborted, SpotCheckerUnavailable } from "./errors.ts";
import type { FromWorker, ToWorker } from "./worker-protocol.ts";
import type { SpotCheckInput, SpotCheckOptions, SpotCheckResult } from "./types.ts";

export interface SpotCheckerOptions {
  /** Where the ffmpeg.wasm cores are served; the app's own /ffmpeg/ by default. */
  coreBaseURL?: string;
  /** Thresholds; each defaults to DEFAULT_SPOT_CHECK_OPTIONS (measured in docs/spot-checks.md). */
  checkOptions?: Partial<SpotCheckOptions>;
  /** A check running longer than this is abandoned (skipped) and the worker started afresh. */
  maxCheckMs?: number;
  /** Limit of one ffmpeg run inside a check. */
  execTimeoutMs?: number;
}

export interface SpotCheckerLoad {
  core: CoreKind;
  coreURL: string;
  loadMs: number;
}

/** Reason of a check skipped because one is running and another already waits. */
export const CHECKER_BEHIND = "checker behind";

const DEFAULT_MAX_CHECK_MS = 60_000;
const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

interface Pending {
  input: SpotCheckInput;
  submittedAt: number;
  resolve(result: SpotCheckResult): void;
}

export class SpotChecker {
  readonly #coreBaseURL: string;
  readonly #options: SpotCheckOptions;
  readonly #maxCheckMs: number;
  readonly #execTimeoutMs: number;
  #worker: Worker | undefined;
  #loading: Promise<SpotCheckerLoad> | undefined;
  #running: Pending | undefined;
  #queued: Pending | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: SpotCheckerOptions = {}) {
    this.#coreBaseURL = options.coreBaseURL ?? FFMPEG_CORE_PATH;
    this.#options = { ...DEFAULT_SPOT_CHECK_OPTIONS, ...options.checkOptions };
    this.#maxCheckMs = options.maxCheckMs ?? DEFAULT_MAX_CHECK_MS;
    this.#execTimeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  }

  /** The segments being checked and waiting, by sequence number. */
  get pending(): { running: number | undefined; queued: number | undefined } {
    return { running: this.#running?.input.sequenceNumber, queued: this.#queued?.input.sequenceNumber };
  }

  /**
   * Starts the worker and loads ffmpeg.wasm, once; check() does it on first use, so calling this early only moves the
   * load (about 1.5 s) before the first check.
   * @throws SpotCheckerUnavailable when the core cannot be loaded (a later call tries again)
   */
  load(): Promise<SpotCheckerLoad> {
    if (this.#loading) return this.#loading;
    const worker = this.#startWorker();
    const loading = new Promise<SpotCheckerLoad>((resolve, reject) => {
      const onMessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "loaded") resolve({ core: message.core, coreURL: message.coreURL, loadMs: message.loadMs });
        else if (message.type === "loadFailed") reject(new SpotCheckerUnavailable({ coreURL: message.coreURL, reason: message.reason }));
        else return;
        worker.removeEventListener("message", onMessage);
      };
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", (event) => reject(new SpotCheckerUnavailable({ coreURL: this.#coreBaseURL, reason: event.message || "the worker failed to start" })), { once: true });
      this.#post({ type: "load", coreBaseURL: this.#coreBaseURL });
    });
    this.#loading = loading;
    loading.catch(() => this.#restart());
    return loading;
  }

  /**
   * Checks one segment's renditions; never blocks: with a check running and one waiting, it resolves at once as
   * `skipped` ("checker behind"). Resolves, never rejects: a check that cannot run is `skipped` with the reason.
   * The bytes are copied to the worker, so the caller keeps using them (for playback).
   */
  check(input: SpotCheckInput): Promise<SpotCheckResult> {
    const skipped = (reason: string): SpotCheckResult => ({ sequenceNumber: input.sequenceNumber, outcome: "skipped", failures: [], timeMs: 0, queuedMs: 0, reason });
    if (this.#closed) return Promise.resolve(skipped("checker closed"));
    if (this.#running && this.#queued) return Promise.resolve(skipped(CHECKER_BEHIND));
    return new Promise((resolve) => {
      const pending: Pending = { input, submittedAt: performance.now(), resolve };
      if (this.#running) this.#queued = pending;
      else void this.#run(pending);
    });
  }

  /** Stops the worker; checks running or waiting resolve as skipped. */
  close(): void {
    this.#closed = true;
    const left = [this.#running, this.#queued];
    this.#running = this.#queued = undefined;
    this.#restart();
    for (const p of left) p?.resolve({ sequenceNumber: p.input.sequenceNumber, outcome: "skipped", failures: [], timeMs: 0, queuedMs: 0, reason: "checker closed" });
  }

  async #run(pending: Pending): Promise<void> {
    this.#running = pending;
    const result = await this.#checkOnWorker(pending);
    if (this.#running !== pending) return; // closed meanwhile: already answered
    this.#running = undefined;
    pending.resolve(result);
    const next = this.#queued;
    this.#queued = undefined;
    if (next) void this.#run(next);
  }

  async #checkOnWorker(pending: Pending): Promise<SpotCheckResult> {
    const { sequenceNumber } = pending.input;
    const skipped = (reason: string): SpotCheckResult => ({
      sequenceNumber,
      outcome: "skipped",
      failures: [],
      timeMs: 0,
      queuedMs: Math.round(performance.now() - pending.submittedAt),
      reason,
    });
    try {
      await this.load();
    } catch (error) {
      return skipped(`checker unavailable: ${(error as Error).message}`);
    }
    const worker = this.#worker;
    if (worker === undefined) return skipped("checker closed");
    const id = this.#nextId++;
    const queuedMs = Math.round(performance.now() - pending.submittedAt);
    return new Promise<SpotCheckResult>((resolve) => {
      const finish = (result: SpotCheckResult, restart: boolean) => {
        clearTimeout(timer);
        worker.removeEventListener("message", onMessage);
        worker.removeEventListener("error", onError);
        if (restart) this.#restart();
        resolve(result);
      };
      const abort = (reason: string) => finish(skipped(new SpotCheckAborted({ sequenceNumber, reason }).message), true);
      const onMessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "checked" && message.id === id) finish({ ...message.outcome, queuedMs }, false);
        else if (message.type === "checkFailed" && message.id === id) abort(message.reason);
      };
      const onError = (event: ErrorEvent) => abort(`the checker's worker failed: ${event.message || "unknown error"}`);
      // ffmpeg.wasm runs synchronously in its worker: only terminating it stops a run that never ends.
      const timer = setTimeout(() => abort(`it ran past ${this.#maxCheckMs} ms`), this.#maxCheckMs);
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError);
      this.#post({ type: "check", id, input: pending.input, options: this.#options, execTimeoutMs: this.#execTimeoutMs });
    });
  }

  #startWorker(): Worker {
    this.#worker = new Worker(new URL("./spot-check.worker.ts", import.meta.url), { type: "module", name: "streamflow-spot-check" });
    return this.#worker;
  }

  #post(message: ToWorker): void {
    this.#worker?.postMessage(message);
  }

  /** Drops the worker (and its ffmpeg.wasm) so that the next check starts a fresh one. */
  #restart(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#loading = undefined;
  }
}
