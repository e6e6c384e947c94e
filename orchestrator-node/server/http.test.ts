import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { decodeMessage, type JobRequest, type Message } from "../../src/lib/protocol/messages.ts";
import { silentLogger } from "../log.ts";
import { createHttpServer } from "./http.ts";
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

async function server(quote: (job: JobRequest) => Promise<Message>, rateLimitPerMinute = 100) {
  const metrics = createMetrics();
  app = await createHttpServer({ metrics, log: silentLogger, quote, rateLimitPerMinute, health: () => ({ ok: true, detail: { sessions: 0 } }) });
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

  it("rate-limits a burst from one address", async () => {
    const { app } = await server(async () => ({ v: 1, type: "error", error: { name: "ProtocolError", code: "X", message: "m", nextStep: "n" } }), 5);
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await post(app, JSON.stringify(JOB))).statusCode);
    expect(codes.slice(0, 5).every((c) => c === 200)).toBe(true);
    expect(codes.slice(5).every((c) => c === 429)).toBe(true);
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
