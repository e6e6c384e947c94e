// A remote transcoder: knows nothing of the chain; connects to its orchestrator's pool, transcodes the segments it is
// sent with ffmpeg, and reconnects with backoff whenever the orchestrator goes away.
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket } from "ws";
import { MAX_PAYLOAD_BYTES } from "../../src/lib/protocol/messages.ts";
import { silentLogger, type Logger } from "../log.ts";
import { chooseH264Encoder, type EncoderChoice } from "./encoder.ts";
import type { H264Encoder } from "./ffmpeg-args.ts";
import { describeTranscodeFailure } from "./pool-member.ts";
import { transcodeSegment } from "./transcode.ts";
import {
  decodeJob,
  encodeJobError,
  encodeResult,
  MalformedTranscoderMessage,
  MAX_TRANSCODER_CAPACITY,
  MAX_WIRE_HEADER_BYTES,
  registrationHeaders,
  TRANSCODER_SILENCE_LIMIT_MS,
  type JobHeader,
} from "./transcoder-wire.ts";

export interface RunTranscoderOptions {
  /** The orchestrator's transcoder endpoint, ws://HOST:PORT/transcoders. */
  orchestratorUrl: string;
  secret: string;
  /** Segments transcoded at once. */
  capacity: number;
  /** Forces an encoder; by default chooseH264Encoder picks NVENC when it works on this machine. */
  encoder?: H264Encoder;
  /** Shown in the orchestrator's logs and metrics; this machine's host name by default. */
  name?: string;
  ffmpegPath?: string;
  logger?: Logger;
  /** Stops the transcoder: the connection closes and runTranscoder resolves. */
  signal?: AbortSignal;
  /** Reconnection backoff: doubles from initialDelayMs up to maxDelayMs, back to initialDelayMs once connected. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** Statuses with which an orchestrator refuses a registration that no retry can fix (see transcoder-wire.ts). */
const FATAL_STATUSES = new Map([
  [400, "Fix the transcoder's --capacity, --encoder or --name."],
  [401, "Start the transcoder with the orchestrator's transcoder secret (--secret or STREAMFLOW_TRANSCODER_SECRET)."],
  [426, "Run the same Streamflow release on the orchestrator and its transcoders."],
]);
const MAX_REFUSAL_BODY_BYTES = 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A job carries one segment, as the broadcaster's segment message does. */
const MAX_JOB_MESSAGE_BYTES = 4 + MAX_WIRE_HEADER_BYTES + MAX_PAYLOAD_BYTES;

/** The orchestrator refused this transcoder for a reason retrying cannot fix (wrong secret, bad flags, other release). */
export class TranscoderRefused extends Error {
  override readonly name = "TranscoderRefused";
  readonly orchestratorUrl: string;
  readonly status: number;
  readonly reason: string;
  readonly nextStep: string;

