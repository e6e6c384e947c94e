// The public window of published streams (jobRequest.publish): the last few segments of every rendition, in memory,
// for viewers to poll over HTTP — bounded per stream, in total bytes, and forgotten a while after the session ends.
import type { Address } from "viem";
import type { JobRequest } from "../../src/lib/protocol/messages.ts";
import type { PublicStreamIndex } from "../../src/lib/protocol/public-stream.ts";
import { sameSizes } from "../transcode/ladder.ts";

/** About a minute of 2 s segments: enough for a viewer to join a little behind live and ride out a slow poll. */
export const DEFAULT_WINDOW_SEGMENTS = 30;
/** A few dozen 720p streams' windows; beyond it the oldest segments of any stream go first. */
export const DEFAULT_MAX_TOTAL_BYTES = 512 * 1024 * 1024;
/** Long enough for viewers to watch the end of a stream that just stopped, or a broadcaster to reconnect. */
export const DEFAULT_FORGET_AFTER_CLOSE_MS = 120_000;

export interface PublicStreamsOptions {
  orchestrator: Address;
  /** Segments kept per stream: the highest sequence numbers seen. */
  windowSegments?: number;
  /** Bytes of rendition data kept over all streams. */
  maxTotalBytes?: number;
  forgetAfterCloseMs?: number;
  /** Called with the bytes held whenever they change (a metrics gauge). */
  onBytes?(totalBytes: number): void;
}

/** One transcoded segment, as the session hands it over after sending the result. */
export interface TranscodedSegment {
  sequenceNumber: number;
  durationMs: number;
  renditions: readonly { rendition: { name: string; width: number; height: number }; bytes: Uint8Array }[];
}

/** What is kept of a segment, less its bytes. */
export interface PublicSegmentInfo {
  sequenceNumber: number;
  durationMs: number;
  startMs?: number;
  renditions: { name: string; width: number; height: number; byteLength: number }[];
}

interface StoredSegment extends PublicSegmentInfo {
  bytes: Map<string, Uint8Array>;
  byteLength: number;
}

interface Stream {
  streamId: string;
  /**
   * The job of the session that fed it last. Each session decodes its own offer, so the object tells sessions of one
   * streamId apart: a late segment of a closed session must not count as the stream being live again.
   */
  job: JobRequest;
  segments: Map<number, StoredSegment>;
  closed: boolean;
  forgetTimer?: ReturnType<typeof setTimeout>;
}

export class PublicStreams {
  readonly #orchestrator: Address;
  readonly #windowSegments: number;
  readonly #maxTotalBytes: number;
  readonly #forgetAfterCloseMs: number;
  readonly #onBytes: (totalBytes: number) => void;
  readonly #streams = new Map<string, Stream>();
  /** Every stored segment in the order it was stored (a replaced one moves to the end): the eviction order. */
  readonly #age = new Map<string, { stream: Stream; sequenceNumber: number }>();
  /** Jobs of sessions that ended: a segment of theirs finishing late must not bring a forgotten stream back for good. */
  readonly #closedJobs = new WeakSet<JobRequest>();
  #totalBytes = 0;

