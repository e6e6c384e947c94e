// The H.264 settings the segmenter encodes with: the avc1 codec string (constrained baseline at the lowest level
// that fits the frame size, rate and bitrate) and the default bitrate for a frame size. Pure, no DOM.

/** H.264 Table A-1: level_idc, max frame size (macroblocks), max macroblocks per second, max bitrate (kbit/s, baseline). */
const LEVELS: readonly (readonly [levelIdc: number, maxFs: number, maxMbps: number, maxKbps: number])[] = [
  [10, 99, 1485, 64],
  [11, 396, 3000, 192],
  [12, 396, 6000, 384],
  [13, 396, 11880, 768],
  [20, 396, 11880, 2000],
  [21, 792, 19800, 4000],
  [22, 1620, 20250, 4000],
  [30, 1620, 40500, 10000],
  [31, 3600, 108000, 14000],
  [32, 5120, 216000, 20000],
  [40, 8192, 245760, 20000],
  [41, 8192, 245760, 50000],
  [42, 8704, 522240, 50000],
  [50, 22080, 589824, 135000],
  [51, 36864, 983040, 240000],
  [52, 36864, 2073600, 240000],
  [60, 139264, 4177920, 240000],
  [61, 139264, 8355840, 480000],
  [62, 139264, 16711680, 800000],
];

/**
 * Constrained baseline (profile_idc 0x42, constraint_set0..2 flags 0xE0): no B-frames, so frames leave the encoder
 * in presentation order and decode time equals presentation time, which the per-segment muxing relies on; and
 * every decoder (hardware or not, MSE included) plays it.
 */
const PROFILE_AND_CONSTRAINTS = "42E0";

/** The bitrate the segmenter uses at 1280x720 when none is given. */
export const DEFAULT_720P_BITRATE_KBPS = 2500;
const PIXELS_720P = 1280 * 720;

/**
 * `avc1.42E0xx` with the lowest level whose limits hold width x height at fps and bitrateKbps, or undefined when
 * even level 6.2 does not (beyond what H.264 can carry).
 */
export function avcCodecString(width: number, height: number, fps: number, bitrateKbps: number): string | undefined {
  const widthMbs = Math.ceil(width / 16);
  const heightMbs = Math.ceil(height / 16);
  const frameMbs = widthMbs * heightMbs;
  const mbps = frameMbs * fps;
  const level = LEVELS.find(([, maxFs, maxMbps, maxKbps]) => {
    // A level also caps each side at sqrt(8 * MaxFS) macroblocks, so that a frame cannot be a thin sliver.
    const maxSideMbs = Math.sqrt(8 * maxFs);
    return frameMbs <= maxFs && widthMbs <= maxSideMbs && heightMbs <= maxSideMbs && mbps <= maxMbps && bitrateKbps <= maxKbps;
  });
  if (level === undefined) return undefined;
  return `avc1.${PROFILE_AND_CONSTRAINTS}${level[0].toString(16).toUpperCase().padStart(2, "0")}`;
}

/** 2.5 Mbit/s at 720p, in proportion to the pixel count elsewhere, never below 300 kbit/s. */
export function defaultVideoBitrateKbps(width: number, height: number): number {
  return Math.max(300, Math.round((DEFAULT_720P_BITRATE_KBPS * width * height) / PIXELS_720P));
}
