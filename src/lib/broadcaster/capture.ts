// Opens the broadcaster's camera for going live (1280x720 at 30 fps where the camera can), with the microphone when
// there is one and it is allowed; without a camera there is no stream, and CameraUnavailable says why.
import { ProtocolError } from "../protocol/errors.ts";

export interface CaptureOptions {
  /** Ideal frame size and rate: the camera gives the nearest it has. */
  width?: number;
  height?: number;
  frameRate?: number;
  /** Ask for the microphone too (default true); refused or absent, the stream is video only. */
  audio?: boolean;
}

export const DEFAULT_CAPTURE = { width: 1280, height: 720, frameRate: 30, audio: true } as const;

type CameraProblem = "denied" | "missing" | "busy" | "insecure-context" | "other";

const NEXT_STEPS: Record<CameraProblem, string> = {
  denied: "Allow the camera for this site (the camera icon in the address bar, or the browser's site settings), then go live again.",
  missing: "Connect a camera (or enable it in the system settings), then go live again.",
  busy: "Close other applications or tabs using the camera, then go live again.",
  "insecure-context": "Open the app over https (or on localhost): browsers offer the camera only to secure pages.",
  other: "Reload the page and go live again; if it happens again, try another browser or camera.",
};

/** No camera stream: permission refused, no camera, camera busy, or a page the browser gives no camera to. */
export class CameraUnavailable extends ProtocolError<{ problem: CameraProblem; cause: string }> {
  override name = "CameraUnavailable";

  constructor(data: { problem: CameraProblem; cause: string }, options?: ErrorOptions) {
    super({ code: "CAMERA_UNAVAILABLE", message: `The camera is unavailable (${data.problem}): ${data.cause}.`, nextStep: NEXT_STEPS[data.problem], data }, options);
  }
}

/** getUserMedia's DOMException names, by what the broadcaster can do about them. */
function problemOf(error: unknown): CameraProblem {
  const name = error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return "missing";
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return "busy";
  return "other";
}

/**
 * Camera (ideal size and rate, never required: any camera beats none) plus microphone when asked. A failure with
 * the microphone is retried with the camera alone, since a refused or absent microphone must not stop the stream.
 */
export async function startCapture(options: CaptureOptions = {}): Promise<MediaStream> {
  const width = options.width ?? DEFAULT_CAPTURE.width;
  const height = options.height ?? DEFAULT_CAPTURE.height;
  const frameRate = options.frameRate ?? DEFAULT_CAPTURE.frameRate;
  const wantAudio = options.audio ?? DEFAULT_CAPTURE.audio;
  const mediaDevices = typeof navigator === "undefined" ? undefined : navigator.mediaDevices;
  if (mediaDevices?.getUserMedia === undefined) {
    throw new CameraUnavailable({ problem: "insecure-context", cause: "navigator.mediaDevices.getUserMedia is missing" });
  }
  const video: MediaTrackConstraints = { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: frameRate } };
  if (wantAudio) {
    try {
      return await mediaDevices.getUserMedia({ video, audio: true });
    } catch {
      // Camera alone next; if the camera was the problem, that attempt says so.
    }
  }
  try {
    return await mediaDevices.getUserMedia({ video, audio: false });
  } catch (error) {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CameraUnavailable({ problem: problemOf(error), cause: cause.slice(0, 200) }, { cause: error });
  }
}
