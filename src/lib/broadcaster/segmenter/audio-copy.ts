// Copies microphone data out of an AudioData (so the source's buffer is let go at once) and makes it into a new
// AudioData stamped on the camera's clock, which is what the audio encoder is given.

export interface AudioCopy {
  format: AudioSampleFormat;
  sampleRate: number;
  numberOfFrames: number;
  numberOfChannels: number;
  /** As the source stamped it (see track-clocks.ts for which clock that is). */
  timestampUs: number;
  /** All planes, one after the other, as AudioData's constructor takes them. */
  bytes: Uint8Array<ArrayBuffer>;
}

/** Undefined for data in a sample format the browser does not name (nothing to encode it as). */
export function copyAudio(data: AudioData): AudioCopy | undefined {
  const format = data.format;
  if (format === null) return undefined;
  const planes = format.endsWith("-planar") ? data.numberOfChannels : 1;
  const sizes = Array.from({ length: planes }, (_, planeIndex) => data.allocationSize({ planeIndex }));
  const bytes = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  sizes.forEach((size, planeIndex) => {
    data.copyTo(bytes.subarray(offset, offset + size), { planeIndex });
    offset += size;
  });
  return { format, sampleRate: data.sampleRate, numberOfFrames: data.numberOfFrames, numberOfChannels: data.numberOfChannels, timestampUs: data.timestamp, bytes };
}

export function restampedAudio(copy: AudioCopy, timestampUs: number): AudioData {
  return new AudioData({
    format: copy.format,
    sampleRate: copy.sampleRate,
    numberOfFrames: copy.numberOfFrames,
    numberOfChannels: copy.numberOfChannels,
    timestamp: timestampUs,
    data: copy.bytes,
  });
}
