// Plays a live ladder in a <video> through Media Source Extensions: each segment's fMP4 rendition is appended at
// its place in stream time, in sequence order, with a rendition switch, small-gap jumping and a bounded buffer.
import { mp4CodecsString } from "./mp4-codecs.ts";

/** One segment of the ladder: every rendition's fMP4 bytes, and where the segment sits in stream time. */
export interface LadderSegment {
  sequenceNumber: number;
  startMs: number;
  durationMs: number;
  renditions: ReadonlyMap<string, Uint8Array>;
}

export interface LivePlayerOptions {
  /** The rendition to play first. */
  rendition: string;
  /** How long to wait for a missing segment before playing on without it. */
  missingWaitMs?: number;
  /** The first segment to play, when known (a broadcaster starts at 0); else the first one added. */
  firstSequenceNumber?: number;
  /**
   * Whether the stream carries audio, when known (the broadcaster knows its microphone): a rendition whose tracks
   * differ is not played (the buffer takes one track layout), and waits for a replacement. Else the first decides.
   */
  expectAudio?: boolean;
  /** Seconds of media kept behind the playhead; older media is removed from the buffer. */
  backBufferSec?: number;
  /** Called when a segment is appended or given up on (for stats and tests). */
  onSegment?(sequenceNumber: number, outcome: "appended" | "skipped" | "replaced", rendition: string): void;
}

/** Gaps up to this long (container rounding, AAC priming) are jumped over instead of stalling. */
const MAX_JUMPED_GAP_SEC = 0.3;
/** Segments kept in memory to re-append on a rendition switch. */
const KEPT_SEGMENTS = 8;
/** Playback starts once this much media is buffered: a segment in hand covers the next one's round trip. */
const START_BUFFER_SEC = 2;
/** Further than this behind the live edge, playback jumps forward. */
const MAX_LATENCY_SEC = 8;

type Operation = { kind: "append"; bytes: Uint8Array; offsetSec: number } | { kind: "remove"; startSec: number; endSec: number };

export class LivePlayer {
  readonly #video: HTMLVideoElement;
  readonly #o: Required<Omit<LivePlayerOptions, "onSegment" | "firstSequenceNumber" | "expectAudio">> & Pick<LivePlayerOptions, "onSegment" | "expectAudio">;
  readonly #mediaSource = new MediaSource();
  readonly #url: string;
  #sourceBuffer?: SourceBuffer;
  #mime?: string;
  readonly #operations: Operation[] = [];
  readonly #pending = new Map<number, LadderSegment>();
  readonly #kept: LadderSegment[] = [];
  #next?: number;
  #missingSince?: number;
  #rendition: string;
  #timer: ReturnType<typeof setInterval>;
  #started = false;
  /** Sequence numbers appended, in order, and those given up on: what playback had and lacked. */
  readonly appended: number[] = [];
  readonly skipped: number[] = [];
  readonly replaced: number[] = [];
  error?: Error;

  constructor(video: HTMLVideoElement, options: LivePlayerOptions) {
    this.#video = video;
    this.#o = { missingWaitMs: 4_000, backBufferSec: 30, ...options };
    this.#rendition = options.rendition;
    this.#next = options.firstSequenceNumber;
    this.#url = URL.createObjectURL(this.#mediaSource);
    video.src = this.#url;
    this.#timer = setInterval(() => this.#tick(), 250);
  }

  get rendition(): string {
    return this.#rendition;
  }

