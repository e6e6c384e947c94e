// The messages between the page and the segmenter worker (types only: the worker stays free of the page's code).

/** Page → worker: begin with these tracks' frames (the streams are transferred). */
export interface StartMessage {
  type: "start";
  video: ReadableStream<VideoFrame>;
  audio: ReadableStream<AudioData> | undefined;
  segmentDurationMs: number;
  /** Undefined: in proportion to the frame size (h264-config.ts). */
  videoBitrateKbps: number | undefined;
  /** The camera track's frame rate setting; undefined when it has none, and then measured. */
  fps: number | undefined;
}

/** Page → worker: end the stream; the last segment goes out, then `stopped`. */
export interface StopMessage {
  type: "stop";
}

export type ToWorker = StartMessage | StopMessage;

/** Counters of the whole run, sent with every segment and at the end. */
export interface SegmenterStats {
  segments: number;
  framesEncoded: number;
  /** Camera frames not encoded: the encoder was behind, or the timestamp did not advance. */
  framesDropped: number;
  /** Audio packets in no segment (before the first frame, or after their segment went out). */
  audioPacketsDropped: number;
  /** Microphone buffers not encoded: stamped on another clock than the rest (track-clocks.ts), or not after the last. */
  audioBuffersOffClock: number;
  bytes: number;
  /** The audio→video clock offset in use, in ms (0: same clock); null without audio or while still estimating. */
  audioClockOffsetMs: number | null;
  /** The codec string the encoder was configured with; null before the first frame. */
  codec: string | null;
}

/** Worker → page: the video encoder is configured (the first frame came). */
export interface StartedMessage {
  type: "started";
  codec: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
}

/** Worker → page: one segment (its bytes' buffer is transferred). */
export interface SegmentMessage {
  type: "segment";
  sequenceNumber: number;
  bytes: Uint8Array;
  startMs: number;
  durationMs: number;
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
  encodeMs: number;
  stats: SegmenterStats;
}

/** What made the worker give up, as data the page turns into a named error. */
export type WorkerFailure =
  | { kind: "h264Unsupported"; width: number; height: number; fps: number; bitrateKbps: number; codecs: string }
  | { kind: "failed"; stage: "video-encoder" | "audio-encoder" | "muxer" | "worker"; reason: string };

/** Worker → page: nothing more will come but `stopped`. */
export interface FailureMessage {
  type: "failure";
  failure: WorkerFailure;
}

/** Worker → page: every segment has gone out. */
export interface StoppedMessage {
  type: "stopped";
  stats: SegmenterStats;
}

export type FromWorker = StartedMessage | SegmentMessage | FailureMessage | StoppedMessage;
