// The verifier's HTTP endpoints (fastify): challengers upload evidence (content-addressed), anyone reads it back and
// follows a challenge's status and verdict. Callable from any origin, since a broadcaster's page uploads the evidence.
import Fastify, { type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import type { Hex } from "viem";
import type { Logger } from "../log.ts";
import type { ChallengeBook, ChallengeRecord } from "./challenge-book.ts";
import { EvidenceRejected, MAX_LADDER_JSON_BYTES, normalizeHash, type EvidenceStore } from "./evidence-store.ts";

export interface VerifierHttpOptions {
  store: EvidenceStore;
  book: ChallengeBook;
  log: Logger;
  /** This verifier's address, shown by /healthz. */
  verifier: Hex;
  /** Called after evidence was stored, so waiting challenges are looked at at once. */
  onEvidence?(): void;
  /** Requests per IP per minute (uploads and reads). */
  rateLimitPerMinute?: number;
}

/** A request named something that is not here. */
class NotFound extends Error {
  override readonly name = "NotFound";
  readonly statusCode = 404;
}

const HASH_PARAM = { type: "object", properties: { hash: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } }, required: ["hash"] } as const;
const JOB_HASH_PARAM = { type: "object", properties: { jobHash: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } }, required: ["jobHash"] } as const;
const ID_PARAM = { type: "object", properties: { id: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } }, required: ["id"] } as const;

/** What GET /challenges/:id answers: the record, integers as decimal strings. */
export function challengeView(r: ChallengeRecord): Record<string, unknown> {
  const f = r.filed;
  return {
    id: f.id,
    status: r.status,
    challenger: f.challenger,
    orchestrator: f.orchestrator,
    streamId: f.streamId,
    sequenceNumber: f.sequenceNumber.toString(),
    rendition: f.rendition,
    round: f.round.toString(),
    inputHash: f.inputHash,
    jobHash: f.jobHash,
    renditionHash: f.renditionHash,
    filedInBlock: f.blockNumber.toString(),
    ...(r.missing?.length ? { missing: r.missing } : {}),
    ...(r.verdict ? { verdict: r.verdict } : {}),
    ...(r.txHash ? { txHash: r.txHash } : {}),
    ...(r.error ? { error: r.error } : {}),
    seenAt: new Date(r.seenAtMs).toISOString(),
    updatedAt: new Date(r.updatedAtMs).toISOString(),
  };
}

export async function createVerifierHttpServer(o: VerifierHttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: MAX_LADDER_JSON_BYTES, trustProxy: false });
  // Evidence is raw bytes hashed as they are; the ladder is JSON text hashed after parsing by the store.
  app.addContentTypeParser(["application/octet-stream", "video/mp4", "video/mp2t", "video/webm"], { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => done(null, body));
  await app.register(rateLimit, {
    max: o.rateLimitPerMinute ?? 600,
    timeWindow: "1 minute",
    allowList: (req) => req.url === "/healthz",
  });
  // Any origin and no credentials: a broadcaster's page, served from anywhere, uploads and reads; nothing rides on cookies.
  await app.register(cors, { origin: "*", methods: ["GET", "PUT", "OPTIONS"], allowedHeaders: ["content-type"], maxAge: 600 });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.code(413).send({ error: { name: "EvidenceTooLarge", message: `over the limit of ${o.store.maxItemBytes} bytes per item` } });
    }
    if (error instanceof EvidenceRejected || error instanceof NotFound) {
      return reply.code(error.statusCode).send({ error: { name: error.name, message: error.message } });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: { name: error.code ?? error.name, message: error.message } });
    }
    o.log.error({ err: error.name, reason: error.message }, "unexpected error answering a request");
    return reply.code(500).send({ error: { name: "Internal", message: "the verifier failed; see its logs" } });
  });

  app.put<{ Params: { jobHash: string } }>("/evidence/ladder/:jobHash", { schema: { params: JOB_HASH_PARAM } }, async (req, reply) => {
    if (typeof req.body !== "string") throw new EvidenceRejected('send the ladder as application/json: { "output": [...] }');
    const ladder = await o.store.putLadder(req.params.jobHash, req.body);
    o.log.info({ jobHash: req.params.jobHash, renditions: ladder.map((r) => r.name) }, "ladder evidence stored");
    o.onEvidence?.();
    return reply.send({ jobHash: normalizeHash(req.params.jobHash), output: ladder });
  });

  app.get<{ Params: { jobHash: string } }>("/evidence/ladder/:jobHash", { schema: { params: JOB_HASH_PARAM } }, async (req, reply) => {
    const ladder = await o.store.getLadder(req.params.jobHash);
    if (!ladder) throw new NotFound(`no ladder ${req.params.jobHash} here`);
    return reply.header("cache-control", "public, max-age=31536000, immutable").send({ output: ladder });
  });

  app.put<{ Params: { hash: string } }>(
    "/evidence/:hash",
    { schema: { params: HASH_PARAM }, bodyLimit: o.store.maxItemBytes },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new EvidenceRejected("send the bytes as application/octet-stream");
      const body = req.body;
      const hash = await o.store.put(req.params.hash, new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
      o.log.info({ hash, sizeBytes: body.byteLength }, "evidence stored");
      o.onEvidence?.();
      return reply.send({ hash, sizeBytes: body.byteLength });
    },
  );

  app.get<{ Params: { hash: string } }>("/evidence/:hash", { schema: { params: HASH_PARAM } }, async (req, reply) => {
    const bytes = await o.store.get(req.params.hash);
    if (!bytes) throw new NotFound(`no evidence ${req.params.hash} here`);
    // Content-addressed: the bytes under a hash never change.
    return reply
      .type("application/octet-stream")
      .header("cache-control", "public, max-age=31536000, immutable")
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.get<{ Params: { id: string } }>("/challenges/:id", { schema: { params: ID_PARAM } }, async (req, reply) => {
    const record = o.book.get(req.params.id as Hex);
    if (!record) throw new NotFound(`challenge ${req.params.id} not seen yet: it may not be mined, or this verifier has not read its block yet`);
    return reply.header("cache-control", "no-cache").send(challengeView(record));
  });

  app.get("/challenges", async (_req, reply) => {
    return reply.header("cache-control", "no-cache").send({ challenges: o.book.list().slice(0, 100).map(challengeView) });
  });

  app.get("/healthz", async (_req, reply) => {
    return reply.send({
      ok: true,
      // The one-command start tells its own process from a stale one on the port by this.
      pid: process.pid,
      verifier: o.verifier,
      scannedThroughBlock: o.book.scannedThroughBlock.toString(),
      pending: o.book.unfinished().length,
      evidenceBytes: o.store.totalBytes,
    });
  });

  return app;
}