  constructor(o: PublicStreamsOptions) {
    this.#orchestrator = o.orchestrator;
    this.#windowSegments = o.windowSegments ?? DEFAULT_WINDOW_SEGMENTS;
    this.#maxTotalBytes = o.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    this.#forgetAfterCloseMs = o.forgetAfterCloseMs ?? DEFAULT_FORGET_AFTER_CLOSE_MS;
    this.#onBytes = o.onBytes ?? (() => {});
    if (!Number.isInteger(this.#windowSegments) || this.#windowSegments < 1) throw new RangeError("windowSegments must be a positive integer");
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * Keeps a transcoded segment of a published job (others are ignored). The same sequenceNumber again replaces the
   * stored one: a broadcaster re-sends a segment after a fault elsewhere, and viewers should get the newest.
   * `relayed`: the segment was transcoded elsewhere and relayed by the broadcaster (BroadcastSession's relayed event).
   */
  add(job: JobRequest, segment: TranscodedSegment, o: { relayed?: boolean } = {}): void {
    if (job.publish !== true) return;
    // A segment another orchestrator made, relayed after a failover, fills a gap: it never replaces one made here.
    if (o.relayed && this.#streams.get(job.streamId)?.segments.has(segment.sequenceNumber)) return;
    const byteLength = segment.renditions.reduce((n, r) => n + r.bytes.byteLength, 0);
    if (byteLength > this.#maxTotalBytes) return;

    let stream = this.#streams.get(job.streamId);
    if (this.#closedJobs.has(job) && stream?.job !== job) return;
    if (stream && stream.job !== job) {
      // A new session for this streamId. Someone else's, or another ladder: what viewers saw is not this stream.
      if (stream.job.broadcaster !== job.broadcaster || !sameSizes(stream.job.output, job.output)) {
        this.#forget(stream);
        stream = undefined;
      } else {
        clearTimeout(stream.forgetTimer);
        stream.forgetTimer = undefined;
        stream.closed = false;
        stream.job = job;
      }
    }
    if (!stream) {
      stream = { streamId: job.streamId, job, segments: new Map(), closed: false };
      this.#streams.set(job.streamId, stream);
    }

    const { sequenceNumber } = segment;
    if (!stream.segments.has(sequenceNumber) && stream.segments.size >= this.#windowSegments) {
      // Older than the whole window: a viewer is already past it.
      if (sequenceNumber < Math.min(...stream.segments.keys())) return;
    }
    this.#removeSegment(stream, sequenceNumber);

    const bytes = new Map<string, Uint8Array>();
    for (const { rendition, bytes: b } of segment.renditions) bytes.set(rendition.name, ownBytes(b));
    const stored: StoredSegment = {
      sequenceNumber,
      durationMs: segment.durationMs,
      renditions: segment.renditions.map(({ rendition, bytes: b }) => ({
        name: rendition.name,
        width: rendition.width,
        height: rendition.height,
        byteLength: b.byteLength,
      })),
      bytes,
      byteLength,
    };
    stream.segments.set(sequenceNumber, stored);
    this.#age.set(ageKey(stream.streamId, sequenceNumber), { stream, sequenceNumber });
    this.#totalBytes += byteLength;
    placeOnTimeline(stream, sequenceNumber);

    while (stream.segments.size > this.#windowSegments) this.#removeSegment(stream, Math.min(...stream.segments.keys()));
    this.#evictOverBudget();
    this.#onBytes(this.#totalBytes);
  }

  /** A session ended: its stream is forgotten forgetAfterCloseMs later, unless a new session of it publishes first. */
  closed(job: JobRequest): void {
    this.#closedJobs.add(job);
    const stream = this.#streams.get(job.streamId);
    if (!stream || stream.job !== job || stream.closed) return;
    stream.closed = true;
    if (stream.segments.size === 0) return this.#forget(stream);
    stream.forgetTimer = setTimeout(() => this.#forget(stream), this.#forgetAfterCloseMs);
    stream.forgetTimer.unref?.();
  }

  /** The index viewers poll, or undefined for a stream not held here. */
  index(streamId: string): PublicStreamIndex | undefined {
    const stream = this.#streams.get(streamId);
    if (!stream) return undefined;
    return {
      v: 1,
      streamId,
      orchestrator: this.#orchestrator,
      renditions: stream.job.output.map(({ name, width, height }) => ({ name, width, height })),
      segments: this.segments(streamId).map(({ sequenceNumber, durationMs, startMs }) => ({
        sequenceNumber,
        durationMs,
        ...(startMs !== undefined ? { startMs } : {}),
      })),
    };
  }

  /** What is kept of a stream's segments, oldest first. */
  segments(streamId: string): PublicSegmentInfo[] {
    const stream = this.#streams.get(streamId);
    if (!stream) return [];
    return [...stream.segments.values()]
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
      .map(({ sequenceNumber, durationMs, startMs, renditions }) => ({
        sequenceNumber,
        durationMs,
        ...(startMs !== undefined ? { startMs } : {}),
        renditions: renditions.map((r) => ({ ...r })),
      }));
  }

  /** One rendition of one segment (fragmented MP4), or undefined when it is not in the window. */
  segment(streamId: string, rendition: string, sequenceNumber: number): Uint8Array | undefined {
    return this.#streams.get(streamId)?.segments.get(sequenceNumber)?.bytes.get(rendition);
  }

  /** Drops everything and every timer (node shutdown). */
  clear(): void {
    for (const stream of [...this.#streams.values()]) this.#forget(stream);
  }

  #forget(stream: Stream): void {
    clearTimeout(stream.forgetTimer);
    for (const sequenceNumber of [...stream.segments.keys()]) this.#removeSegment(stream, sequenceNumber);
    if (this.#streams.get(stream.streamId) === stream) this.#streams.delete(stream.streamId);
    this.#onBytes(this.#totalBytes);
  }

  #removeSegment(stream: Stream, sequenceNumber: number): void {
    const stored = stream.segments.get(sequenceNumber);
    if (!stored) return;
    stream.segments.delete(sequenceNumber);
    this.#age.delete(ageKey(stream.streamId, sequenceNumber));
    this.#totalBytes -= stored.byteLength;
  }

  #evictOverBudget(): void {
    // Deleting entries of a Map while iterating it is defined: deleted ones are not visited.
    for (const { stream, sequenceNumber } of this.#age.values()) {
      if (this.#totalBytes <= this.#maxTotalBytes) break;
      this.#removeSegment(stream, sequenceNumber);
      // A closed stream with nothing left has nothing to show; an open one keeps its entry for the next segment.
      if (stream.segments.size === 0 && stream.closed) this.#forget(stream);
    }
  }
}

function ageKey(streamId: string, sequenceNumber: number): string {
  return `${streamId}/${sequenceNumber}`;
}

/** A copy when the bytes are a view into a larger buffer (a received message), so the window holds only its own bytes. */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * Sets startMs where the segment before is known (or this is segment 0), then for the stored segments after it
 * that lacked one. A replaced segment does not move the ones after it: they keep the start they were given.
 */
function placeOnTimeline(stream: Stream, sequenceNumber: number): void {
  const after = (s: PublicSegmentInfo) => (s.startMs !== undefined && Number.isSafeInteger(s.startMs + s.durationMs) ? s.startMs + s.durationMs : undefined);
  const segment = stream.segments.get(sequenceNumber)!;
  const before = stream.segments.get(sequenceNumber - 1);
  segment.startMs = sequenceNumber === 0 ? 0 : before ? after(before) : undefined;
  let previous = segment;
  for (let next = stream.segments.get(sequenceNumber + 1); next && next.startMs === undefined; next = stream.segments.get(next.sequenceNumber + 1)) {
    next.startMs = after(previous);
    if (next.startMs === undefined) break;
    previous = next;
  }
}
