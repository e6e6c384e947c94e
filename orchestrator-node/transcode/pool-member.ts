// What one member of the transcoder pool is (a remote transcoder, or this node's own ffmpeg) and how a job on it fails.
import type { H264Encoder } from "./ffmpeg-args.ts";
import type { Rendition } from "./ladder.ts";
import { ProcessFailed } from "./run-process.ts";
import type { TranscodeResult } from "./transcode.ts";
import type { JobError } from "./transcoder-wire.ts";

export interface MemberJob {
  streamId: string;
  /** For log lines only. */
  sequenceNumber?: number;
  segment: Uint8Array;
  ladder: readonly Rendition[];
  timeoutMs: number;
}

export interface PoolMember {
  readonly id: string;
  readonly kind: "local" | "remote";
  readonly name: string;
  readonly capacity: number;
  readonly encoder: H264Encoder;
  /**
   * Jobs it holds now. A job the pool stopped waiting for stays counted until the member answers it or goes away:
   * the member is still busy with it, and counting it keeps the pool from sending more than the member can take.
   */
  readonly load: number;
  /** Starts a job, counted in `load` before this returns; rejects with a TranscoderJobError. */
  transcode(job: MemberJob): Promise<TranscodeResult>;
}

/** A job that failed on one member; `retryable` says whether another member may succeed where this one did not. */
export class TranscoderJobError extends Error {
  override name = "TranscoderJobError";
  readonly transcoderId: string;
  readonly streamId: string;
  readonly retryable: boolean;

  constructor(message: string, d: { transcoderId: string; streamId: string; retryable: boolean }, options?: ErrorOptions) {
    super(message, options);
    this.transcoderId = d.transcoderId;
    this.streamId = d.streamId;
    this.retryable = d.retryable;
  }
}

/** The transcoder's connection closed with the job in flight (it crashed, was killed, or its network went). */
export class TranscoderLost extends TranscoderJobError {
  override name = "TranscoderLost";
  readonly reason: string;

  constructor(d: { transcoderId: string; streamId: string; reason: string }) {
    super(
      `transcoder ${d.transcoderId} went away with a segment of stream ${d.streamId} in flight (${d.reason}). ` +
        "The pool sends the segment to another transcoder; if transcoders keep going away, read their logs.",
      { ...d, retryable: true },
    );
    this.reason = d.reason;
  }
}

/** The member did not answer in time; it may still be working, so it keeps the job in its load until it does. */
export class TranscodeTimedOut extends TranscoderJobError {
  override name = "TranscodeTimedOut";
  readonly timeoutMs: number;

  constructor(d: { transcoderId: string; streamId: string; timeoutMs: number }) {
    super(
      `transcoder ${d.transcoderId} took over ${d.timeoutMs} ms for a segment of stream ${d.streamId}. ` +
        "The pool sends the segment to another transcoder; if this keeps happening, lower that transcoder's capacity.",
      { ...d, retryable: true },
    );
    this.timeoutMs = d.timeoutMs;
  }
}

/** The member answered the job with an error: ffmpeg could not transcode the segment, or the member could not run it. */
export class TranscodeFailed extends TranscoderJobError {
  override name = "TranscodeFailed";
  /** The error's name on the member (ProcessFailed, TranscoderAtCapacity, …) and its message. */
  readonly errorName: string;
  readonly reason: string;

  constructor(d: { transcoderId: string; streamId: string; errorName: string; reason: string; retryable: boolean }, options?: ErrorOptions) {
    super(
      `transcoder ${d.transcoderId} could not transcode a segment of stream ${d.streamId}: ${d.errorName}: ${d.reason}. ` +
        (d.retryable
          ? "The pool sends the segment to another transcoder."
          : "ffmpeg refused the segment: check that the stream's segments are playable video in the format its job declared."),
      d,
      options,
    );
    this.errorName = d.errorName;
    this.reason = d.reason;
  }
}

/**
 * How a failed transcode is reported: ffmpeg exiting with an error means the segment is bad, and another machine's
 * ffmpeg would refuse it too; anything else (a timeout, ffmpeg missing, a full disk) is this machine's trouble.
 */
export function describeTranscodeFailure(error: unknown): JobError {
  const segmentAtFault = error instanceof ProcessFailed && error.code !== null && !error.timedOut;
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name || "Error", message: e.message, retryable: !segmentAtFault };
}
