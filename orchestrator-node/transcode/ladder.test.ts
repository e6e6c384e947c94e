import { describe, expect, it } from "vitest";
import { InvalidLadder, LADDER_PRESETS, validateLadder, type Rendition } from "./ladder.ts";

const presets = Object.values(LADDER_PRESETS);

describe("validateLadder", () => {
  it("accepts the presets", () => {
    expect(() => validateLadder(presets)).not.toThrow();
  });

  it.each<[string, Rendition[]]>([
    ["no renditions", []],
    ["odd width", [{ name: "x", width: 853, height: 480, bitrateKbps: 800 }]],
    ["huge height", [{ name: "x", width: 640, height: 8192, bitrateKbps: 800 }]],
    ["tiny bitrate", [{ name: "x", width: 640, height: 360, bitrateKbps: 1 }]],
    ["bad name", [{ name: "../etc", width: 640, height: 360, bitrateKbps: 800 }]],
    ["duplicate", [presets[0]!, presets[0]!]],
    ["too many", Array.from({ length: 7 }, (_, i) => ({ name: `r${i}`, width: 640, height: 360, bitrateKbps: 800 }))],
  ])("rejects %s with InvalidLadder", (_, ladder) => {
    expect(() => validateLadder(ladder)).toThrow(InvalidLadder);
  });
});
