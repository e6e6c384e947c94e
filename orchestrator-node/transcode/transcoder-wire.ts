// The wire between an orchestrator and its remote transcoders: registration headers on the WebSocket upgrade, then
// binary messages of a length-prefixed JSON header and a payload (a job's segment, a result's renditions).
import { z } from "zod";
import { boundedInt, boundedText } from "../../src/lib/protocol/wire.ts";
import type { H264Encoder } from "./ffmpeg-args.ts";
import { MAX_RENDITIONS, type Rendition } from "./ladder.ts";
import type { TranscodedRendition } from "./transcode.ts";

/*
 * Connecting. The transcoder opens ws://HOST:PORT/transcoders with these request headers:
 *   authorization: Bearer <secret>            the orchestrator's transcoder secret (compared in constant time)
 *   streamflow-transcoder-version: 1          TRANSCODER_WIRE_VERSION
 *   streamflow-transcoder-capacity: N         segments it transcodes at once, 1..MAX_TRANSCODER_CAPACITY
 *   streamflow-transcoder-encoder: libx264    or h264_nvenc: what chooseH264Encoder picked on its machine
 *   streamflow-transcoder-name: gpu-box-1     optional, for logs and metrics
 * The orchestrator refuses before the upgrade, with a plain-text body saying why: 401 wrong secret, 426 another
 * version, 400 bad capacity/encoder/name (the transcoder stops on those three: retrying cannot help), 503 full or
 * closing (the transcoder retries with backoff). As with go-livepeer's transcoder registration, being connected is
 * being registered; there is no hello message.
 *
 * Messages, all binary, all integers big-endian:
 *   offset  size  field
 *   0       4     headerByteLength (≤ MAX_WIRE_HEADER_BYTES)
 *   4       n     JSON header, UTF-8
 *   4 + n   …     payload
 * orchestrator → transcoder  job     {type, jobId, streamId, sequenceNumber?, ladder, timeoutMs}; payload: the segment
 * transcoder → orchestrator  result  {type, jobId, transcodeMs, renditions: [{...Rendition, byteLength}]};
 *                                    payload: the renditions' bytes, concatenated in the ladder's order
 * transcoder → orchestrator  error   {type, jobId, error: {name, message, retryable}}; no payload
 * Liveness is WebSocket ping/pong: the orchestrator pings every TRANSCODER_PING_INTERVAL_MS and drops a transcoder
 * that missed a pong since the last ping; a transcoder that hears no ping for TRANSCODER_SILENCE_LIMIT_MS reconnects.
 */

export const TRANSCODER_WIRE_VERSION = 1;
export const TRANSCODERS_PATH = "/transcoders";
export const TRANSCODER_HEADERS = {
  version: "streamflow-transcoder-version",
  capacity: "streamflow-transcoder-capacity",
  encoder: "streamflow-transcoder-encoder",
  name: "streamflow-transcoder-name",
} as const;
/** Most segments one transcoder may announce it takes at once: more than any one machine's encoders sustain. */
export const MAX_TRANSCODER_CAPACITY = 256;
/** Largest JSON header; a job's or result's header is well under 2 KiB even with MAX_RENDITIONS renditions. */
export const MAX_WIRE_HEADER_BYTES = 16 * 1024;
/** Longest error message a transcoder sends back (ffmpeg's stderr tail is clipped to it). */
export const MAX_WIRE_ERROR_MESSAGE_CHARS = 1024;
export const TRANSCODER_PING_INTERVAL_MS = 10_000;
/** Three missed pings: long enough for a busy event loop, short enough to notice an orchestrator that vanished. */
export const TRANSCODER_SILENCE_LIMIT_MS = 3 * TRANSCODER_PING_INTERVAL_MS;

const H264_ENCODERS = ["libx264", "h264_nvenc"] as const satisfies readonly H264Encoder[];
const LENGTH_PREFIX_BYTES = 4;
const jobId = boundedInt(1, 0xffff_ffff);

/** What a transcoder announces in its upgrade request. */
export interface TranscoderRegistration {
  version: number;
  capacity: number;
  encoder: H264Encoder;
  name: string;
}

// Numbers arrive as header text: digits only, so that " 2", "2e0" or "0x2" are refused rather than coerced.
const headerInt = (min: number, max: number) =>
  z.string().regex(/^[0-9]{1,9}$/, { error: `must be an integer from ${min} to ${max}` }).transform(Number).pipe(boundedInt(min, max));

