// Cuts a camera stream into independently decodable MP4 segments off the main thread: the page hands the tracks'
// frames to a worker (segmenter.worker.ts) that encodes and muxes them, and gets each segment back as bytes.
import { MAX_SEGMENT_DURATION_MS } from "../../protocol/messages.ts";
import {
  CameraTrackEnded,
  H264EncoderUnsupported,
  InvalidSegmenterOption,
  NoCameraFrames,
  NoVideoTrack,
  SegmenterFailed,
  WebCodecsUnsupported,
} from "./errors.ts";
import type { FromWorker, SegmenterStats, StartMessage, StartedMessage, WorkerFailure } from "./worker-protocol.ts";

export type { SegmenterStats } from "./worker-protocol.ts";

/** One segment: a standalone MP4 starting on a keyframe, and where it sits in the stream. */
export interface CapturedSegment {
  sequenceNumber: number;
  bytes: Uint8Array;
  /** Start in stream time (ms after the first frame); startMs + durationMs is the next segment's startMs. */
  startMs: number;
  /** Whole milliseconds, at least 1, as the wire's segment message carries it. */
  durationMs: number;
  format: "mp4";
  codec: "h264";
  /** The encoded frame size. */
  width: number;
  height: number;
  /** The camera track's frame rate setting, or when it has none (a canvas) the rate measured over the first segment. */
  fps: number;
  hasAudio: boolean;
  /** The encoder's time on this segment's frames (encode call to chunk out, summed) plus muxing it. */
  encodeMs: number;
}

export interface SegmenterOptions {
  /** Default 2000; an integer from MIN_SEGMENT_DURATION_MS to the protocol's MAX_SEGMENT_DURATION_MS. */
  segmentDurationMs?: number;
  /** Default 2500 at 720p, in proportion to the pixel count at other sizes. */
  videoBitrateKbps?: number;
  onSegment(segment: CapturedSegment): void;
  /** A failure after start (encoder, muxer, camera gone); no segment follows it. */
  onError?(error: Error): void;
}

export interface Segmenter {
  /** Ends the stream: the last segment (one frame past the last frame) goes to onSegment before this resolves. */
  stop(): Promise<void>;
  readonly stats: Readonly<SegmenterStats>;
  /** The avc1 codec string the encoder took, and the encoded frame size. */
  readonly codec: string;
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_SEGMENT_DURATION_MS = 2000;
export const MIN_SEGMENT_DURATION_MS = 100;
const MIN_BITRATE_KBPS = 50;
const MAX_BITRATE_KBPS = 100_000;
/** How long the camera may take to deliver its first frame. */
export const START_TIMEOUT_MS = 10_000;
/** How long stop() waits for the worker to drain before it is ended anyway. */
const STOP_TIMEOUT_MS = 5_000;
/** Camera frames the track processor holds while the worker is busy: few, so frames are skipped rather than delayed. */
const VIDEO_BUFFER_FRAMES = 2;
/** Microphone buffers (10 ms each in Chromium) held while the worker is busy: audio is never skipped on a hiccup. */
const AUDIO_BUFFER_CHUNKS = 50;

interface TrackProcessorConstructor {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readonly readable: ReadableStream };
}

/** MediaStreamTrackProcessor is Chromium's on the page (the standard puts it in workers only; TypeScript's DOM types follow). */
function trackProcessor(): TrackProcessorConstructor | undefined {
  return (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor }).MediaStreamTrackProcessor;
}

function checkOptions(options: SegmenterOptions): { segmentDurationMs: number; videoBitrateKbps: number | undefined } {
  const segmentDurationMs = options.segmentDurationMs ?? DEFAULT_SEGMENT_DURATION_MS;
  if (!Number.isInteger(segmentDurationMs) || segmentDurationMs < MIN_SEGMENT_DURATION_MS || segmentDurationMs > MAX_SEGMENT_DURATION_MS) {
    throw new InvalidSegmenterOption({
      option: "segmentDurationMs",
      value: String(segmentDurationMs),
      expected: `an integer from ${MIN_SEGMENT_DURATION_MS} to ${MAX_SEGMENT_DURATION_MS}`,
    });
  }
  const videoBitrateKbps = options.videoBitrateKbps;
  if (videoBitrateKbps !== undefined && (!Number.isInteger(videoBitrateKbps) || videoBitrateKbps < MIN_BITRATE_KBPS || videoBitrateKbps > MAX_BITRATE_KBPS)) {
    throw new InvalidSegmenterOption({
      option: "videoBitrateKbps",
      value: String(videoBitrateKbps),
      expected: `an integer from ${MIN_BITRATE_KBPS} to ${MAX_BITRATE_KBPS}`,
    });
  }
  return { segmentDurationMs, videoBitrateKbps };
}

/** The track's frame rate setting when it is a usable one (a canvas stream says 0: frames come when drawn). */
function frameRateSetting(track: MediaStreamTrack): number | undefined {
  const fps = track.getSettings().frameRate;
  return fps !== undefined && Number.isFinite(fps) && fps > 0 ? fps : undefined;
}

