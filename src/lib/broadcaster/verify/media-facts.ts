// What a media file holds, read from ffprobe's JSON (the same from ffmpeg.wasm's ffprobe and from native ffprobe) and
// from the file's top-level MP4 boxes: pure, so the checks can be unit-tested on any machine.

export interface VideoFacts {
  codec: string;
  width: number;
  height: number;
  /** Video packets: one frame each in MP4. */
  frameCount: number;
  /** From the first frame's presentation time to the end of the last frame's duration. */
  durationMs: number;
}

export interface MediaFacts {
  /** ffprobe's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2"; "" when ffprobe could not read the file. */
  formatName: string;
  /** MP4 cut into movie fragments (moof boxes), which Media Source Extensions need. */
  fragmented: boolean;
  /** The first video stream; undefined when there is none. */
  video: VideoFacts | undefined;
  /** The first audio stream's codec; undefined when there is none. */
  audioCodec: string | undefined;
}

/** The ffprobe arguments whose JSON parseProbeJson reads: no decoding, so cheap for any file. */
export function probeArgs(inputPath: string, outputPath?: string): string[] {
  return [
    "-v", "error",
    "-show_entries", "format=format_name:stream=index,codec_type,codec_name,width,height,time_base:packet=stream_index,pts,dts,duration",
    "-of", "json",
    ...(outputPath === undefined ? [] : ["-o", outputPath]),
    inputPath,
  ];
}

interface ProbeJson {
  format?: { format_name?: string };
  streams?: { index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number; time_base?: string }[];
  packets?: { stream_index?: number; pts?: number; dts?: number; duration?: number }[];
}

/** MediaFacts from ffprobe's JSON and the file's bytes; text that is not ffprobe's JSON reads as an unreadable file. */
export function parseProbeJson(json: string, bytes: Uint8Array): MediaFacts {
  let probe: ProbeJson;
  try {
    probe = JSON.parse(json) as ProbeJson;
  } catch {
    probe = {};
  }
  const streams = probe.streams ?? [];
  const videoStream = streams.find((s) => s.codec_type === "video");
  const audioStream = streams.find((s) => s.codec_type === "audio");
  return {
    formatName: probe.format?.format_name ?? "",
    fragmented: isFragmentedMp4(bytes),
    video: videoStream && videoFacts(videoStream, (probe.packets ?? []).filter((p) => p.stream_index === videoStream.index)),
    audioCodec: audioStream?.codec_name,
  };
}

function videoFacts(stream: NonNullable<ProbeJson["streams"]>[number], packets: NonNullable<ProbeJson["packets"]>): VideoFacts {
  const [num, den] = (stream.time_base ?? "").split("/").map(Number);
  const secondsPerTick = num !== undefined && den ? num / den : NaN;
  let start = Infinity;
  let end = -Infinity;
  for (const p of packets) {
    const t = p.pts ?? p.dts;
    if (t === undefined) continue;
    start = Math.min(start, t);
    end = Math.max(end, t + (p.duration ?? 0));
  }
  const durationMs = packets.length > 0 && Number.isFinite(start) && Number.isFinite(secondsPerTick) ? (end - start) * secondsPerTick * 1000 : 0;
  return {
    codec: stream.codec_name ?? "unknown",
    width: stream.width ?? 0,
    height: stream.height ?? 0,
    frameCount: packets.length,
    durationMs,
  };
}

/** The four-letter types of an MP4's top-level boxes, in order, up to the first that does not fit in the file. */
export function topLevelBoxTypes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.byteLength) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (size === 1) {
      if (offset + 16 > bytes.byteLength) break;
      size = Number(view.getBigUint64(offset + 8));
    } else if (size === 0) {
      size = bytes.byteLength - offset;
    }
    if (size < 8 || offset + size > bytes.byteLength) break;
    types.push(type);
    offset += size;
  }
  return types;
}

/** A movie header first (`moov`, with no samples of its own in fMP4) and at least one fragment (`moof`) after it. */
export function isFragmentedMp4(bytes: Uint8Array): boolean {
  const types = topLevelBoxTypes(bytes);
  const moov = types.indexOf("moov");
  return moov >= 0 && types.indexOf("moof", moov) > moov;
}
