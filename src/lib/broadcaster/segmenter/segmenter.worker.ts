// The segmenter's worker: reads the camera's frames (and the microphone's audio), encodes them with WebCodecs,
// forces a keyframe at every segment boundary, and sends each segment to the page as its own MP4 file.
import { openAudioEncoder, openVideoEncoder } from "./encoders.ts";
import { defaultVideoBitrateKbps } from "./h264-config.ts";
import { copyAudio, restampedAudio, type AudioCopy } from "./audio-copy.ts";
import { muxSegment, type SegmentTracks } from "./mux-segment.ts";
import { KeyframeMissing, SegmentAssembler, type AssembledSegment } from "./segment-assembler.ts";
import { SegmentCutter, spanToMs } from "./segment-cutter.ts";
import { TrackClocks } from "./track-clocks.ts";
import type { FromWorker, SegmenterStats, StartMessage, ToWorker, WorkerFailure } from "./worker-protocol.ts";

/** Frames waiting in the encoder beyond which new camera frames are skipped, so latency cannot build up. */
const MAX_ENCODE_QUEUE = 3;
/** A segment whose video is complete goes out without the rest of its audio once the microphone has been silent this long. */
const AUDIO_STALL_MS = 1000;
/** ...or once it has waited this long in all, however the audio flows (an encoder that takes data but gives nothing). */
const MAX_AUDIO_WAIT_MS = 5000;
/** Microphone buffers (10 ms each in Chromium) kept while the clock offset is not known yet. */
const MAX_UNPLACED_AUDIO = 500;
/** Frame rate assumed for the level and the last frame's length when the track gives none and none is measured yet. */
const FALLBACK_FPS = 30;

/** The part of DedicatedWorkerGlobalScope used here (the project type-checks with the DOM library). */
interface WorkerScope {
  postMessage(message: FromWorker, options?: { transfer?: Transferable[] }): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

const nowUs = () => performance.now() * 1000;

class SegmenterRun {
  readonly #start: StartMessage;
  readonly #cutter: SegmentCutter;
  readonly #clocks = new TrackClocks();
  readonly #assembler: SegmentAssembler;
  readonly #videoReader: ReadableStreamDefaultReader<VideoFrame>;
  readonly #audioReader: ReadableStreamDefaultReader<AudioData> | undefined;
  #videoEncoder: VideoEncoder | undefined;
  #audioEncoder: AudioEncoder | undefined;
  #audioOff = false;
  #tracks: Partial<SegmentTracks> & { width?: number; height?: number } = {};
  #videoDecoderConfig: VideoDecoderConfig | undefined;
  /** Microphone data waiting for the clock offset to be known, with when it arrived. */
  #unplacedAudio: { copy: AudioCopy; arrivalUs: number }[] = [];
  /** The last audio timestamp encoded, on the video clock: the encoder is given increasing timestamps only. */
  #lastAudioUs = -Infinity;
  /** When each frame went into the encoder (performance.now ms), by timestamp. */
  #encodeStarts = new Map<number, number>();
  #frames = { count: 0, firstUs: 0, lastUs: 0 };
  #audioWait: { sequenceNumber: number; sinceMs: number; timer: ReturnType<typeof setTimeout> } | undefined;
  /** When audio last moved: data read from the microphone, or a packet out of the encoder (performance.now ms). */
  #lastAudioMs = performance.now();
  #failed = false;
  #reportedFps: number | undefined;
  readonly stats: SegmenterStats = {
    segments: 0,
    framesEncoded: 0,
    framesDropped: 0,
    audioPacketsDropped: 0,
    bytes: 0,
    audioBuffersOffClock: 0,
    audioClockOffsetMs: null,
    codec: null,
  };

  constructor(start: StartMessage) {
    this.#start = start;
    this.#cutter = new SegmentCutter(start.segmentDurationMs * 1000);
    this.#videoReader = start.video.getReader();
    this.#audioReader = start.audio?.getReader();
    this.#assembler = new SegmentAssembler({ expectAudio: start.audio !== undefined, onReady: (segment) => this.#emit(segment) });
  }

