// Opens the WebCodecs encoders the segmenter uses: H.264 for the camera (realtime, length-prefixed "avc" output for
// MP4) and Opus for the microphone, each only after the browser says it supports the exact configuration.
import { avcCodecString } from "./h264-config.ts";

export const AUDIO_BITRATE_BPS = 64_000;

export interface VideoEncoderRequest {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  output: EncodedVideoChunkOutputCallback;
  error: (error: Error) => void;
}

export type OpenedVideoEncoder = { encoder: VideoEncoder; codec: string } | { encoder: undefined; tried: string[] };

/**
 * Constrained baseline at the fitting level first, then plain baseline at the same level (Chromium's software
 * encoder takes both; a hardware encoder may take only one).
 */
export async function openVideoEncoder(request: VideoEncoderRequest): Promise<OpenedVideoEncoder> {
  const constrained = avcCodecString(request.width, request.height, request.fps, request.bitrateKbps);
  const candidates = constrained === undefined ? [] : [constrained, constrained.replace("avc1.42E0", "avc1.4200")];
  for (const codec of candidates) {
    const config: VideoEncoderConfig = {
      codec,
      width: request.width,
      height: request.height,
      bitrate: request.bitrateKbps * 1000,
      framerate: request.fps,
      latencyMode: "realtime",
      avc: { format: "avc" },
    };
    const support = await VideoEncoder.isConfigSupported(config).catch(() => ({ supported: false }));
    if (!support.supported) continue;
    const encoder = new VideoEncoder({ output: request.output, error: request.error });
    encoder.configure(config);
    return { encoder, codec };
  }
  return { encoder: undefined, tried: candidates };
}

/** An Opus encoder for this microphone format, or undefined when the browser has none (the stream goes on silent). */
export async function openAudioEncoder(
  sampleRate: number,
  numberOfChannels: number,
  output: EncodedAudioChunkOutputCallback,
  error: (error: Error) => void,
): Promise<AudioEncoder | undefined> {
  if (typeof AudioEncoder === "undefined") return undefined;
  const config: AudioEncoderConfig = { codec: "opus", sampleRate, numberOfChannels, bitrate: AUDIO_BITRATE_BPS };
  const support = await AudioEncoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support.supported) return undefined;
  const encoder = new AudioEncoder({ output, error });
  encoder.configure(config);
  return encoder;
}
