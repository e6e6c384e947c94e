// Builds ffmpeg command lines for a segment's ladder, for NVENC and for libx264: pure, so both are unit-tested
// on machines without a GPU.
import type { Rendition } from "./ladder.ts";

export type H264Encoder = "h264_nvenc" | "libx264";

export interface TranscodeArgsOptions {
  inputPath: string;
  outputs: { rendition: Rendition; path: string }[];
  encoder: H264Encoder;
  /** Keyframe interval in frames; a whole segment is one GOP by default so every rendition is independently decodable. */
  gopFrames: number;
  /** Transcode audio to AAC when the input has it (browsers play AAC in fMP4). */
  audio: boolean;
}

/** Fragmented MP4 that Media Source Extensions can append segment by segment. */
const FMP4_FLAGS = "+frag_keyframe+empty_moov+default_base_moof";
const AUDIO_BITRATE = "96k";

/** One ffmpeg process decodes the segment once and encodes every rendition from a split of the decoded frames. */
export function buildTranscodeArgs(o: TranscodeArgsOptions): string[] {
  if (o.outputs.length === 0) throw new Error("buildTranscodeArgs: no outputs");
  const n = o.outputs.length;
  const split = `[0:v]split=${n}${o.outputs.map((_, i) => `[s${i}]`).join("")}`;
  const scales = o.outputs.map(
    ({ rendition: r }, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p[v${i}]`,
  );
  const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", o.inputPath];
  args.push("-filter_complex", [split, ...scales].join(";"));
  o.outputs.forEach(({ rendition, path }, i) => {
    args.push("-map", `[v${i}]`);
    if (o.audio) args.push("-map", "0:a?", "-c:a", "aac", "-b:a", AUDIO_BITRATE);
    else args.push("-an");
    args.push(...videoEncoderArgs(o.encoder, rendition.bitrateKbps, o.gopFrames));
    // Keep every source frame and its timestamps: the spot check compares frame counts and durations.
    args.push("-fps_mode", "passthrough");
    args.push("-f", "mp4", "-movflags", FMP4_FLAGS, path);
  });
  return args;
}

/** Encoder settings: constant-bitrate, no B-frames (low latency), a keyframe at every GOP start, nothing else. */
export function videoEncoderArgs(encoder: H264Encoder, bitrateKbps: number, gopFrames: number): string[] {
  const rate = [`-b:v`, `${bitrateKbps}k`, `-maxrate`, `${bitrateKbps}k`, `-bufsize`, `${bitrateKbps * 2}k`];
  const gop = ["-g", String(gopFrames), "-bf", "0"];
  if (encoder === "h264_nvenc") {
    return ["-c:v", "h264_nvenc", "-preset", "p4", "-tune", "ll", "-rc", "cbr", "-forced-idr", "1", "-profile:v", "main", ...rate, ...gop];
  }
  return [
    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "main",
    "-x264-params", `keyint=${gopFrames}:min-keyint=${gopFrames}:scenecut=0`,
    ...rate, ...gop,
  ];
}

/** A tiny NVENC encode that fails fast where the encoder is compiled in but no usable GPU is present. */
export function nvencProbeArgs(): string[] {
  return [
    "-hide_banner", "-nostdin", "-loglevel", "error",
    "-f", "lavfi", "-i", "testsrc2=size=256x144:rate=30",
    "-frames:v", "5", "-c:v", "h264_nvenc", "-f", "null", "-",
  ];
}
