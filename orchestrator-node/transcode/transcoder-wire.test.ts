import { describe, expect, it } from "vitest";
import type { Rendition } from "./ladder.ts";
import {
  decodeJob,
  decodeReply,
  encodeJob,
  encodeJobError,
  encodeResult,
  MalformedTranscoderMessage,
  MAX_WIRE_HEADER_BYTES,
  parseRegistration,
  registrationHeaders,
  TRANSCODER_HEADERS,
} from "./transcoder-wire.ts";

const r240: Rendition = { name: "240p", width: 426, height: 240, bitrateKbps: 400 };
const r144: Rendition = { name: "144p", width: 256, height: 144, bitrateKbps: 200 };

/** A message of the wire's shape with any header text and payload, for feeding a decoder what no encoder makes. */
function raw(headerText: string, payload = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(4 + json.byteLength + payload.byteLength);
  new DataView(out.buffer).setUint32(0, declaredLength ?? json.byteLength);
  out.set(json, 4);
  out.set(payload, 4 + json.byteLength);
  return out;
}

function malformed(fn: () => unknown): MalformedTranscoderMessage {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedTranscoderMessage);
    return error as MalformedTranscoderMessage;
  }
  throw new Error("expected MalformedTranscoderMessage");
}

describe("registration headers", () => {
  it("round-trips capacity, encoder and name, with the secret as a bearer token", () => {
    const headers = registrationHeaders("s3cret", { capacity: 3, encoder: "h264_nvenc", name: "gpu-1" });
    expect(headers.authorization).toBe("Bearer s3cret");
    expect(parseRegistration(headers)).toEqual({
      ok: true,
      registration: { version: 1, capacity: 3, encoder: "h264_nvenc", name: "gpu-1" },
    });
  });

  it("refuses a capacity that is not plain digits in range, naming the header", () => {
    for (const capacity of ["0", "257", " 2", "2e0", "0x2", "-1", ""]) {
      const headers = { ...registrationHeaders("s", { capacity: 1, encoder: "libx264", name: "a" }), [TRANSCODER_HEADERS.capacity]: capacity };
      const parsed = parseRegistration(headers);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toContain(TRANSCODER_HEADERS.capacity);
    }
  });

  it("refuses an unknown encoder and a name that could forge a log line", () => {
    const base = registrationHeaders("s", { capacity: 1, encoder: "libx264", name: "a" });
    expect(parseRegistration({ ...base, [TRANSCODER_HEADERS.encoder]: "hevc_vaapi" }).ok).toBe(false);
    expect(parseRegistration({ ...base, [TRANSCODER_HEADERS.name]: "a\nlevel=error" }).ok).toBe(false);
  });
});

describe("job messages", () => {
  it("carry the segment bytes after a JSON header with the ladder", () => {
    const segment = new Uint8Array([1, 2, 3, 4, 5]);
    const message = encodeJob({ jobId: 7, streamId: "s1", sequenceNumber: 3, ladder: [r240, r144], timeoutMs: 5000 }, segment);
    const { header, segment: got } = decodeJob(message, true);
    expect(header).toEqual({ type: "job", jobId: 7, streamId: "s1", sequenceNumber: 3, ladder: [r240, r144], timeoutMs: 5000 });
    expect([...got]).toEqual([1, 2, 3, 4, 5]);
  });

  it("are refused as text, truncated, with a header past the end, or a header over the limit", () => {
    const good = encodeJob({ jobId: 1, streamId: "s", ladder: [r240], timeoutMs: 1000 }, new Uint8Array([9]));
    malformed(() => decodeJob(good, false));
    malformed(() => decodeJob(good.subarray(0, 3), true));
    malformed(() => decodeJob(raw("{}", new Uint8Array(0), 1000), true));
    malformed(() => decodeJob(raw("{}", new Uint8Array(MAX_WIRE_HEADER_BYTES + 10), MAX_WIRE_HEADER_BYTES + 1), true));
    malformed(() => decodeJob(raw("not json"), true));
  });

  it("name the job when its header is readable but invalid, so it can be failed at once", () => {
    const error = malformed(() => decodeJob(raw(JSON.stringify({ type: "job", jobId: 5, streamId: "s", ladder: [], timeoutMs: 1 }), new Uint8Array([1])), true));
    expect(error.jobId).toBe(5);
    expect(error.reason).toContain("ladder");
  });

  it("must carry a segment", () => {
    malformed(() => decodeJob(encodeJob({ jobId: 1, streamId: "s", ladder: [r240], timeoutMs: 1000 }, new Uint8Array(0)), true));
  });
});

describe("reply messages", () => {
  it("carry every rendition's bytes, cut back apart by their byteLengths", () => {
    const renditions = [
      { rendition: r240, bytes: new Uint8Array([1, 1, 1]) },
      { rendition: r144, bytes: new Uint8Array([2, 2]) },
    ];
    const reply = decodeReply(encodeResult(9, 123.5, renditions), true);
    expect(reply.type).toBe("result");
    if (reply.type !== "result") return;
    expect(reply.jobId).toBe(9);
    expect(reply.transcodeMs).toBe(123.5);
    expect(reply.renditions.map((r) => r.rendition)).toEqual([r240, r144]);
    expect(reply.renditions.map((r) => [...r.bytes])).toEqual([[1, 1, 1], [2, 2]]);
  });

  it("refuse a result whose renditions declare other byte lengths than follow", () => {
    const message = encodeResult(9, 1, [{ rendition: r240, bytes: new Uint8Array([1, 2, 3]) }]);
    const error = malformed(() => decodeReply(message.subarray(0, message.byteLength - 1), true));
    expect(error.jobId).toBe(9);
  });

  it("carry a named error and whether another transcoder may succeed", () => {
    const reply = decodeReply(encodeJobError(4, { name: "ProcessFailed", message: "ffmpeg exited with 1", retryable: false }), true);
    expect(reply).toEqual({ type: "error", jobId: 4, error: { name: "ProcessFailed", message: "ffmpeg exited with 1", retryable: false } });
  });

  it("clip an error's message and replace a name that is not an identifier", () => {
    const reply = decodeReply(encodeJobError(4, { name: "bad name!", message: "x".repeat(5000), retryable: true }), true);
    expect(reply.type === "error" && reply.error.name).toBe("Error");
    expect(reply.type === "error" && reply.error.message.length).toBe(1024);
  });

  it("refuse a job sent where a reply belongs", () => {
    malformed(() => decodeReply(encodeJob({ jobId: 1, streamId: "s", ladder: [r240], timeoutMs: 1000 }, new Uint8Array([1])), true));
  });
});
