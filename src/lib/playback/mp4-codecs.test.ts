import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mp4CodecsString, NotAnH264Mp4 } from "./mp4-codecs.ts";

function fmp4(audio: boolean, profile: string): Uint8Array {
  const out = join(mkdtempSync(join(tmpdir(), "mp4-codecs-")), "out.mp4");
  const args = ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=1"];
  if (audio) args.push("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac");
  args.push("-c:v", "libx264", "-profile:v", profile, "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", out);
  execFileSync("ffmpeg", args);
  return new Uint8Array(readFileSync(out));
}

describe("mp4CodecsString", () => {
  it("names H.264 main profile and AAC from an fMP4 the orchestrator's ffmpeg would write", () => {
    expect(mp4CodecsString(fmp4(true, "main"))).toMatch(/^avc1\.4d[0-9a-f]{4}, mp4a\.40\.2$/);
  });

  it("names a video-only segment without an audio codec, and the profile it really has", () => {
    expect(mp4CodecsString(fmp4(false, "high"))).toMatch(/^avc1\.64[0-9a-f]{4}$/);
  });

  it("refuses bytes without an H.264 track", () => {
    expect(() => mp4CodecsString(new TextEncoder().encode("not a video at all"))).toThrow(NotAnH264Mp4);
  });
});