const registrationSchema = z.object({
  version: headerInt(0, 1_000_000),
  capacity: headerInt(1, MAX_TRANSCODER_CAPACITY),
  encoder: z.enum(H264_ENCODERS, { error: `must be one of ${H264_ENCODERS.join(", ")}` }),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "must be 1 to 64 letters, digits, '.', '_' or '-'" }),
});

/** The request headers that register a transcoder (the secret goes in `authorization`). */
export function registrationHeaders(secret: string, r: Omit<TranscoderRegistration, "version">): Record<string, string> {
  return {
    authorization: `Bearer ${secret}`,
    [TRANSCODER_HEADERS.version]: String(TRANSCODER_WIRE_VERSION),
    [TRANSCODER_HEADERS.capacity]: String(r.capacity),
    [TRANSCODER_HEADERS.encoder]: r.encoder,
    [TRANSCODER_HEADERS.name]: r.name,
  };
}

/**
 * Reads a registration from upgrade request headers (node lower-cases their names). The version is returned as sent
 * so the caller can answer 426 for another version; a missing name becomes "transcoder".
 * @returns the registration, or the reason it is unreadable (to send back in a 400)
 */
export function parseRegistration(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { ok: true; registration: TranscoderRegistration } | { ok: false; reason: string } {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const parsed = registrationSchema.safeParse({
    version: one(TRANSCODER_HEADERS.version) ?? "",
    capacity: one(TRANSCODER_HEADERS.capacity) ?? "",
    encoder: one(TRANSCODER_HEADERS.encoder),
    name: one(TRANSCODER_HEADERS.name) ?? "transcoder",
  });
  if (parsed.success) return { ok: true, registration: parsed.data };
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? "registration");
  const header = TRANSCODER_HEADERS[field as keyof typeof TRANSCODER_HEADERS] ?? field;
  return { ok: false, reason: `header ${header} ${issue?.message ?? "is invalid"}` };
}

// ---------------------------------------------------------------------------------------------------- messages

const renditionSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: "must be 1 to 32 letters, digits, _ or -" }),
  width: boundedInt(2, 8192),
  height: boundedInt(2, 8192),
  bitrateKbps: boundedInt(1, 1_000_000),
});

const jobHeaderSchema = z.strictObject({
  type: z.literal("job"),
  jobId,
  streamId: boundedText(128),
  sequenceNumber: boundedInt(0, Number.MAX_SAFE_INTEGER).optional(),
  ladder: z.array(renditionSchema).min(1).max(MAX_RENDITIONS),
  timeoutMs: boundedInt(1, 600_000),
});
export type JobHeader = z.output<typeof jobHeaderSchema>;

const resultHeaderSchema = z.strictObject({
  type: z.literal("result"),
  jobId,
  transcodeMs: z.number().min(0).max(600_000),
  renditions: z
    .array(renditionSchema.extend({ byteLength: boundedInt(0, 0xffff_ffff) }))
    .min(1)
    .max(MAX_RENDITIONS),
});
type ResultHeader = z.output<typeof resultHeaderSchema>;

const errorHeaderSchema = z.strictObject({
  type: z.literal("error"),
  jobId,
  error: z.strictObject({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/),
    message: z.string().max(MAX_WIRE_ERROR_MESSAGE_CHARS),
    retryable: z.boolean(),
  }),
});
export type JobError = z.output<typeof errorHeaderSchema>["error"];

const replyHeaderSchema = z.discriminatedUnion("type", [resultHeaderSchema, errorHeaderSchema]);

/** What a transcoder sends back for one job: its renditions, or why there are none. */
export type JobReply =
  | { type: "result"; jobId: number; transcodeMs: number; renditions: TranscodedRendition[] }
  | { type: "error"; jobId: number; error: JobError };

/** A WebSocket message that is not a well-formed message of this wire; the connection that sent it is closed. */
export class MalformedTranscoderMessage extends Error {
  override readonly name = "MalformedTranscoderMessage";
  readonly reason: string;
  /** The job it was about, when its header could be read that far (so the job can be failed at once). */
  readonly jobId: number | undefined;

  constructor(reason: string, jobId?: number) {
    super(
      `malformed transcoder message: ${reason}. Orchestrator and transcoders must run the same Streamflow release; ` +
        "update the older side.",
    );
    this.reason = reason;
    this.jobId = jobId;
  }
}

