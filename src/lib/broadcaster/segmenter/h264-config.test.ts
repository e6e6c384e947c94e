// Tests of the H.264 settings: the level chosen for common camera modes, and the default bitrate.
import { describe, expect, it } from "vitest";
import { avcCodecString, defaultVideoBitrateKbps } from "./h264-config.ts";

describe("avcCodecString", () => {
  it.each([
    [640, 480, 30, 800, "avc1.42E01E"], // 3.0: 1200 MBs, 36000 MB/s
    [1280, 720, 20, 2500, "avc1.42E01F"], // 3.1: 3600 MBs
    [1280, 720, 30, 2500, "avc1.42E01F"], // 3.1: 108000 MB/s exactly
    [1280, 720, 60, 5000, "avc1.42E020"], // 3.2
    [1920, 1080, 30, 5000, "avc1.42E028"], // 4.0: 8160 MBs (1088 lines)
    [3840, 2160, 30, 20000, "avc1.42E033"], // 5.1
    [320, 180, 15, 300, "avc1.42E00C"], // 1.2: 240 MBs (12 rows) x 15 fps = 3600 MB/s, over level 1.1's 3000
  ])("%ix%i at %i fps, %i kbit/s → %s", (width, height, fps, kbps, expected) => {
    expect(avcCodecString(width, height, fps, kbps)).toBe(expected);
  });

  it("moves up a level for the bitrate alone", () => {
    expect(avcCodecString(640, 480, 30, 12_000)).toBe("avc1.42E01F");
  });

  it("has no level for a frame larger than H.264 carries", () => {
    expect(avcCodecString(16_384, 16_384, 30, 5000)).toBeUndefined();
  });

  it("refuses a sliver that fits the macroblock count but not the side limit", () => {
    // 4096x16 is 256 MBs (level 1.1 size), but a side of 256 MBs needs sqrt(8 * MaxFS) >= 256: level 4.0.
    expect(avcCodecString(4096, 16, 1, 100)).toBe("avc1.42E028");
  });
});

describe("defaultVideoBitrateKbps", () => {
  it("is 2.5 Mbit/s at 720p and in proportion to pixels elsewhere", () => {
    expect(defaultVideoBitrateKbps(1280, 720)).toBe(2500);
    expect(defaultVideoBitrateKbps(1920, 1080)).toBe(5625);
    expect(defaultVideoBitrateKbps(160, 120)).toBe(300);
  });
});
