// The node's HTTP endpoints (fastify): POST /quote, POST /session, GET /streams/… (published streams' public window),
// GET /healthz, GET /metrics — callable from any origin (CORS), with per-IP rate limits, a body limit, and every error
// answered in the protocol's wire error format with its name and next step.
import Fastify, { type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { ChainUnavailable, InvalidMessage, MessageTooLarge, OrchestratorBusy, ProtocolError, RateLimited, toWireError } from "../../src/lib/protocol/errors.ts";
import { chainUnavailableFrom } from "../chain/unavailable.ts";
import {
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_JSON_BYTES,
  type JobRequest,
  type Message,
  type SessionAnswer,
  type SessionOffer,
} from "../../src/lib/protocol/messages.ts";
import {
  PublicStreamNotFound,
  encodePublicStreamIndex,
  parsePublicSegmentFile,
  publicSegmentPath,
  publicStreamIndexPath,
} from "../../src/lib/protocol/public-stream.ts";
import type { Logger } from "../log.ts";
import type { PublicStreams } from "../session/public-streams.ts";
import type { Metrics } from "./metrics.ts";

export interface HttpOptions {
  metrics: Metrics;
  log: Logger;
  /** Prices a job (buildQuote bound to this node). */
  quote(job: JobRequest): Promise<Message>;
  /** Answers a WebRTC offer and opens a broadcast session (SessionManager.open). */
  openSession?(offer: SessionOffer): Promise<SessionAnswer>;
  /** Requests per IP per minute on the protocol endpoints. */
  rateLimitPerMinute?: number;
  /** The public window of published streams; without it GET /streams/… answers PublicStreamNotFound. */
  publicStreams?: Pick<PublicStreams, "index" | "segment">;
  /**
   * Requests per IP per minute on each GET /streams route, and on CORS preflights: viewers poll the index about once a
   * second and fetch a segment per rendition every 2 s, so this is well above the protocol endpoints' limit.
   */
  viewerRateLimitPerMinute?: number;
  health(): { ok: boolean; detail: Record<string, unknown> };
}

/** The protocol endpoints' window: a minute, as rate limits are usually quoted. */
const RATE_LIMIT_WINDOW_MS = 60_000;

function statusFor(error: ProtocolError): number {
  if (error instanceof RateLimited) return 429;
  if (error instanceof ChainUnavailable) return 503;
  if (error instanceof OrchestratorBusy) return 503;
  if (error instanceof PublicStreamNotFound) return 404;
  if (error instanceof MessageTooLarge) return 413;
  return 400;
}

function errorBody(error: unknown): string {
  return encodeMessage({ v: 1, type: "error", error: toWireError(error) });
}

export async function createHttpServer(o: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: MAX_MESSAGE_JSON_BYTES, trustProxy: false });
  // The protocol's own decoder validates bodies: take them as text, bounded by bodyLimit.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
  await app.register(rateLimit, {
    max: o.rateLimitPerMinute ?? 120,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    allowList: (req) => req.url === "/healthz" || req.url === "/metrics",
    // Thrown by the plugin and answered by the error handler below, in the wire format like every other refusal.
    errorResponseBuilder: (_req, context) =>
      Object.assign(new RateLimited({ limit: context.max, windowMs: RATE_LIMIT_WINDOW_MS, retryAfterMs: Math.max(0, context.ttl) }), { statusCode: 429 }),
  });
  const viewerLimit = { max: o.viewerRateLimitPerMinute ?? 1200, timeWindow: "1 minute" };
  // @fastify/cors answers a preflight in its own onRequest hook, before any route's limit: a preflight before each
  // POST must not spend the protocol quota (half of it would go to preflights), but gets a bound of its own here.
  const preflightLimit = app.createRateLimit(viewerLimit);
  app.addHook("onRequest", async (req, reply) => {
    if (req.method !== "OPTIONS") return;
    const limit = await preflightLimit(req);
    if (!limit.isAllowed && limit.isExceeded) {
      const limited = new RateLimited({ limit: viewerLimit.max, windowMs: RATE_LIMIT_WINDOW_MS, retryAfterMs: limit.ttlInSeconds * 1000 });
      return reply.code(429).header("retry-after", String(limit.ttlInSeconds)).type("application/json").send(errorBody(limited));
    }
  });
  // Any origin: the broadcaster and watch pages are served from elsewhere, and nothing here rides on cookies
  // (credentials stay off). Registered before the routes' limits run, so a 429 or an error still carries the CORS
  // headers and the page can read why.
  await app.register(cors, {
    origin: "*",
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type"],
    // Browsers cache a preflight this long (Chromium caps it at 2 h), so a broadcaster page preflights rarely.
    maxAge: 600,
  });

  app.setErrorHandler((thrown: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const error: Error & { statusCode?: number; code?: string } = chainUnavailableFrom(thrown, "what the request needs") ?? thrown;
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const tooLarge = new MessageTooLarge({ what: "json", sizeBytes: MAX_MESSAGE_JSON_BYTES + 1, maxBytes: MAX_MESSAGE_JSON_BYTES });
      o.metrics.errors.inc({ name: tooLarge.name });
      return reply.code(413).type("application/json").send(errorBody(tooLarge));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 && !(error instanceof ProtocolError)) {
      // fastify's own refusals of a request it could not take (a content type it has no parser for, an empty JSON
      // body, a bad URL): the client's mistake, answered as one in the wire format rather than as a failure of ours.
      const invalid = new InvalidMessage({ field: "", reason: `${error.code ?? "request"}: ${error.message}`.slice(0, 200) });
      o.metrics.errors.inc({ name: invalid.name });
      return reply.code(error.statusCode).type("application/json").send(errorBody(invalid));
    }
    if (error instanceof ProtocolError) {
      o.metrics.errors.inc({ name: error.name });
      return reply.code(statusFor(error)).type("application/json").send(errorBody(error));
    }
    o.log.error({ err: error.message }, "unexpected error answering a request");
    o.metrics.errors.inc({ name: "Internal" });
    return reply.code(500).type("application/json").send(errorBody(error));
  });

  app.post("/quote", async (req, reply) => {
    if (typeof req.body !== "string") {
      throw new InvalidMessage({ field: "", reason: "send the job request as application/json" });
    }
    const message = decodeMessage(req.body);
    if (message.type !== "jobRequest") {
      throw new InvalidMessage({ messageType: message.type, field: "type", reason: "POST /quote takes a jobRequest" });
    }
    const quote = await o.quote(message);
    return reply.type("application/json").send(encodeMessage(quote));
  });

  app.post("/session", async (req, reply) => {
    if (!o.openSession) throw new InvalidMessage({ field: "", reason: "this node takes no sessions" });
    if (typeof req.body !== "string") throw new InvalidMessage({ field: "", reason: "send the session offer as application/json" });
    const message = decodeMessage(req.body);
    if (message.type !== "sessionOffer") {
      throw new InvalidMessage({ messageType: message.type, field: "type", reason: "POST /session takes a sessionOffer" });
    }
    return reply.type("application/json").send(encodeMessage(await o.openSession(message)));
  });

  // Viewers' reads of published streams. The index and the segments change as the stream goes (a re-sent segment
  // replaces the one before), so caches must revalidate: no-cache, not immutable.
  app.get<{ Params: { streamId: string } }>(
    "/streams/:streamId",
    { config: { rateLimit: viewerLimit } },
    async (req, reply) => {
      const { streamId } = req.params;
      publicStreamIndexPath(streamId); // validates it, throwing InvalidPublicStreamPath
      const index = o.publicStreams?.index(streamId);
      if (!index) throw new PublicStreamNotFound({ streamId });
      return reply.type("application/json").header("cache-control", "no-cache").send(encodePublicStreamIndex(index));
    },
  );

  app.get<{ Params: { streamId: string; rendition: string; file: string } }>(
    "/streams/:streamId/:rendition/:file",
    { config: { rateLimit: viewerLimit } },
    async (req, reply) => {
      const { streamId, rendition, file } = req.params;
      const sequenceNumber = parsePublicSegmentFile(file);
      publicSegmentPath(streamId, rendition, sequenceNumber); // validates the other parts
      const bytes = o.publicStreams?.segment(streamId, rendition, sequenceNumber);
      if (!bytes) throw new PublicStreamNotFound({ streamId, rendition, sequenceNumber });
      return reply
        .type("video/mp4")
        .header("cache-control", "no-cache")
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.get("/healthz", async (_req, reply) => {
    const h = o.health();
    return reply.code(h.ok ? 200 : 503).send({ ok: h.ok, ...h.detail });
  });

  app.get("/metrics", async (_req, reply) => {
    return reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
  });

  return app;
}