function encode(header: object, payloads: readonly Uint8Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (json.byteLength > MAX_WIRE_HEADER_BYTES) throw new RangeError(`wire header of ${json.byteLength} bytes is over ${MAX_WIRE_HEADER_BYTES}`);
  const payloadBytes = payloads.reduce((sum, p) => sum + p.byteLength, 0);
  const message = new Uint8Array(LENGTH_PREFIX_BYTES + json.byteLength + payloadBytes);
  new DataView(message.buffer).setUint32(0, json.byteLength);
  message.set(json, LENGTH_PREFIX_BYTES);
  let offset = LENGTH_PREFIX_BYTES + json.byteLength;
  for (const p of payloads) {
    message.set(p, offset);
    offset += p.byteLength;
  }
  return message;
}

/** Splits a message into its parsed (not yet validated) JSON header and a view of its payload. */
function split(data: Uint8Array, isBinary: boolean): { header: unknown; payload: Uint8Array } {
  if (!isBinary) throw new MalformedTranscoderMessage("a text message; every message is binary");
  if (data.byteLength < LENGTH_PREFIX_BYTES) throw new MalformedTranscoderMessage("shorter than its length prefix");
  const headerBytes = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  if (headerBytes > MAX_WIRE_HEADER_BYTES || LENGTH_PREFIX_BYTES + headerBytes > data.byteLength) {
    throw new MalformedTranscoderMessage(`header length ${headerBytes} runs past the message or over ${MAX_WIRE_HEADER_BYTES} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + headerBytes)));
  } catch {
    throw new MalformedTranscoderMessage("its header is not UTF-8 JSON");
  }
  return { header, payload: data.subarray(LENGTH_PREFIX_BYTES + headerBytes) };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "header"} ${issue.message}` : "invalid header";
}

function jobIdOf(header: unknown): number | undefined {
  const id = (header as { jobId?: unknown } | null)?.jobId;
  return jobId.safeParse(id).success ? (id as number) : undefined;
}

export function encodeJob(header: Omit<JobHeader, "type">, segment: Uint8Array): Uint8Array {
  return encode({ type: "job", ...header }, [segment]);
}

/** @throws MalformedTranscoderMessage */
export function decodeJob(data: Uint8Array, isBinary: boolean): { header: JobHeader; segment: Uint8Array } {
  const { header, payload } = split(data, isBinary);
  const parsed = jobHeaderSchema.safeParse(header);
  if (!parsed.success) throw new MalformedTranscoderMessage(`job ${describe(parsed.error)}`, jobIdOf(header));
  if (payload.byteLength === 0) throw new MalformedTranscoderMessage("job carries no segment", parsed.data.jobId);
  return { header: parsed.data, segment: payload };
}

export function encodeResult(jobId: number, transcodeMs: number, renditions: readonly TranscodedRendition[]): Uint8Array {
  const header: ResultHeader = {
    type: "result",
    jobId,
    transcodeMs,
    renditions: renditions.map(({ rendition, bytes }) => ({ ...rendition, byteLength: bytes.byteLength })),
  };
  return encode(header, renditions.map((r) => r.bytes));
}

export function encodeJobError(jobId: number, error: JobError): Uint8Array {
  const message = error.message.length > MAX_WIRE_ERROR_MESSAGE_CHARS ? `${error.message.slice(0, MAX_WIRE_ERROR_MESSAGE_CHARS - 1)}…` : error.message;
  const name = /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(error.name) ? error.name : "Error";
  return encode({ type: "error", jobId, error: { name, message, retryable: error.retryable } }, []);
}

/**
 * Reads a transcoder's reply; a result's renditions are views into `data`, cut by their byteLengths.
 * @throws MalformedTranscoderMessage
 */
export function decodeReply(data: Uint8Array, isBinary: boolean): JobReply {
  const { header, payload } = split(data, isBinary);
  const parsed = replyHeaderSchema.safeParse(header);
  if (!parsed.success) throw new MalformedTranscoderMessage(`reply ${describe(parsed.error)}`, jobIdOf(header));
  const reply = parsed.data;
  if (reply.type === "error") {
    if (payload.byteLength !== 0) throw new MalformedTranscoderMessage("an error carries a payload", reply.jobId);
    return reply;
  }
  const declared = reply.renditions.reduce((sum, r) => sum + r.byteLength, 0);
  if (declared !== payload.byteLength) {
    throw new MalformedTranscoderMessage(`renditions declare ${declared} bytes but ${payload.byteLength} follow`, reply.jobId);
  }
  let offset = 0;
  const renditions = reply.renditions.map(({ byteLength, ...rendition }: Rendition & { byteLength: number }) => ({
    rendition,
    bytes: payload.subarray(offset, (offset += byteLength)),
  }));
  return { type: "result", jobId: reply.jobId, transcodeMs: reply.transcodeMs, renditions };
}
