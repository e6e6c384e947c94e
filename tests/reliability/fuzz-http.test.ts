// Issue 9, bad input over HTTP: the orchestrator node's endpoints (/quote, /session, /healthz, /metrics, the public
// stream reads) and the verifier's take random methods, paths, headers, content types and malformed, truncated,
// oversized or random bodies, and answer each with a clear refusal — never a 5xx, never a crash, memory bounded.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { MAX_MESSAGE_JSON_BYTES } from "../../src/lib/protocol/messages.ts";
import { silentLogger } from "../../orchestrator-node/log.ts";
import { createHttpServer } from "../../orchestrator-node/server/http.ts";
import { createMetrics } from "../../orchestrator-node/server/metrics.ts";
import { ChallengeBook } from "../../orchestrator-node/verifier/challenge-book.ts";
import { EvidenceStore } from "../../orchestrator-node/verifier/evidence-store.ts";
import { createVerifierHttpServer } from "../../orchestrator-node/verifier/http.ts";
import { startE2eNetwork, type E2eNetwork } from "../e2e/e2e-network.ts";
import { scaled } from "./bounds.ts";
import { metricValue } from "./lib/attack-metrics.ts";
import { nodeRequest, unclearAnswer, verifierRequest, type HttpCase } from "./lib/fuzz-http-cases.ts";

/** Through the real node's sockets; its per-IP rate limit answers most of them with 429, itself a clear refusal. */
const REAL_NODE_CASES = scaled(600, 150);
/** Against the same endpoints in-process (no rate limit), where every case reaches the handlers. */
const NODE_CASES = scaled(6_000, 1_000);
const VERIFIER_CASES = scaled(2_000, 400);
/** RSS may grow by caches and JIT, not by what the fuzz sent: far below the bytes sent, far above noise. */
const MAX_RSS_GROWTH_BYTES = 256 * 1024 * 1024;

let net: E2eNetwork;
let node: FastifyInstance;
let verifier: FastifyInstance;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19520, nodePort: 19521, devAccount: 1, nodeSettings: {} });
  const busy = () => Promise.reject(new OrchestratorBusy({ orchestrator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", maxSessions: 0, retryAfterMs: 1000 }));
  node = await createHttpServer({ metrics: createMetrics(), log: silentLogger, quote: busy, openSession: busy, rateLimitPerMinute: 1e9,
    viewerRateLimitPerMinute: 1e9, health: () => ({ ok: true, detail: {} }) });
  const dir = await mkdtemp(join(tmpdir(), "streamflow-fuzz-verifier-"));
  verifier = await createVerifierHttpServer({
    store: await EvidenceStore.open(join(dir, "evidence"), { maxItemBytes: 64 * 1024 }),
    book: await ChallengeBook.open(dir, 0n),
    log: silentLogger,
    verifier: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    rateLimitPerMinute: 1e9,
  });
}, 300_000);

afterAll(async () => {
  await node?.close();
  await verifier?.close();
  await net?.stopNode();
  await stopAll();
});

async function injected(app: FastifyInstance, c: HttpCase): Promise<string | undefined> {
  const res = await app.inject({ method: c.method as "GET", url: c.url, headers: c.headers, ...(c.body ? { payload: c.body } : {}) });
  return unclearAnswer(res.statusCode, res.body, c.method);
}

describe("HTTP endpoints under hostile input", () => {
  it(`answers ${REAL_NODE_CASES} hostile requests to the real node clearly, stays healthy, and its memory stays bounded`, async () => {
    const rssBefore = metricValue(await net.metrics(), "streamflow_node_process_resident_memory_bytes");
    const cases = fc.sample(nodeRequest, { numRuns: REAL_NODE_CASES, seed: 9 });
    const unclear: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const res = await fetch(`${net.nodeUrl}${c.url}`, { method: c.method, headers: c.headers, ...(c.body ? { body: new Uint8Array(c.body) } : {}) });
      const body = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const why = unclearAnswer(res.status, body, c.method);
      if (why) unclear.push(`${c.method} ${c.url} (${c.headers["content-type"]}): ${why}`);
    }
    const health = await fetch(`${net.nodeUrl}/healthz`);
    const rssAfter = metricValue(await net.metrics(), "streamflow_node_process_resident_memory_bytes");
    console.log(`fuzz-http real node: ${cases.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`);
    expect(unclear).toEqual([]);
    expect(health.status).toBe(200);
    expect(rssAfter - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  }, 300_000);

  it("refuses a body over the protocol's limit with 413 MessageTooLarge on every POST endpoint", async () => {
    for (const path of ["/quote", "/session"]) {
      const res = await fetch(`${net.nodeUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "a".repeat(MAX_MESSAGE_JSON_BYTES + 1) });
      expect(res.status).toBe(413);
      expect(JSON.parse(await res.text())).toMatchObject({ type: "error", error: { name: "MessageTooLarge" } });
    }
  });

  it(`answers ${NODE_CASES} hostile requests to the node's endpoints clearly (in-process, past the rate limit)`, async () => {
    await fc.assert(fc.asyncProperty(nodeRequest, async (c) => {
      expect(await injected(node, c)).toBeUndefined();
    }), { numRuns: NODE_CASES, seed: 91 });
  }, 300_000);

  it(`answers ${VERIFIER_CASES} hostile requests to the verifier's endpoints clearly`, async () => {
    await fc.assert(fc.asyncProperty(verifierRequest, async (c) => {
      expect(await injected(verifier, c)).toBeUndefined();
    }), { numRuns: VERIFIER_CASES, seed: 92 });
  }, 300_000);
});
