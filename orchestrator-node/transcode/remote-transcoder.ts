// The orchestrator's side of one remote transcoder's WebSocket: sends it jobs, matches its replies, notices it leave.
import type { WebSocket } from "ws";
import type { Logger } from "../log.ts";
import type { H264Encoder } from "./ffmpeg-args.ts";
import { TranscodeFailed, TranscoderLost, TranscodeTimedOut, type MemberJob, type PoolMember } from "./pool-member.ts";
import type { TranscodeResult } from "./transcode.ts";
import { decodeReply, encodeJob, MalformedTranscoderMessage, type JobReply, type TranscoderRegistration } from "./transcoder-wire.ts";

interface PendingJob {
  job: MemberJob;
  resolve(result: TranscodeResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  /** The caller was already answered (timed out); a late reply only frees the slot. */
  settled: boolean;
}

/** WebSocket close code for a peer that broke the wire format (RFC 6455 "policy violation"). */
const CLOSE_POLICY_VIOLATION = 1008;
const MAX_JOB_ID = 0xffff_ffff;

export class RemoteTranscoder implements PoolMember {
  readonly kind = "remote";
  readonly id: string;
  readonly name: string;
  readonly capacity: number;
  readonly encoder: H264Encoder;
  readonly remoteAddress: string;
  readonly #ws: WebSocket;
  readonly #log: Logger;
  readonly #pending = new Map<number, PendingJob>();
  readonly #onGone: (member: RemoteTranscoder, reason: string) => void;
  #lastJobId = 0;
  #answeredPing = true;
  #gone = false;

  constructor(o: {
    id: string;
    ws: WebSocket;
    registration: TranscoderRegistration;
    remoteAddress: string;
    logger: Logger;
    onGone(member: RemoteTranscoder, reason: string): void;
  }) {
    this.id = o.id;
    this.name = o.registration.name;
    this.capacity = o.registration.capacity;
    this.encoder = o.registration.encoder;
    this.remoteAddress = o.remoteAddress;
    this.#ws = o.ws;
    this.#log = o.logger;
    this.#onGone = o.onGone;
    o.ws.on("message", (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    o.ws.on("pong", () => (this.#answeredPing = true));
    o.ws.on("error", (error) => this.#log.warn({ transcoderId: this.id, err: error.message }, "transcoder socket error"));
    o.ws.on("close", (code: number, reason: Buffer) => this.#leave(`socket closed with code ${code}${reason.length ? ` (${reason.toString()})` : ""}`));
  }

  get load(): number {
    return this.#pending.size;
  }

  transcode(job: MemberJob): Promise<TranscodeResult> {
    if (this.#gone) return Promise.reject(new TranscoderLost({ transcoderId: this.id, streamId: job.streamId, reason: "already gone" }));
    const jobId = (this.#lastJobId = (this.#lastJobId % MAX_JOB_ID) + 1);
    return new Promise<TranscodeResult>((resolve, reject) => {
      const entry: PendingJob = {
        job,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => {
          entry.settled = true;
          reject(new TranscodeTimedOut({ transcoderId: this.id, streamId: job.streamId, timeoutMs: job.timeoutMs }));
        }, job.timeoutMs),
      };
      this.#pending.set(jobId, entry);
      const { streamId, sequenceNumber, ladder, timeoutMs } = job;
      const message = encodeJob({ jobId, streamId, ...(sequenceNumber === undefined ? {} : { sequenceNumber }), ladder: [...ladder], timeoutMs }, job.segment);
      this.#ws.send(message, (error) => {
        // A failed send means the socket is going; its close event fails every pending job, this one included.
        if (error) this.#log.warn({ transcoderId: this.id, jobId, streamId, err: error.message }, "could not send a job to a transcoder");
      });
    });
  }

  /** Called every ping interval: drops a transcoder that has not answered the previous ping, then pings again. */
  heartbeat(): void {
    if (!this.#answeredPing) {
      this.#log.warn({ transcoderId: this.id }, "transcoder missed a ping; dropping it");
      this.#ws.terminate();
      return;
    }
    this.#answeredPing = false;
    this.#ws.ping();
  }

  /** Closes the connection (the transcoder reconnects with backoff); pending jobs fail as TranscoderLost. */
  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
    // A peer that does not finish the closing handshake is cut off, so that close() cannot hang on it.
    setTimeout(() => this.#ws.terminate(), 1_000).unref();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let reply: JobReply;
    try {
      reply = decodeReply(data, isBinary);
    } catch (error) {
      if (!(error instanceof MalformedTranscoderMessage)) throw error;
      this.#log.warn({ transcoderId: this.id, jobId: error.jobId, reason: error.reason }, "malformed message from a transcoder; closing it");
      this.#ws.close(CLOSE_POLICY_VIOLATION, "malformed message");
      return;
    }
    const entry = this.#pending.get(reply.jobId);
    if (!entry) {
      this.#log.warn({ transcoderId: this.id, jobId: reply.jobId }, "transcoder answered a job it was not given");
      return;
    }
    this.#pending.delete(reply.jobId);
    clearTimeout(entry.timer);
    const ids = { transcoderId: this.id, streamId: entry.job.streamId };
    if (entry.settled) {
      this.#log.info({ ...ids, jobId: reply.jobId, sequenceNumber: entry.job.sequenceNumber }, "late answer from a transcoder dropped; its slot is free again");
      return;
    }
    if (reply.type === "error") {
      entry.reject(new TranscodeFailed({ ...ids, errorName: reply.error.name, reason: reply.error.message, retryable: reply.error.retryable }));
      return;
    }
    const mismatch = ladderMismatch(entry.job, reply.renditions.map((r) => r.rendition));
    if (mismatch) {
      // A transcoder answering with other renditions than asked for is broken; another one may do better.
      entry.reject(new TranscodeFailed({ ...ids, errorName: "WrongRenditions", reason: mismatch, retryable: true }));
      return;
    }
    entry.resolve({ renditions: reply.renditions, transcodeMs: reply.transcodeMs });
  }

  #leave(reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    for (const entry of this.#pending.values()) {
      clearTimeout(entry.timer);
      if (!entry.settled) entry.reject(new TranscoderLost({ transcoderId: this.id, streamId: entry.job.streamId, reason }));
    }
    this.#pending.clear();
    this.#onGone(this, reason);
  }
}

function ladderMismatch(job: MemberJob, got: readonly { name: string; width: number; height: number }[]): string | undefined {
  const want = job.ladder.map((r) => `${r.name} ${r.width}x${r.height}`).join(", ");
  const have = got.map((r) => `${r.name} ${r.width}x${r.height}`).join(", ");
  return want === have ? undefined : `asked for [${want}], got [${have}]`;
}
