// The public stream index's wire shape and the paths both sides build: round trips, bounds, and one URL per segment.
import { describe, expect, it } from "vitest";
import { InvalidMessage } from "./errors.ts";
import {
  InvalidPublicStreamPath,
  MAX_PUBLIC_WINDOW_SEGMENTS,
  decodePublicStreamIndex,
  encodePublicStreamIndex,
  parsePublicSegmentFile,
  publicSegmentPath,
  publicStreamIndexPath,
  type PublicStreamIndex,
} from "./public-stream.ts";

const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const index: PublicStreamIndex = {
  v: 1,
  streamId: "stream-7f3a",
  orchestrator: ORCHESTRATOR,
  renditions: [{ name: "360p", width: 640, height: 360 }, { name: "240p", width: 426, height: 240 }],
  segments: [{ sequenceNumber: 11, durationMs: 2000 }, { sequenceNumber: 12, durationMs: 2000, startMs: 24_000 }],
};

function invalidField(value: unknown): string | undefined {
  try {
    decodePublicStreamIndex(JSON.stringify(value));
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessage);
    expect((err as InvalidMessage).data.messageType).toBe("publicStreamIndex");
    return (err as InvalidMessage).data.field;
  }
  return undefined;
}

describe("public stream index", () => {
  it("round-trips, checksumming the orchestrator's address", () => {
    const text = encodePublicStreamIndex(index);
    expect(decodePublicStreamIndex(text)).toEqual(index);
    expect(decodePublicStreamIndex(text.replace(ORCHESTRATOR, ORCHESTRATOR.toLowerCase())).orchestrator).toBe(ORCHESTRATOR);
  });

  it.each([
    [{ ...index, v: 2 }, "v"],
    [{ ...index, streamId: "a/b" }, "streamId"],
    [{ ...index, orchestrator: "0x12" }, "orchestrator"],
    [{ ...index, renditions: [] }, "renditions"],
    [{ ...index, renditions: [index.renditions[0], index.renditions[0]] }, "renditions[1].name"],
    [{ ...index, renditions: [{ name: "360p", width: 0, height: 360 }] }, "renditions[0].width"],
    [{ ...index, segments: [{ sequenceNumber: -1, durationMs: 2000 }] }, "segments[0].sequenceNumber"],
    [{ ...index, segments: [{ sequenceNumber: 1, durationMs: 0 }] }, "segments[0].durationMs"],
    [{ ...index, segments: [{ sequenceNumber: 1, durationMs: 2000, startMs: -1 }] }, "segments[0].startMs"],
    [{ ...index, segments: [...index.segments].reverse() }, "segments"],
    [{ ...index, segments: Array.from({ length: MAX_PUBLIC_WINDOW_SEGMENTS + 1 }, (_, i) => ({ sequenceNumber: i, durationMs: 1 })) }, "segments"],
    [{ ...index, extra: 1 }, "extra"],
  ])("rejects %j naming %s", (value, field) => {
    expect(invalidField(value)).toBe(field);
  });

  it("refuses to encode what a viewer would refuse", () => {
    expect(() => encodePublicStreamIndex({ ...index, renditions: [] })).toThrow(InvalidMessage);
  });

  it("rejects text that is not JSON", () => {
    expect(() => decodePublicStreamIndex("{")).toThrow(InvalidMessage);
  });
});

describe("public stream paths", () => {
  it("are the same on both sides, and a segment's file name parses back to its sequence number", () => {
    expect(publicStreamIndexPath("stream-7f3a")).toBe("/streams/stream-7f3a");
    expect(publicSegmentPath("stream-7f3a", "360p", 12)).toBe("/streams/stream-7f3a/360p/12.mp4");
    for (const n of [0, 1, 12, Number.MAX_SAFE_INTEGER]) expect(parsePublicSegmentFile(publicSegmentPath("s", "r", n).split("/").at(-1)!)).toBe(n);
  });

  it("refuse parts that could not be in one, naming the part", () => {
    const part = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidPublicStreamPath);
        return (err as InvalidPublicStreamPath).data.part;
      }
      return undefined;
    };
    expect(part(() => publicStreamIndexPath("../etc"))).toBe("streamId");
    expect(part(() => publicSegmentPath("s", "a/b", 0))).toBe("rendition");
    expect(part(() => publicSegmentPath("s", "r", 1.5))).toBe("sequenceNumber");
    for (const file of ["01.mp4", "-1.mp4", "1.mp4x", "1", "9007199254740992.mp4", ".mp4"]) {
      expect(part(() => parsePublicSegmentFile(file)), file).toBe("sequenceNumber");
    }
  });
});
