// A Node broadcaster that fails over: it streams through one orchestrator and, when that one stops answering (its
// /healthz refuses), opens a session on the next and sends the same segment again, as the browser's selection does.
import type { LocalAccount } from "viem/accounts";
import { refusedForStaleParams } from "../../../src/lib/broadcaster/orchestrator-session.ts";
import { fromWireError } from "../../../src/lib/protocol/errors.ts";
import type { JobRequest } from "../../../src/lib/protocol/messages.ts";
import { NodeBroadcaster, type SegmentReply } from "../../e2e/node-broadcaster.ts";

/** The job every reliability stream asks for: 720p30 H.264 in, one 360p rendition out. */
export function streamJob(broadcaster: `0x${string}`, streamId: string): JobRequest {
  return {
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 },
    output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
  };
}

/** What happened to one segment: who served it and how many sends it took. */
export interface SegmentOutcome {
  sequenceNumber: number;
  servedBy: string;
  reply: SegmentReply;
  sends: number;
}

/** Payments per segment on one orchestrator: the first, and retries after stale-params refusals (as the browser's). */
const MAX_PAYMENT_ATTEMPTS = 3;
/** How long to wait for the ticketParamsUpdate that follows a win (it comes just after the result it paid for). */
const PARAMS_UPDATE_WAIT_MS = 1_000;

/** How often a broadcaster waiting on a segment checks that its orchestrator is still there. */
const LIVENESS_POLL_MS = 300;

/**
 * sendSegment, paying again when the payment was refused only for params a win retired a moment ago (every ticket
 * wins in these tests, and the node sends new params just after the result, so the next segment may race them).
 */
export async function sendPaid(b: NodeBroadcaster, job: JobRequest, sequenceNumber: number, bytes: Uint8Array, durationMs: number): Promise<SegmentReply> {
  for (let attempt = 1; ; attempt++) {
    const params = b.ticketParams;
    const reply = await b.sendSegment(job.streamId, sequenceNumber, bytes, durationMs);
    if (reply.message.type !== "error" || attempt >= MAX_PAYMENT_ATTEMPTS || !refusedForStaleParams(fromWireError(reply.message.error))) return reply;
    for (const deadline = Date.now() + PARAMS_UPDATE_WAIT_MS; b.ticketParams === params && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // No update came: the params ran out with the round, not with a win. A new quote brings current ones.
    if (b.ticketParams === params) await b.quote(job);
  }
}

class OrchestratorGone extends Error {
  override readonly name = "OrchestratorGone";
  constructor(url: string) {
    super(`the orchestrator at ${url} stopped answering: fail over to the next one`);
  }
}

/** Rejects once `url`'s /healthz refuses; `stop()` ends the watch. */
function watchLiveness(url: string): { gone: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const gone = new Promise<never>((_resolve, reject) => {
    const check = async () => {
      if (stopped) return;
      // Only a refused connection means gone: a slow answer on a loaded machine is still an orchestrator.
      const refused = await fetch(`${url}/healthz`).then(() => false, (e: Error) => (e.cause as { code?: string } | undefined)?.code === "ECONNREFUSED");
      if (stopped) return;
      if (refused) reject(new OrchestratorGone(url));
      else timer = setTimeout(check, LIVENESS_POLL_MS);
    };
    timer = setTimeout(check, LIVENESS_POLL_MS);
  });
  gone.catch(() => undefined);
  return { gone, stop: () => ((stopped = true), clearTimeout(timer)) };
}

export class FailoverBroadcaster {
  readonly #account: LocalAccount;
  readonly #job: JobRequest;
  readonly #urls: string[];
  #index = 0;
  #current?: NodeBroadcaster;
  readonly outcomes: SegmentOutcome[] = [];
  /** Each failover, for a failing test's message. */
  readonly failovers: string[] = [];

  /** `urls` in order of preference: the first serves until it is gone, then the next. */
  constructor(account: LocalAccount, job: JobRequest, urls: string[]) {
    this.#account = account;
    this.#job = job;
    this.#urls = urls;
  }

  async #session(): Promise<NodeBroadcaster> {
    if (this.#current) return this.#current;
    const url = this.#urls[this.#index];
    if (url === undefined) throw new Error("no orchestrator left");
    const b = new NodeBroadcaster(this.#account, url);
    await b.quote(this.#job);
    await b.open(this.#job);
    this.#current = b;
    return b;
  }

  /** Sends one segment, failing over (and sending it again) while orchestrators disappear under it. */
  async send(sequenceNumber: number, bytes: Uint8Array, durationMs: number): Promise<SegmentOutcome> {
    for (let sends = 1; ; sends++) {
      const url = this.#urls[this.#index];
      if (url === undefined) throw new Error(`segment ${sequenceNumber}: no orchestrator left to fail over to (${this.failovers.join("; ")})`);
      const watch = watchLiveness(url);
      try {
        const reply = await Promise.race([
          this.#session().then((b) => sendPaid(b, this.#job, sequenceNumber, bytes, durationMs)),
          watch.gone,
        ]);
        const outcome = { sequenceNumber, servedBy: url, reply, sends };
        this.outcomes.push(outcome);
        return outcome;
      } catch (error) {
        if (!(error instanceof OrchestratorGone)) throw error;
        this.failovers.push(`segment ${sequenceNumber}: ${error.message}`);
        this.#current?.close();
        this.#current = undefined;
        this.#index++;
      } finally {
        watch.stop();
      }
    }
  }

  /** What an answer was, by name: "result", or the error's name. */
  static describe(reply: SegmentReply): string {
    const m = reply.message;
    return m.type === "error" ? `${m.error.name}${m.error.data?.reason ? `(${String(m.error.data.reason)})` : ""}` : m.type;
  }

  close(): void {
    this.#current?.close();
  }
}