  /** Adds a segment (in any order); it is appended when every earlier one is, or was waited for long enough. */
  add(segment: LadderSegment): void {
    if (this.#next !== undefined && segment.sequenceNumber < this.#next) return; // late: its time has passed
    this.#pending.set(segment.sequenceNumber, segment);
    this.#next ??= segment.sequenceNumber;
    this.#drain();
  }

  /**
   * A better copy of a segment (its first result failed a spot check): it takes the old one's place, in the buffer
   * too when playback has not passed it yet.
   */
  replace(segment: LadderSegment): void {
    const seq = segment.sequenceNumber;
    const kept = this.#kept.findIndex((s) => s.sequenceNumber === seq);
    if (kept >= 0) this.#kept[kept] = segment;
    if (this.#pending.has(seq)) {
      this.#pending.set(seq, segment);
      return;
    }
    if (this.#next === undefined || seq >= this.#next) return this.add(segment);
    // Already passed in sequence: its bad copy is in the buffer, or it was skipped as unplayable.
    const bytes = segment.renditions.get(this.#rendition);
    if (!bytes || !this.#playable(bytes)) return;
    const startSec = segment.startMs / 1000;
    const endSec = startSec + segment.durationMs / 1000;
    if (endSec > this.#video.currentTime) {
      if (this.appended.includes(seq)) this.#enqueue({ kind: "remove", startSec, endSec });
      this.#enqueueSegment(segment);
    }
    const skippedAt = this.skipped.indexOf(seq);
    if (skippedAt >= 0) this.skipped.splice(skippedAt, 1);
    if (!this.appended.includes(seq)) this.appended.push(seq);
    if (kept < 0) this.#keep(segment);
    this.replaced.push(seq);
    this.#o.onSegment?.(seq, "replaced", this.#rendition);
  }

  /** Moves past a segment that will never come (no orchestrator could transcode it), without waiting for it. */
  giveUp(sequenceNumber: number): void {
    if (this.#next !== sequenceNumber) {
      // Not the one playback waits for yet: remember it, so it is skipped when its turn comes.
      this.#givenUp.add(sequenceNumber);
      return;
    }
    this.#skip();
    this.#drain();
  }

  #givenUp = new Set<number>();

  #skip(): void {
    if (this.#next === undefined) return;
    this.skipped.push(this.#next);
    this.#o.onSegment?.(this.#next, "skipped", this.#rendition);
    this.#givenUp.delete(this.#next);
    this.#next += 1;
    this.#missingSince = undefined;
  }

  /** Plays `name` from the next segment on; what is buffered ahead is replaced so the switch shows at once. */
  setRendition(name: string): void {
    if (name === this.#rendition) return;
    this.#rendition = name;
    const sb = this.#sourceBuffer;
    if (!sb) return;
    const now = this.#video.currentTime;
    const ahead = this.#kept.filter((s) => s.startMs / 1000 >= now + 0.1);
    if (ahead.length === 0) return;
    const from = ahead[0]!.startMs / 1000;
    this.#enqueue({ kind: "remove", startSec: from, endSec: Number.POSITIVE_INFINITY });
    for (const s of ahead) this.#enqueueSegment(s);
  }

  destroy(): void {
    clearInterval(this.#timer);
    this.#video.removeAttribute("src");
    this.#video.load();
    URL.revokeObjectURL(this.#url);
  }

  #drain(): void {
    while (this.#next !== undefined) {
      const segment = this.#pending.get(this.#next);
      if (!segment && this.#givenUp.has(this.#next)) {
        this.#skip();
        continue;
      }
      if (!segment) break;
      this.#pending.delete(this.#next);
      this.#missingSince = undefined;
      this.#append(segment);
      this.#next += 1;
    }
    if (this.#pending.size > 0) this.#missingSince ??= performance.now();
  }

  #append(segment: LadderSegment): void {
    const bytes = segment.renditions.get(this.#rendition);
    if (!bytes || !this.#playable(bytes)) {
      this.skipped.push(segment.sequenceNumber);
      this.#o.onSegment?.(segment.sequenceNumber, "skipped", this.#rendition);
      return;
    }
    this.#keep(segment);
    if (this.#mime === undefined && !this.#createSourceBuffer(bytes)) return;
    this.#enqueueSegment(segment);
    this.appended.push(segment.sequenceNumber);
    this.#o.onSegment?.(segment.sequenceNumber, "appended", this.#rendition);
  }

  #keep(segment: LadderSegment): void {
    this.#kept.push(segment);
    if (this.#kept.length > KEPT_SEGMENTS) this.#kept.shift();
  }

  /** The rendition has the stream's track layout (H.264, with audio exactly when the stream has it). */
  #playable(bytes: Uint8Array): boolean {
    let codecs: string;
    try {
      codecs = mp4CodecsString(bytes);
    } catch {
      return false;
    }
    const hasAudio = codecs.includes(",");
    if (this.#mime !== undefined) return this.#mime.includes(",") === hasAudio;
    return this.#o.expectAudio === undefined || this.#o.expectAudio === hasAudio;
  }

  #enqueueSegment(segment: LadderSegment): void {
    const bytes = segment.renditions.get(this.#rendition);
    if (bytes) this.#enqueue({ kind: "append", bytes, offsetSec: segment.startMs / 1000 });
  }

  /** Chooses the SourceBuffer's type from the first segment; the buffer opens when the MediaSource does. */
  #createSourceBuffer(firstSegment: Uint8Array): boolean {
    let mime: string;
    try {
      mime = `video/mp4; codecs="${mp4CodecsString(firstSegment)}"`;
    } catch (error) {
      this.error = error as Error;
      return false;
    }
    this.#mime = mime;
    if (this.#mediaSource.readyState === "open") this.#openSourceBuffer(mime);
    else this.#mediaSource.addEventListener("sourceopen", () => this.#openSourceBuffer(mime), { once: true });
    return true;
  }

  #openSourceBuffer(mime: string): void {
    if (this.#sourceBuffer) return;
    const sb = this.#mediaSource.addSourceBuffer(mime);
    sb.mode = "segments";
    sb.addEventListener("updateend", () => this.#flush());
    sb.addEventListener("error", () => (this.error = new Error("the browser could not decode a segment")));
    this.#sourceBuffer = sb;
    this.#flush();
  }

  #enqueue(op: Operation): void {
    this.#operations.push(op);
    this.#flush();
  }

  #flush(): void {
    const sb = this.#sourceBuffer;
    if (!sb || sb.updating || this.#mediaSource.readyState !== "open") return;
    const op = this.#operations.shift();
    if (!op) return this.#maybeStart();
    try {
      if (op.kind === "remove") {
        const end = Math.min(op.endSec, this.#mediaSource.duration || op.endSec);
        if (Number.isFinite(end) && end > op.startSec) sb.remove(op.startSec, end);
        else queueMicrotask(() => this.#flush());
      } else {
        sb.timestampOffset = op.offsetSec;
        sb.appendBuffer(op.bytes as Uint8Array<ArrayBuffer>);
      }
    } catch (error) {
      // QuotaExceeded and the like: drop this operation, trim the back buffer, carry on live.
      this.error = error as Error;
      queueMicrotask(() => this.#flush());
    }
  }

  #maybeStart(): void {
    const b = this.#video.buffered;
    if (this.#started || b.length === 0) return;
    if (b.end(b.length - 1) - b.start(0) < START_BUFFER_SEC) return;
    this.#started = true;
    this.#video.currentTime = b.start(0);
    void this.#video.play().catch(() => {}); // autoplay may need a click; the controls are there
  }

  #tick(): void {
    // A segment that never came: play on without it rather than stall the whole stream.
    if (this.#missingSince !== undefined && performance.now() - this.#missingSince > this.#o.missingWaitMs && this.#next !== undefined) {
      this.#skip();
      this.#drain();
    }
    const v = this.#video;
    const b = v.buffered;
    if (!this.#started || b.length === 0) return;
    const t = v.currentTime;
    for (let i = 0; i < b.length; i++) {
      // Stalled just before a small gap (or before the first range): jump it.
      if (b.start(i) > t && b.start(i) - t <= MAX_JUMPED_GAP_SEC && (i === 0 || b.end(i - 1) - t < 0.1)) {
        v.currentTime = b.start(i) + 0.01;
        break;
      }
    }
    const liveEdge = b.end(b.length - 1);
    if (liveEdge - t > MAX_LATENCY_SEC) v.currentTime = liveEdge - START_BUFFER_SEC;
    const sb = this.#sourceBuffer;
    if (sb && !sb.updating && this.#operations.length === 0 && t - b.start(0) > this.#o.backBufferSec + 5) {
      this.#enqueue({ kind: "remove", startSec: 0, endSec: t - this.#o.backBufferSec });
    }
  }
}
