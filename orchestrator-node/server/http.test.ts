import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { decodeMessage, type JobRequest, type Message } from "../../src/lib/protocol/messages.ts";
import { decodePublicStreamIndex, publicSegmentPath, publicStreamIndexPath } from "../../src/lib/protocol/public-stream.ts";
import { silentLogger } from "../log.ts";
import { PublicStreams } from "../session/public-streams.ts";
import { createHttpServer, type HttpOptions } from "./http.ts";
import { createMetrics } from "./metrics.ts";

const JOB = {
  v: 1,
  type: "jobRequest",
  streamId: "s1",
  serviceId: "CPUTranscoding",
  broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
  input: { codec: "h264", width: 1280, height: 720, fps: 30 },
  output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(quote: (job: JobRequest) => Promise<Message>, rateLimitPerMinute = 100, more: Partial<HttpOptions> = {}) {
  const metrics = createMetrics();
  app = await createHttpServer({ metrics, log: silentLogger, quote, rateLimitPerMinute, health: () => ({ ok: true, detail: { sessions: 0 } }), ...more });
  return { app, metrics };
}

const post = (a: FastifyInstance, payload: string) =>
  a.inject({ method: "POST", url: "/quote", headers: { "content-type": "application/json" }, payload });

describe("HTTP endpoints", () => {
  it("passes a valid job request to the quote function", async () => {
    let seen: JobRequest | undefined;
    const { app } = await server(async (job) => {
      seen = job;
      return { v: 1, type: "error", error: { name: "ProtocolError", code: "X", message: "m", nextStep: "n" } };
    });
    const res = await post(app, JSON.stringify(JOB));
    expect(res.statusCode).toBe(200);
    expect(seen?.streamId).toBe("s1");
  });

  it("answers a malformed body with InvalidMessage naming the field", async () => {
    const { app } = await server(async () => {
      throw new Error("not reached");
    });
    const res = await post(app, JSON.stringify({ ...JOB, input: { ...JOB.input, width: -1 } }));
    expect(res.statusCode).toBe(400);
    const body = decodeMessage(res.body);
    expect(body).toMatchObject({ type: "error", error: { name: "InvalidMessage", data: { field: "input.width" } } });
  });

  it("answers a content type it does not take, or an empty JSON body, as the client's mistake (4xx InvalidMessage), not a 500", async () => {
    // Found by tests/reliability/fuzz-http: fastify's own refusals went through as internal errors.
    const { app } = await server(async () => {
      throw new Error("not reached");
    });
    const wrongType = await app.inject({ method: "POST", url: "/quote", headers: { "content-type": "application/xml" }, payload: "<job/>" });
    const empty = await app.inject({ method: "POST", url: "/quote", headers: { "content-type": "application/json" }, payload: "" });
    for (const [res, status] of [[wrongType, 415], [empty, 400]] as const) {
      expect(res.statusCode).toBe(status);
      expect(decodeMessage(res.body)).toMatchObject({ type: "error", error: { name: "InvalidMessage" } });
    }
  });

  it("answers OrchestratorBusy with 503 and its next step", async () => {
    const { app, metrics } = await server(async () => {
      throw new OrchestratorBusy({ orchestrator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", maxSessions: 1, retryAfterMs: 5000 });
    });
    const res = await post(app, JSON.stringify(JOB));
    expect(res.statusCode).toBe(503);
    expect(decodeMessage(res.body)).toMatchObject({ error: { name: "OrchestratorBusy" } });
    expect(await metrics.registry.getSingleMetricAsString("streamflow_errors_total")).toMatch(/name="OrchestratorBusy"} 1/);
  });

  it("refuses an oversized body with MessageTooLarge before reading it", async () => {
    const { app } = await server(async () => {
      throw new Error("not reached");
    });
    const res = await post(app, JSON.stringify({ ...JOB, pad: "x".repeat(200_000) }));
    expect(res.statusCode).toBe(413);
    expect(decodeMessage(res.body)).toMatchObject({ error: { name: "MessageTooLarge" } });
  });

  it("rate-limits a burst from one address, refusing the excess as RateLimited with when to come back", async () => {
    const { app } = await server(async () => ({ v: 1, type: "error", error: { name: "ProtocolError", code: "X", message: "m", nextStep: "n" } }), 5);
    const replies = [];
    for (let i = 0; i < 8; i++) replies.push(await post(app, JSON.stringify(JOB)));
    expect(replies.slice(0, 5).every((r) => r.statusCode === 200)).toBe(true);
    expect(replies.slice(5).every((r) => r.statusCode === 429)).toBe(true);
    const refusal = decodeMessage(replies[7]!.body);
    expect(refusal).toMatchObject({ type: "error", error: { name: "RateLimited", code: "RATE_LIMITED", data: { limit: 5, windowMs: 60_000 } } });
    expect(Number(replies[7]!.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("serves health and Prometheus metrics", async () => {
    const { app } = await server(async () => {
      throw new Error("unused");
    });
    expect((await app.inject({ url: "/healthz" })).json()).toEqual({ ok: true, sessions: 0 });
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain("streamflow_segments_total");
  });
});

const ORIGIN = "http://127.0.0.1:5173";
const noQuote = async (): Promise<Message> => ({ v: 1, type: "error", error: { name: "ProtocolError", code: "X", message: "m", nextStep: "n" } });
const preflight = (a: FastifyInstance, url: string, method = "POST") =>
  a.inject({
    method: "OPTIONS",
    url,
    headers: { origin: ORIGIN, "access-control-request-method": method, "access-control-request-headers": "content-type" },
  });

describe("CORS: a page from another origin may call the node", () => {
  it("allows any origin on a quote response", async () => {
    const { app } = await server(noQuote);
    const res = await app.inject({ method: "POST", url: "/quote", headers: { "content-type": "application/json", origin: ORIGIN }, payload: JSON.stringify(JOB) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });

  it("answers a preflight for POST /quote and /session with the methods and header a page needs", async () => {
    const { app } = await server(noQuote);
    for (const url of ["/quote", "/session"]) {
      const res = await preflight(app, url);
      expect(res.statusCode).toBe(204);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
      expect(res.headers["access-control-allow-headers"]).toBe("content-type");
      expect(res.headers["access-control-max-age"]).toBe("600");
    }
  });

  it("does not let preflights spend the protocol endpoints' rate limit, and bounds them on their own", async () => {
    const { app } = await server(noQuote, 3, { viewerRateLimitPerMinute: 6 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await preflight(app, "/quote")).statusCode, (await post(app, JSON.stringify(JOB))).statusCode);
    expect(codes).toEqual([204, 200, 204, 200, 204, 200]);
    const limited = await post(app, JSON.stringify(JOB));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["access-control-allow-origin"]).toBe("*"); // the page can read why
    const more: number[] = [];
    for (let i = 0; i < 4; i++) more.push((await preflight(app, "/quote")).statusCode);
    expect(more).toEqual([204, 204, 204, 429]);
  });
});

describe("GET /streams: the public window of published streams", () => {
  const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const publishedJob = { ...(JOB as unknown as JobRequest), broadcaster: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as const, publish: true };

  function published() {
    const publicStreams = new PublicStreams({ orchestrator: ORCHESTRATOR });
    const rendition = publishedJob.output[0]!;
    publicStreams.add(publishedJob, { sequenceNumber: 0, durationMs: 2000, renditions: [{ rendition, bytes: new Uint8Array([1, 2, 3]) }] });
    publicStreams.add(publishedJob, { sequenceNumber: 1, durationMs: 2000, renditions: [{ rendition, bytes: new Uint8Array([4, 5]) }] });
    return publicStreams;
  }

  it("serves a published stream's index in the shared wire shape, to any origin, uncached", async () => {
    const { app } = await server(noQuote, 100, { publicStreams: published() });
    const res = await app.inject({ url: publicStreamIndexPath("s1"), headers: { origin: ORIGIN } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(decodePublicStreamIndex(res.body)).toEqual({
      v: 1,
      streamId: "s1",
      orchestrator: ORCHESTRATOR,
      renditions: [{ name: "360p", width: 640, height: 360 }],
      segments: [{ sequenceNumber: 0, durationMs: 2000, startMs: 0 }, { sequenceNumber: 1, durationMs: 2000, startMs: 2000 }],
    });
  });

  it("serves a segment's bytes as video/mp4, uncached since a re-sent segment replaces it", async () => {
    const { app } = await server(noQuote, 100, { publicStreams: published() });
    const res = await app.inject({ url: publicSegmentPath("s1", "360p", 1), headers: { origin: ORIGIN } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("video/mp4");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect([...res.rawPayload]).toEqual([4, 5]);
  });

  it("answers an unknown stream, rendition or segment with 404 PublicStreamNotFound", async () => {
    const { app, metrics } = await server(noQuote, 100, { publicStreams: published() });
    for (const url of [publicStreamIndexPath("other"), publicSegmentPath("other", "360p", 0), publicSegmentPath("s1", "240p", 0), publicSegmentPath("s1", "360p", 2)]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(decodeMessage(res.body)).toMatchObject({ type: "error", error: { name: "PublicStreamNotFound" } });
    }
    // A node without a public window answers the same.
    const { app: bare } = await server(noQuote);
    expect((await bare.inject({ url: publicStreamIndexPath("s1") })).statusCode).toBe(404);
    expect(await metrics.registry.getSingleMetricAsString("streamflow_errors_total")).toMatch(/name="PublicStreamNotFound"} 4/);
  });

  it("answers bad path parts with 400 InvalidPublicStreamPath naming the part", async () => {
    const { app } = await server(noQuote, 100, { publicStreams: published() });
    const cases: [string, string][] = [
      ["/streams/has%20space", "streamId"],
      [`/streams/${"s".repeat(65)}`, "streamId"],
      ["/streams/a.b/360p/0.mp4", "streamId"],
      ["/streams/s1/3%2060p/0.mp4", "rendition"],
      ["/streams/s1/360p/01.mp4", "sequenceNumber"],
      ["/streams/s1/360p/-1.mp4", "sequenceNumber"],
      ["/streams/s1/360p/1.ts", "sequenceNumber"],
      ["/streams/s1/360p/99999999999999999.mp4", "sequenceNumber"],
    ];
    for (const [url, part] of cases) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(decodeMessage(res.body), url).toMatchObject({ error: { name: "InvalidPublicStreamPath", data: { part } } });
    }
  });

  it("lets viewers poll far more often than the protocol endpoints allow, within a bound of their own", async () => {
    const { app } = await server(noQuote, 2, { publicStreams: published(), viewerRateLimitPerMinute: 20 });
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await app.inject({ url: publicStreamIndexPath("s1") })).statusCode);
    expect(codes.slice(0, 20).every((c) => c === 200)).toBe(true);
    expect(codes[20]).toBe(429);
    // Segments have their own count, and the protocol endpoints theirs.
    expect((await app.inject({ url: publicSegmentPath("s1", "360p", 0) })).statusCode).toBe(200);
    expect((await post(app, JSON.stringify(JOB))).statusCode).toBe(200);
  });

  it("reports the bytes held in /metrics", async () => {
    const { app, metrics } = await server(noQuote);
    metrics.publicWindowBytes.set(1234);
    expect((await app.inject({ url: "/metrics" })).body).toContain("streamflow_public_window_bytes 1234");
  });
});