  /** Runs until both tracks end (stop, or the camera going away), then sends `stopped`. */
  async run(): Promise<void> {
    try {
      await Promise.all([this.#videoLoop(), this.#audioLoop()]);
    } catch (error) {
      this.#fail({ kind: "failed", stage: "worker", reason: (error as Error).message });
    }
    if (this.#audioWait) clearTimeout(this.#audioWait.timer);
    for (const encoder of [this.#videoEncoder, this.#audioEncoder]) if (encoder && encoder.state !== "closed") encoder.close();
    this.stats.audioPacketsDropped = this.#assembler.droppedAudio;
    scope.postMessage({ type: "stopped", stats: { ...this.stats } });
  }

  /** Ends both tracks' reading; what is in the encoders still goes out. */
  stop(): void {
    void this.#videoReader.cancel().catch(() => undefined);
  }

  async #videoLoop(): Promise<void> {
    for (;;) {
      const { value: frame, done } = await this.#videoReader.read();
      if (done) break;
      try {
        await this.#onFrame(frame);
      } finally {
        frame.close();
      }
      if (this.#failed) break;
    }
    if (!this.#failed && this.#videoEncoder) {
      await this.#videoEncoder.flush();
      const span = this.#cutter.finish(this.#frameDurationUs());
      if (span) this.#assembler.close(span);
      this.#assembler.videoFlushed();
    }
    // The audio of the last segment is what the microphone gave until the camera stopped.
    void this.#audioReader?.cancel().catch(() => undefined);
  }

  async #onFrame(frame: VideoFrame): Promise<void> {
    this.#clocks.observe("video", frame.timestamp, nowUs());
    if (this.#videoEncoder === undefined && !(await this.#openVideo(frame))) return;
    const encoder = this.#videoEncoder;
    if (encoder === undefined) return;
    if (encoder.encodeQueueSize >= MAX_ENCODE_QUEUE) {
      this.stats.framesDropped++;
      return;
    }
    const decision = this.#cutter.push(frame.timestamp);
    if (decision.kind === "drop") {
      this.stats.framesDropped++;
      return;
    }
    if (decision.kind === "start") {
      this.#assembler.open(decision.sequenceNumber, frame.timestamp);
      if (decision.closed) this.#assembler.close(decision.closed);
    }
    if (this.#frames.count === 0) this.#frames.firstUs = frame.timestamp;
    this.#frames.count++;
    this.#frames.lastUs = frame.timestamp;
    this.#encodeStarts.set(frame.timestamp, performance.now());
    encoder.encode(frame, { keyFrame: decision.kind === "start" });
    this.stats.framesEncoded++;
  }

  async #openVideo(frame: VideoFrame): Promise<boolean> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const fps = this.#start.fps ?? FALLBACK_FPS;
    const bitrateKbps = this.#start.videoBitrateKbps ?? defaultVideoBitrateKbps(width, height);
    const opened = await openVideoEncoder({
      width,
      height,
      fps,
      bitrateKbps,
      output: (chunk, meta) => this.#onVideoChunk(chunk, meta),
      error: (error) => this.#fail({ kind: "failed", stage: "video-encoder", reason: error.message }),
    });
    if (opened.encoder === undefined) {
      this.#fail({ kind: "h264Unsupported", width, height, fps, bitrateKbps, codecs: opened.tried.join(", ") || "none fits" });
      return false;
    }
    this.#videoEncoder = opened.encoder;
    this.#tracks.width = width;
    this.#tracks.height = height;
    this.stats.codec = opened.codec;
    scope.postMessage({ type: "started", codec: opened.codec, width, height, videoBitrateKbps: bitrateKbps });
    return true;
  }

  #onVideoChunk(chunk: EncodedVideoChunk, meta: EncodedVideoChunkMetadata | undefined): void {
    if (this.#failed) return;
    if (meta?.decoderConfig) this.#videoDecoderConfig = meta.decoderConfig;
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    // Frames the encoder skipped never come out; forget their start times along with this one's.
    let encodeMs = 0;
    for (const [timestamp, startedMs] of this.#encodeStarts) {
      if (timestamp > chunk.timestamp) break;
      if (timestamp === chunk.timestamp) encodeMs = performance.now() - startedMs;
      this.#encodeStarts.delete(timestamp);
    }
    try {
      this.#assembler.addVideo({ timestampUs: chunk.timestamp, durationUs: chunk.duration ?? undefined, key: chunk.type === "key", data }, encodeMs);
    } catch (error) {
      // Thrown in the encoder's callback, it would reach nobody: report it instead.
      const stage = error instanceof KeyframeMissing ? "video-encoder" : "worker";
      this.#fail({ kind: "failed", stage, reason: (error as Error).message });
    }
    this.#armAudioWait();
  }

  async #audioLoop(): Promise<void> {
    const reader = this.#audioReader;
    if (reader) {
      for (;;) {
        const { value: data, done } = await reader.read();
        if (done) break;
        try {
          await this.#onAudio(data);
        } finally {
          data.close();
        }
        if (this.#failed) break;
      }
      if (this.#audioEncoder && this.#audioEncoder.state === "configured") await this.#audioEncoder.flush().catch(() => undefined);
    }
    this.#assembler.audioEnded();
  }

  async #onAudio(data: AudioData): Promise<void> {
    const arrivalUs = nowUs();
    this.#clocks.observe("audio", data.timestamp, arrivalUs);
    this.#lastAudioMs = performance.now();
    if (this.#audioOff) return;
    const copy = copyAudio(data);
    if (copy === undefined) return;
    this.#unplacedAudio.push({ copy, arrivalUs });
    // Until the clock offset is known the audio waits (bounded: a microphone without a camera frame is not kept forever).
    if (this.#unplacedAudio.length > MAX_UNPLACED_AUDIO) this.#unplacedAudio.shift();
    await this.#encodeAudio();
  }

  /** Encodes the waiting audio, re-stamped on the video clock, once the offset between the clocks is known. */
  async #encodeAudio(): Promise<void> {
    const offsetUs = this.#clocks.audioToVideoUs;
    if (offsetUs === undefined) return;
    this.stats.audioClockOffsetMs = offsetUs / 1000;
    const waiting = this.#unplacedAudio;
    this.#unplacedAudio = [];
    for (const { copy, arrivalUs } of waiting) {
      const timestampUs = this.#clocks.placeAudio(copy.timestampUs, arrivalUs);
      if (timestampUs === undefined || timestampUs <= this.#lastAudioUs) {
        this.stats.audioBuffersOffClock++;
        continue;
      }
      this.#lastAudioUs = timestampUs;
      if (this.#audioEncoder === undefined) {
        const { sampleRate, numberOfChannels } = copy;
        this.#audioEncoder = await openAudioEncoder(
          sampleRate,
          numberOfChannels,
          (chunk, meta) => this.#onAudioChunk(chunk, meta, sampleRate, numberOfChannels),
          () => this.#audioGone(),
        );
        if (this.#audioEncoder === undefined) return this.#audioGone();
      }
      if (this.#audioEncoder.state !== "configured") return;
      const data = restampedAudio(copy, timestampUs);
      this.#audioEncoder.encode(data);
      data.close();
    }
  }

  #onAudioChunk(chunk: EncodedAudioChunk, meta: EncodedAudioChunkMetadata | undefined, sampleRate: number, numberOfChannels: number): void {
    if (meta?.decoderConfig) this.#tracks.audio = { sampleRate, numberOfChannels, decoderConfig: meta.decoderConfig };
    this.#lastAudioMs = performance.now();
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    // Already on the video clock: the encoder was given re-stamped data.
    this.#assembler.addAudio({ timestampUs: chunk.timestamp, durationUs: chunk.duration ?? undefined, key: chunk.type === "key", data });
    this.#armAudioWait();
  }

  /** Without a working audio encoder the stream goes on with video only: a silent stream beats none. */
  #audioGone(): void {
    this.#audioOff = true;
    this.#unplacedAudio = [];
    void this.#audioReader?.cancel().catch(() => undefined);
    this.#assembler.audioEnded();
  }

  /**
   * A segment waiting only for audio goes out with what audio it has once the microphone stalls (AUDIO_STALL_MS
   * without data) or after MAX_AUDIO_WAIT_MS; audio that is merely slow (a cold encoder) is waited for.
   */
  #armAudioWait(): void {
    const waiting = this.#assembler.waitingForAudio;
    if (waiting === undefined || this.#audioWait?.sequenceNumber === waiting) return;
    if (this.#audioWait) clearTimeout(this.#audioWait.timer);
    const sinceMs = performance.now();
    const check = () => {
      const now = performance.now();
      const stalledFor = now - this.#lastAudioMs;
      const waitedFor = now - sinceMs;
      if (this.#assembler.waitingForAudio === waiting && stalledFor < AUDIO_STALL_MS && waitedFor < MAX_AUDIO_WAIT_MS) {
        const nextCheckMs = Math.min(AUDIO_STALL_MS - stalledFor, MAX_AUDIO_WAIT_MS - waitedFor);
        this.#audioWait = { sequenceNumber: waiting, sinceMs, timer: setTimeout(check, nextCheckMs) };
        return;
      }
      this.#audioWait = undefined;
      this.#assembler.releaseWithoutWaiting(waiting);
      this.#armAudioWait();
    };
    this.#audioWait = { sequenceNumber: waiting, sinceMs, timer: setTimeout(check, AUDIO_STALL_MS) };
  }

  #emit(segment: AssembledSegment): void {
    if (this.#failed) return;
    const { width, height } = this.#tracks;
    const origin = this.#cutter.originUs;
    if (width === undefined || height === undefined || origin === undefined || this.#videoDecoderConfig === undefined) {
      this.#fail({ kind: "failed", stage: "muxer", reason: "a segment came before the encoder described its output" });
      return;
    }
    const muxStarted = performance.now();
    let muxed: ReturnType<typeof muxSegment>;
    try {
      muxed = muxSegment(segment, { video: { width, height, decoderConfig: this.#videoDecoderConfig }, audio: this.#tracks.audio });
    } catch (error) {
      this.#fail({ kind: "failed", stage: "muxer", reason: (error as Error).message });
      return;
    }
    const { bytes, hasAudio } = muxed;
    const encodeMs = segment.encodeMs + (performance.now() - muxStarted);
    const { startMs, durationMs } = spanToMs(segment.span, origin);
    this.stats.segments++;
    this.stats.bytes += bytes.byteLength;
    this.stats.audioPacketsDropped = this.#assembler.droppedAudio;
    scope.postMessage(
      {
        type: "segment",
        sequenceNumber: segment.span.sequenceNumber,
        bytes,
        startMs,
        durationMs,
        width,
        height,
        fps: this.#segmentFps(),
        hasAudio,
        encodeMs: Math.round(encodeMs * 10) / 10,
        stats: { ...this.stats },
      },
      { transfer: [bytes.buffer] },
    );
  }

  /**
   * The fps every segment reports: the track's setting, else the rate measured over the first segment, kept from
   * then on since a job announces one rate for the whole stream.
   */
  #segmentFps(): number {
    this.#reportedFps ??= this.#start.fps ?? this.#measuredFps() ?? FALLBACK_FPS;
    return this.#reportedFps;
  }

  /** Frames per second over the frames encoded so far, to 2 decimals; undefined before the second frame. */
  #measuredFps(): number | undefined {
    const { count, firstUs, lastUs } = this.#frames;
    if (count < 2 || lastUs <= firstUs) return undefined;
    return Math.round(((count - 1) * 1e8) / (lastUs - firstUs)) / 100;
  }

  /** The last frame's length: the measured average interval, else the track's setting. */
  #frameDurationUs(): number {
    const fps = this.#measuredFps() ?? this.#start.fps ?? FALLBACK_FPS;
    return Math.round(1e6 / fps);
  }

  #fail(failure: WorkerFailure): void {
    if (this.#failed) return;
    this.#failed = true;
    scope.postMessage({ type: "failure", failure });
    void this.#videoReader.cancel().catch(() => undefined);
    void this.#audioReader?.cancel().catch(() => undefined);
  }
}

let current: SegmenterRun | undefined;

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.type === "start" && current === undefined) {
    current = new SegmenterRun(message);
    void current.run();
  } else if (message.type === "stop") {
    if (current) current.stop();
    else scope.postMessage({ type: "stopped", stats: { segments: 0, framesEncoded: 0, framesDropped: 0, audioPacketsDropped: 0, audioBuffersOffClock: 0, bytes: 0, audioClockOffsetMs: null, codec: null } });
  }
});
