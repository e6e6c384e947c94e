// Writes one assembled segment as a standalone MP4 (moov first) whose timestamps start at 0, with mp4-muxer.
import { ArrayBufferTarget, Muxer } from "mp4-muxer";
import type { AssembledSegment, EncodedSample } from "./segment-assembler.ts";

/** What every segment of the stream shares: the encoders' output formats. */
export interface SegmentTracks {
  video: { width: number; height: number; decoderConfig: VideoDecoderConfig };
  /** Absent without a microphone, or before the audio encoder said what it makes. */
  audio: { sampleRate: number; numberOfChannels: number; decoderConfig: AudioDecoderConfig } | undefined;
}

/** An Opus packet's usual length, for a packet whose encoder gave no duration. */
const OPUS_PACKET_US = 20_000;

/**
 * Muxes `segment` into its own MP4. Each video frame lasts until the next one and the last until the segment's end,
 * so the video track lasts exactly the segment's span; audio packets keep the encoder's durations. Samples go in
 * timestamp order (video first on a tie), so the segment's keyframe at 0 is every track's time base.
 */
export function muxSegment(segment: AssembledSegment, tracks: SegmentTracks): { bytes: Uint8Array; hasAudio: boolean } {
  const { startUs, endUs } = segment.span;
  const audio = tracks.audio !== undefined && segment.audio.length > 0 ? tracks.audio : undefined;
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: "avc", width: tracks.video.width, height: tracks.video.height },
    audio: audio && { codec: "opus", sampleRate: audio.sampleRate, numberOfChannels: audio.numberOfChannels },
    fastStart: "in-memory",
    // Timestamps are already relative to the segment start; this only tolerates audio not starting exactly at 0.
    firstTimestampBehavior: "cross-track-offset",
  });
  type Entry = { track: "video" | "audio"; sample: EncodedSample; durationUs: number };
  const entries: Entry[] = segment.video.map((sample, i) => ({
    track: "video",
    sample,
    durationUs: (segment.video[i + 1]?.timestampUs ?? endUs) - sample.timestampUs,
  }));
  if (audio) {
    for (const sample of segment.audio) entries.push({ track: "audio", sample, durationUs: sample.durationUs ?? OPUS_PACKET_US });
  }
  entries.sort((x, y) => x.sample.timestampUs - y.sample.timestampUs || (x.track === "video" ? -1 : 1));
  let videoConfigSent = false;
  let audioConfigSent = false;
  for (const { track, sample, durationUs } of entries) {
    const type = sample.key ? "key" : "delta";
    const timestampUs = sample.timestampUs - startUs;
    if (track === "video") {
      // Every file needs the decoder config (avcC); the encoder gave it once, with the stream's first frame.
      const meta = videoConfigSent ? undefined : { decoderConfig: tracks.video.decoderConfig };
      muxer.addVideoChunkRaw(sample.data, type, timestampUs, durationUs, meta);
      videoConfigSent = true;
    } else if (audio) {
      const meta = audioConfigSent ? undefined : { decoderConfig: audio.decoderConfig };
      muxer.addAudioChunkRaw(sample.data, type, timestampUs, durationUs, meta);
      audioConfigSent = true;
    }
  }
  muxer.finalize();
  return { bytes: new Uint8Array(muxer.target.buffer), hasAudio: audio !== undefined };
}
