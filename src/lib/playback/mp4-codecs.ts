// The RFC 6381 codecs string of a fragmented MP4's tracks (what MediaSource.addSourceBuffer needs), read from the
// init segment's sample descriptions: avc1 with profile/compatibility/level from avcC, and AAC-LC when mp4a is there.

const AVCC = [0x61, 0x76, 0x63, 0x43]; // "avcC"
const MP4A = [0x6d, 0x70, 0x34, 0x61]; // "mp4a"
const OPUS = [0x4f, 0x70, 0x75, 0x73]; // "Opus"

/** No H.264 sample description in the bytes: not a segment this player can play. */
export class NotAnH264Mp4 extends Error {
  override name = "NotAnH264Mp4";
  constructor() {
    super("The segment has no H.264 (avc1) track: it cannot be played. The orchestrator sent something else than the job asked for.");
  }
}

function indexOf(bytes: Uint8Array, pattern: readonly number[], from = 0): number {
  outer: for (let i = from; i <= bytes.length - pattern.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** E.g. `avc1.4d401f, mp4a.40.2`; looks only at the first 64 KiB, where an init segment's moov is. */
export function mp4CodecsString(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 64 * 1024);
  const avcC = indexOf(head, AVCC);
  // avcC box body: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
  if (avcC < 0 || avcC + 8 > head.length) throw new NotAnH264Mp4();
  const codecs = [`avc1.${hex2(head[avcC + 5]!)}${hex2(head[avcC + 6]!)}${hex2(head[avcC + 7]!)}`];
  if (indexOf(head, MP4A) >= 0) codecs.push("mp4a.40.2");
  else if (indexOf(head, OPUS) >= 0) codecs.push("opus");
  return codecs.join(", ");
}