function errorOf(failure: WorkerFailure): Error {
  if (failure.kind === "h264Unsupported") return new H264EncoderUnsupported(failure);
  return new SegmenterFailed({ stage: failure.stage, reason: failure.reason });
}

/**
 * Starts segmenting `stream`'s first live video track (and first live audio track, when there is one). Resolves
 * once the encoder has taken the first frame; rejects with WebCodecsUnsupported, NoVideoTrack,
 * InvalidSegmenterOption, H264EncoderUnsupported or NoCameraFrames. The caller's tracks are left running: the
 * segmenter reads clones of them and stops only those.
 */
export async function startSegmenter(stream: MediaStream, options: SegmenterOptions): Promise<Segmenter> {
  const { segmentDurationMs, videoBitrateKbps } = checkOptions(options);
  const Processor = trackProcessor();
  if (typeof VideoEncoder === "undefined") throw new WebCodecsUnsupported({ missing: "VideoEncoder" });
  if (Processor === undefined) throw new WebCodecsUnsupported({ missing: "MediaStreamTrackProcessor" });
  if (typeof Worker === "undefined") throw new WebCodecsUnsupported({ missing: "Worker" });
  const video = stream.getVideoTracks().find((t) => t.readyState === "live");
  if (video === undefined) throw new NoVideoTrack({ tracks: stream.getTracks().length });
  const audio = stream.getAudioTracks().find((t) => t.readyState === "live");

  // Clones: stopping them at the end closes the processors' streams without touching the caller's camera.
  const clones = [video.clone(), ...(audio ? [audio.clone()] : [])];
  const [videoClone, audioClone] = clones;
  const videoReadable = new Processor({ track: videoClone!, maxBufferSize: VIDEO_BUFFER_FRAMES }).readable as ReadableStream<VideoFrame>;
  const audioReadable = audioClone && (new Processor({ track: audioClone, maxBufferSize: AUDIO_BUFFER_CHUNKS }).readable as ReadableStream<AudioData>);
  const worker = new Worker(new URL("./segmenter.worker.ts", import.meta.url), { type: "module", name: "streamflow-segmenter" });

  let stats: SegmenterStats = { segments: 0, framesEncoded: 0, framesDropped: 0, audioPacketsDropped: 0, audioBuffersOffClock: 0, bytes: 0, audioClockOffsetMs: null, codec: null };
  let ended = false;
  let stopRequested = false;
  let started: { resolve(message: StartedMessage): void; reject(error: Error): void } | undefined;
  let stopped: (() => void) | undefined;
  const stopping = new Promise<void>((resolve) => (stopped = resolve));
  const end = () => {
    if (ended) return;
    ended = true;
    worker.terminate();
    for (const clone of clones) clone.stop();
    stopped?.();
  };
  /** A failure before the first frame rejects startSegmenter; after it, it goes to onError. */
  const failWith = (error: Error) => {
    if (ended) return;
    if (started) started.reject(error);
    else options.onError?.(error);
    end();
  };

  worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    switch (message.type) {
      case "started":
        started?.resolve(message);
        started = undefined;
        return;
      case "segment":
        stats = message.stats;
        options.onSegment({
          sequenceNumber: message.sequenceNumber,
          bytes: message.bytes,
          startMs: message.startMs,
          durationMs: message.durationMs,
          format: "mp4",
          codec: "h264",
          width: message.width,
          height: message.height,
          fps: message.fps,
          hasAudio: message.hasAudio,
          encodeMs: message.encodeMs,
        });
        return;
      case "failure":
        failWith(errorOf(message.failure));
        return;
      case "stopped":
        stats = message.stats;
        // Not asked to stop: the camera track ended on its own.
        if (!stopRequested) failWith(new CameraTrackEnded({ segments: stats.segments }));
        end();
        return;
    }
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    failWith(new SegmenterFailed({ stage: "worker", reason: event.message || "the worker script failed to load" }));
  });

  const start: StartMessage = {
    type: "start",
    video: videoReadable,
    audio: audioReadable,
    segmentDurationMs,
    videoBitrateKbps,
    fps: frameRateSetting(video),
  };
  const firstFrame = new Promise<StartedMessage>((resolve, reject) => (started = { resolve, reject }));
  worker.postMessage(start, [videoReadable, ...(audioReadable ? [audioReadable] : [])]);
  const timeout = setTimeout(() => failWith(new NoCameraFrames({ waitedMs: START_TIMEOUT_MS })), START_TIMEOUT_MS);
  let first: StartedMessage;
  try {
    first = await firstFrame;
  } finally {
    clearTimeout(timeout);
  }

  return {
    get stats() {
      return stats;
    },
    codec: first.codec,
    width: first.width,
    height: first.height,
    stop(): Promise<void> {
      if (!ended && !stopRequested) {
        stopRequested = true;
        worker.postMessage({ type: "stop" });
        setTimeout(end, STOP_TIMEOUT_MS);
      }
      return stopping;
    },
  };
}