  constructor(d: { orchestratorUrl: string; status: number; reason: string }) {
    const nextStep = FATAL_STATUSES.get(d.status) ?? "Check the orchestrator's logs.";
    super(`orchestrator ${d.orchestratorUrl} refused this transcoder (HTTP ${d.status}: ${d.reason}). ${nextStep}`);
    this.orchestratorUrl = d.orchestratorUrl;
    this.status = d.status;
    this.reason = d.reason;
    this.nextStep = nextStep;
  }
}

/**
 * Runs until `signal` aborts (resolves) or the orchestrator refuses it for good (rejects with TranscoderRefused).
 * A lost or failed connection is retried with exponential backoff and jitter, forever: an orchestrator restart
 * must not need every transcoder restarted too.
 */
export async function runTranscoder(o: RunTranscoderOptions): Promise<void> {
  if (!Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > MAX_TRANSCODER_CAPACITY) {
    throw new RangeError(`capacity must be an integer from 1 to ${MAX_TRANSCODER_CAPACITY}, got ${o.capacity}`);
  }
  const log = o.logger ?? silentLogger;
  const choice: EncoderChoice = o.encoder
    ? { encoder: o.encoder, reason: `${o.encoder} requested by configuration` }
    : await chooseH264Encoder(o.ffmpegPath);
  log.info({ encoder: choice.encoder, reason: choice.reason, capacity: o.capacity }, "transcoder encoder chosen");
  const initialDelayMs = o.reconnect?.initialDelayMs ?? 250;
  const maxDelayMs = o.reconnect?.maxDelayMs ?? 10_000;
  const state = { inFlight: 0 };
  let delayMs = initialDelayMs;
  while (!o.signal?.aborted) {
    const { opened, why } = await connectOnce(o, choice.encoder, state, log);
    if (o.signal?.aborted) break;
    if (opened) delayMs = initialDelayMs;
    // Jitter spreads a fleet's reconnections after an orchestrator restart.
    const waitMs = Math.round(delayMs * (0.5 + Math.random() / 2));
    log.warn({ orchestratorUrl: o.orchestratorUrl, why, retryInMs: waitMs }, "not connected to the orchestrator; retrying");
    try {
      await sleep(waitMs, undefined, { signal: o.signal });
    } catch {
      break;
    }
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
  log.info({ orchestratorUrl: o.orchestratorUrl }, "transcoder stopped");
}

/**
 * One connection, from the upgrade request to its close.
 * @returns whether it got registered, and why it ended
 * @throws TranscoderRefused on a refusal retrying cannot fix
 */
function connectOnce(
  o: RunTranscoderOptions,
  encoder: H264Encoder,
  state: { inFlight: number },
  log: Logger,
): Promise<{ opened: boolean; why: string }> {
  return new Promise((resolve, reject) => {
    const headers = registrationHeaders(o.secret, { capacity: o.capacity, encoder, name: o.name ?? defaultName() });
    const ws = new WebSocket(o.orchestratorUrl, { headers, maxPayload: MAX_JOB_MESSAGE_BYTES, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, perMessageDeflate: false });
    let opened = false;
    /** The first cause seen of the connection's end. */
    let why: string | undefined;
    let refused: TranscoderRefused | undefined;
    let silence: NodeJS.Timeout | undefined;
    // The orchestrator pings on a schedule; hearing nothing for long means it vanished without closing the socket.
    const expectPing = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        why ??= `no ping from the orchestrator for ${TRANSCODER_SILENCE_LIMIT_MS} ms`;
        ws.terminate();
      }, TRANSCODER_SILENCE_LIMIT_MS);
    };
    const onAbort = () => ws.close(1001, "transcoder shutting down");
    o.signal?.addEventListener("abort", onAbort, { once: true });

    ws.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      let body = "";
      res.on("data", (chunk: Buffer) => {
        if (body.length < MAX_REFUSAL_BODY_BYTES) body += chunk.toString("utf8");
      });
      res.on("end", () => {
        const reason = body.slice(0, MAX_REFUSAL_BODY_BYTES).trim() || res.statusMessage || "no reason given";
        why ??= `HTTP ${status}: ${reason}`;
        if (FATAL_STATUSES.has(status)) refused = new TranscoderRefused({ orchestratorUrl: o.orchestratorUrl, status, reason });
        ws.terminate();
      });
    });
    ws.on("open", () => {
      opened = true;
      expectPing();
      log.info({ orchestratorUrl: o.orchestratorUrl, capacity: o.capacity, encoder }, "registered with the orchestrator");
    });
    ws.on("ping", expectPing);
    ws.on("message", (data: Buffer, isBinary: boolean) => onJob(ws, data, isBinary, { o, encoder, state, log }));
    ws.on("error", (error) => (why ??= error.message));
    ws.on("close", (code: number) => {
      clearTimeout(silence);
      o.signal?.removeEventListener("abort", onAbort);
      if (refused) return reject(refused);
      resolve({ opened, why: why ?? `connection closed with code ${code}` });
    });
  });
}

function onJob(
  ws: WebSocket,
  data: Buffer,
  isBinary: boolean,
  c: { o: RunTranscoderOptions; encoder: H264Encoder; state: { inFlight: number }; log: Logger },
): void {
  let job: { header: JobHeader; segment: Uint8Array };
  try {
    job = decodeJob(data, isBinary);
  } catch (error) {
    if (!(error instanceof MalformedTranscoderMessage)) throw error;
    c.log.warn({ jobId: error.jobId, reason: error.reason }, "malformed job from the orchestrator");
    if (error.jobId !== undefined) send(ws, encodeJobError(error.jobId, { name: error.name, message: error.message, retryable: false }), c.log);
    return;
  }
  const { jobId, streamId, sequenceNumber, ladder, timeoutMs } = job.header;
  if (c.state.inFlight >= c.o.capacity) {
    // Only after a reconnect, while jobs of the old connection still run: the orchestrator counts slots too.
    const message = `transcoder is at its capacity of ${c.o.capacity} segments`;
    send(ws, encodeJobError(jobId, { name: "TranscoderAtCapacity", message, retryable: true }), c.log);
    return;
  }
  c.state.inFlight++;
  transcodeSegment(job.segment, ladder, { encoder: c.encoder, ffmpegPath: c.o.ffmpegPath, timeoutMs })
    .then(
      (result) => {
        c.log.info({ jobId, streamId, sequenceNumber, transcodeMs: Math.round(result.transcodeMs) }, "segment transcoded");
        send(ws, encodeResult(jobId, result.transcodeMs, result.renditions), c.log);
      },
      (error: unknown) => {
        const failure = describeTranscodeFailure(error);
        c.log.warn({ jobId, streamId, sequenceNumber, err: failure.name, reason: failure.message }, "segment failed");
        send(ws, encodeJobError(jobId, failure), c.log);
      },
    )
    .finally(() => c.state.inFlight--);
}

function send(ws: WebSocket, message: Uint8Array, log: Logger): void {
  // A reply to a connection that has since closed is lost; the orchestrator has already sent that job elsewhere.
  if (ws.readyState !== WebSocket.OPEN) {
    log.warn({ readyState: ws.readyState }, "connection closed before a reply could be sent; dropping it");
    return;
  }
  ws.send(message);
}

function defaultName(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64) || "transcoder";
}
