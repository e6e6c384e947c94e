// What goes wrong while cutting the camera into segments, named like the protocol's errors (a code, the data to act
// on, and the next step in plain words) so the broadcaster page shows them like every other failure.
import { ProtocolError } from "../../protocol/errors.ts";

/** This browser lacks an API the segmenter needs (WebCodecs' VideoEncoder, MediaStreamTrackProcessor). */
export class WebCodecsUnsupported extends ProtocolError<{ missing: string }> {
  override name = "WebCodecsUnsupported";

  constructor(data: { missing: string }) {
    super({
      code: "WEBCODECS_UNSUPPORTED",
      message: `This browser cannot segment the camera: ${data.missing} is missing.`,
      nextStep: "Go live from a recent Chromium-based browser (Chrome or Edge 94 or later), over https or on localhost.",
      data,
    });
  }
}

/** No H.264 encoder here takes the camera's frame size and rate. */
export class H264EncoderUnsupported extends ProtocolError<{ width: number; height: number; fps: number; bitrateKbps: number; codecs: string }> {
  override name = "H264EncoderUnsupported";

  constructor(data: { width: number; height: number; fps: number; bitrateKbps: number; codecs: string }) {
    super({
      code: "H264_ENCODER_UNSUPPORTED",
      message:
        `No H.264 encoder in this browser takes ${data.width}x${data.height} at ${data.fps} fps and ` +
        `${data.bitrateKbps} kbit/s (tried ${data.codecs}).`,
      nextStep: "Choose a lower camera resolution or bitrate, or go live from Chrome or Edge, which encode H.264.",
      data,
    });
  }
}

/** The encoder or the muxer failed while the stream was running; no more segments come. */
export class SegmenterFailed extends ProtocolError<{ stage: "video-encoder" | "audio-encoder" | "muxer" | "worker"; reason: string }> {
  override name = "SegmenterFailed";

  constructor(data: { stage: "video-encoder" | "audio-encoder" | "muxer" | "worker"; reason: string }) {
    super({
      code: "SEGMENTER_FAILED",
      message: `Segmenting the camera stopped: the ${data.stage} failed (${data.reason}).`,
      nextStep: "Go live again; if it happens again, choose a lower camera resolution or bitrate.",
      data,
    });
  }
}

/** The stream handed to the segmenter has no live video track. */
export class NoVideoTrack extends ProtocolError<{ tracks: number }> {
  override name = "NoVideoTrack";

  constructor(data: { tracks: number }) {
    super({
      code: "NO_VIDEO_TRACK",
      message: `The stream to segment has no live video track (${data.tracks} tracks in all).`,
      nextStep: "Start the camera first (startCapture) and pass its stream before it is stopped.",
      data,
    });
  }
}

/** The camera track is live but delivered no frame in time. */
export class NoCameraFrames extends ProtocolError<{ waitedMs: number }> {
  override name = "NoCameraFrames";

  constructor(data: { waitedMs: number }) {
    super({
      code: "NO_CAMERA_FRAMES",
      message: `The camera delivered no frame within ${data.waitedMs} ms.`,
      nextStep: "Check that no other application holds the camera and that it is not covered or disabled, then go live again.",
      data,
    });
  }
}

/** A segmenter option out of range. */
export class InvalidSegmenterOption extends ProtocolError<{ option: string; value: string; expected: string }> {
  override name = "InvalidSegmenterOption";

  constructor(data: { option: string; value: string; expected: string }) {
    super({
      code: "INVALID_SEGMENTER_OPTION",
      message: `Segmenter option ${data.option} is ${data.value}; it must be ${data.expected}.`,
      nextStep: `Set ${data.option} to ${data.expected}, or leave it out for the default.`,
      data,
    });
  }
}

/** The camera track ended by itself (unplugged, revoked, taken by the system) while segmenting. */
export class CameraTrackEnded extends ProtocolError<{ segments: number }> {
  override name = "CameraTrackEnded";

  constructor(data: { segments: number }) {
    super({
      code: "CAMERA_TRACK_ENDED",
      message: `The camera stopped delivering video after ${data.segments} segments.`,
      nextStep: "Reconnect the camera or allow it again in the browser's site settings, then go live again.",
      data,
    });
  }
}
