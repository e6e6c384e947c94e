// Gathers each segment's encoded video and audio as the encoders hand them out, and releases a segment once all of
// it is in: its video up to the next segment's keyframe, and its audio up to its end. Pure, no DOM.
import type { SegmentSpan } from "./segment-cutter.ts";

/** One encoded frame or audio packet, its data copied out of the encoder's chunk; timestamps on the video clock. */
export interface EncodedSample {
  timestampUs: number;
  /** The encoder's own duration, when it gives one. */
  durationUs: number | undefined;
  key: boolean;
  data: Uint8Array;
}

/** Everything of one segment, ready to mux. */
export interface AssembledSegment {
  span: SegmentSpan;
  video: EncodedSample[];
  audio: EncodedSample[];
  /** Sum of the encoder's time on this segment's frames (encode call to chunk out). */
  encodeMs: number;
}

/** The encoder gave a segment's first frame as a delta frame: the segment would not decode on its own. */
export class KeyframeMissing extends Error {
  override name = "KeyframeMissing";
  readonly sequenceNumber: number;
  readonly timestampUs: number;

  constructor(sequenceNumber: number, timestampUs: number) {
    super(`the encoder made segment ${sequenceNumber}'s first frame (at ${timestampUs} µs) a delta frame despite the keyframe request`);
    this.sequenceNumber = sequenceNumber;
    this.timestampUs = timestampUs;
  }
}

interface Pending {
  sequenceNumber: number;
  startUs: number;
  endUs: number | undefined;
  video: EncodedSample[];
  encodeMs: number;
  /** A later video chunk (or the encoder's flush) showed that no more of this segment's frames will come. */
  videoComplete: boolean;
}

export class SegmentAssembler {
  #pending: Pending[] = [];
  #audio: EncodedSample[] = [];
  #expectAudio: boolean;
  #audioWatermarkUs = -Infinity;
  #emittedUntilUs = -Infinity;
  #onReady: (segment: AssembledSegment) => void;
  /** Audio packets in no segment: from before the first frame, or arriving after their segment had gone out. */
  droppedAudio = 0;

  /** `expectAudio`: hold each segment until its audio is in (until audioEnded says no more will come). */
  constructor(options: { expectAudio: boolean; onReady: (segment: AssembledSegment) => void }) {
    this.#expectAudio = options.expectAudio;
    this.#onReady = options.onReady;
  }

  /** The cutter opened a segment at this frame; every video chunk from this timestamp on belongs to it. */
  open(sequenceNumber: number, startUs: number): void {
    this.#pending.push({ sequenceNumber, startUs, endUs: undefined, video: [], encodeMs: 0, videoComplete: false });
  }

  /** The cutter closed a segment (a later frame opened the next one, or the stream stopped). */
  close(span: SegmentSpan): void {
    const segment = this.#pending.find((p) => p.sequenceNumber === span.sequenceNumber);
    if (segment) segment.endUs = span.endUs;
    this.#release();
  }

  /** One encoded frame, in output order; throws KeyframeMissing when a segment's first frame is not a keyframe. */
  addVideo(sample: EncodedSample, encodeMs: number): void {
    const segment = this.#pending.findLast((p) => p.startUs <= sample.timestampUs);
    if (segment === undefined) return;
    if (segment.video.length === 0 && !sample.key) throw new KeyframeMissing(segment.sequenceNumber, sample.timestampUs);
    segment.video.push(sample);
    segment.encodeMs += encodeMs;
    // The encoder keeps frame order, so every earlier segment has all its frames.
    for (const earlier of this.#pending) {
      if (earlier === segment) break;
      earlier.videoComplete = true;
    }
    this.#release();
  }

  /** The video encoder has been flushed: every segment closed so far has all its frames. */
  videoFlushed(): void {
    for (const segment of this.#pending) if (segment.endUs !== undefined) segment.videoComplete = true;
    this.#release();
  }

  /** One encoded audio packet, in output order, its timestamp already on the video clock. */
  addAudio(sample: EncodedSample): void {
    if (sample.timestampUs < this.#emittedUntilUs) {
      this.droppedAudio++;
      return;
    }
    this.#audio.push(sample);
    this.#audioWatermarkUs = Math.max(this.#audioWatermarkUs, sample.timestampUs);
    this.#release();
  }

  /** No more audio will come (no microphone, its encoder failed, or the stream stopped). */
  audioEnded(): void {
    this.#expectAudio = false;
    this.#release();
  }

  /** The oldest segment's number when it has all its video and waits only for audio (the caller may time that out). */
  get waitingForAudio(): number | undefined {
    const head = this.#pending[0];
    return head !== undefined && head.endUs !== undefined && head.videoComplete ? head.sequenceNumber : undefined;
  }

  /** Releases segment `sequenceNumber` with what audio is in, if it still waits for the rest (a stalled microphone). */
  releaseWithoutWaiting(sequenceNumber: number): void {
    if (this.waitingForAudio === sequenceNumber) this.#emitHead();
    this.#release();
  }

  /** Segments not released yet. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  #release(): void {
    for (;;) {
      const head = this.#pending[0];
      if (head === undefined || head.endUs === undefined || !head.videoComplete) return;
      // Audio packets leave the encoder in order, so one at or past the end means the segment's audio is all in.
      if (this.#expectAudio && this.#audioWatermarkUs < head.endUs) return;
      this.#emitHead();
    }
  }

  #emitHead(): void {
    const head = this.#pending.shift();
    if (head === undefined || head.endUs === undefined) return;
    const endUs = head.endUs;
    const before = this.#audio.filter((a) => a.timestampUs < head.startUs).length;
    this.droppedAudio += before;
    const audio = this.#audio.filter((a) => a.timestampUs >= head.startUs && a.timestampUs < endUs);
    this.#audio = this.#audio.filter((a) => a.timestampUs >= endUs);
    this.#emittedUntilUs = endUs;
    this.#onReady({ span: { sequenceNumber: head.sequenceNumber, startUs: head.startUs, endUs }, video: head.video, audio, encodeMs: head.encodeMs });
  }
}
