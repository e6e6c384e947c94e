// Decides where the stream is cut into segments, from video frame timestamps alone (pure, no DOM): which frame
// must be a keyframe, and the exact start and duration of every closed segment, so that segments tile the stream.

/** One closed segment in the stream's own timestamps (µs): [startUs, endUs). */
export interface SegmentSpan {
  sequenceNumber: number;
  startUs: number;
  endUs: number;
}

/** What to do with one frame. */
export type FrameDecision =
  /** Its timestamp does not advance: an encoder and a muxer both need increasing timestamps, so it is not encoded. */
  | { kind: "drop" }
  /** A delta frame of the current segment. */
  | { kind: "continue"; sequenceNumber: number }
  /** A keyframe opening segment `sequenceNumber`; `closed` is the segment it ends (none for the first frame). */
  | { kind: "start"; sequenceNumber: number; closed: SegmentSpan | undefined };

/**
 * Cuts on a fixed grid: boundaries every segmentDurationUs of media time from the first frame, and a segment starts
 * at the first frame whose timestamp reaches the next boundary. The grid (rather than "start + duration") keeps a
 * late frame from pushing every later boundary back. A closed segment ends where the next one starts, both taken
 * from the same frame timestamp, so consecutive segments have neither gap nor overlap by construction.
 */
export class SegmentCutter {
  readonly segmentDurationUs: number;
  #originUs: number | undefined;
  #current: { sequenceNumber: number; startUs: number } | undefined;
  #nextBoundaryUs = 0;
  #lastUs = -Infinity;
  #finished = false;

  constructor(segmentDurationUs: number) {
    if (!Number.isFinite(segmentDurationUs) || segmentDurationUs <= 0) {
      throw new RangeError(`segmentDurationUs must be a positive number of microseconds, got ${segmentDurationUs}`);
    }
    this.segmentDurationUs = segmentDurationUs;
  }

  /** Timestamp of the first frame: stream time 0. Undefined until a frame arrives. */
  get originUs(): number | undefined {
    return this.#originUs;
  }

  /** The segment frames go to now, if any. */
  get current(): { sequenceNumber: number; startUs: number } | undefined {
    return this.#current;
  }

  push(timestampUs: number): FrameDecision {
    if (this.#finished || !Number.isFinite(timestampUs) || timestampUs <= this.#lastUs) return { kind: "drop" };
    this.#lastUs = timestampUs;
    if (this.#originUs === undefined || this.#current === undefined) {
      this.#originUs = timestampUs;
      this.#current = { sequenceNumber: 0, startUs: timestampUs };
      this.#nextBoundaryUs = timestampUs + this.segmentDurationUs;
      return { kind: "start", sequenceNumber: 0, closed: undefined };
    }
    if (timestampUs < this.#nextBoundaryUs) return { kind: "continue", sequenceNumber: this.#current.sequenceNumber };
    const closed: SegmentSpan = { ...this.#current, endUs: timestampUs };
    this.#current = { sequenceNumber: closed.sequenceNumber + 1, startUs: timestampUs };
    // After a stall several boundaries may have passed; the next one is the first still ahead of this frame.
    const periods = Math.floor((timestampUs - this.#originUs) / this.segmentDurationUs) + 1;
    this.#nextBoundaryUs = this.#originUs + periods * this.segmentDurationUs;
    return { kind: "start", sequenceNumber: this.#current.sequenceNumber, closed };
  }

  /**
   * Closes the last segment when the stream stops: it ends one frame duration after its last frame. Returns
   * undefined when no frame ever came. A cutter serves one stream: frames pushed after this are dropped.
   */
  finish(frameDurationUs: number): SegmentSpan | undefined {
    this.#finished = true;
    const current = this.#current;
    if (current === undefined) return undefined;
    this.#current = undefined;
    return { ...current, endUs: this.#lastUs + Math.max(1, frameDurationUs) };
  }
}

/** A span in whole milliseconds of stream time (0 = the first frame), as the wire's segment message carries it. */
export interface SpanMs {
  startMs: number;
  durationMs: number;
}

/**
 * Rounds a span to milliseconds from the stream origin. Both ends are rounded (never the duration on its own), so
 * startMs + durationMs of one segment is exactly the next one's startMs. The wire requires durationMs ≥ 1; only a
 * last segment shorter than half a millisecond is lengthened to that.
 */
export function spanToMs(span: SegmentSpan, originUs: number): SpanMs {
  const startMs = Math.round((span.startUs - originUs) / 1000);
  const endMs = Math.round((span.endUs - originUs) / 1000);
  return { startMs, durationMs: Math.max(1, endMs - startMs) };
}
