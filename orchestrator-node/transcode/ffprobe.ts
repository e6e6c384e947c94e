// Reads what a media file really is (container, codec, resolution, duration, frame count) with ffprobe: the
// orchestrator checks incoming segments against the job with it, and tests check renditions.
import { runProcess } from "./run-process.ts";

export interface MediaInfo {
  formatName: string;
  durationMs: number;
  video: {
    codec: string;
    width: number;
    height: number;
    frameCount: number;
    fps: number;
  };
  hasAudio: boolean;
}

export class NotAVideo extends Error {
  override readonly name = "NotAVideo";
  readonly reason: string;

  constructor(reason: string) {
    super(`not a playable video: ${reason}`);
    this.reason = reason;
  }
}

const PROBE_TIMEOUT_MS = 15_000;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
  nb_frames?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
}

/** Probes `path`, counting frames by decoding (exact, and the only way for fragmented MP4). */
export async function probeMedia(path: string, ffprobePath = "ffprobe"): Promise<MediaInfo> {
  let stdout: string;
  try {
    ({ stdout } = await runProcess(
      ffprobePath,
      ["-v", "error", "-count_frames", "-show_entries", "format=format_name,duration:stream=codec_type,codec_name,width,height,nb_read_frames,nb_frames,avg_frame_rate,r_frame_rate,duration", "-of", "json", path],
      PROBE_TIMEOUT_MS,
    ));
  } catch (error) {
    throw new NotAVideo((error as Error).message);
  }
  const parsed = JSON.parse(stdout) as { format?: { format_name?: string; duration?: string }; streams?: FfprobeStream[] };
  const streams = parsed.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video");
  if (!video || !video.codec_name || !video.width || !video.height) throw new NotAVideo("no video stream");
  const durationS = Number(parsed.format?.duration ?? video.duration ?? NaN);
  const frameCount = Number(video.nb_read_frames ?? video.nb_frames ?? NaN);
  if (!Number.isFinite(durationS) || !Number.isFinite(frameCount)) throw new NotAVideo("unknown duration or frame count");
  return {
    formatName: parsed.format?.format_name ?? "unknown",
    durationMs: Math.round(durationS * 1000),
    video: {
      codec: video.codec_name,
      width: video.width,
      height: video.height,
      frameCount,
      fps: parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate),
    },
    hasAudio: streams.some((s) => s.codec_type === "audio"),
  };
}

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split("/").map(Number);
  return num !== undefined && den ? num / den : Number(rate) || 0;
}
