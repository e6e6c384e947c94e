// The verifier's HTTP endpoints: content-addressed uploads and reads, ladder uploads, challenge status, CORS.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { contentHash, ladderHash } from "../../src/lib/protocol/receipt.ts";
import { silentLogger } from "../log.ts";
import { ChallengeBook } from "./challenge-book.ts";
import { EvidenceStore } from "./evidence-store.ts";
import { createVerifierHttpServer } from "./http.ts";

const LADDER = [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }];
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(o: { maxItemBytes?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-verifier-http-"));
  const store = await EvidenceStore.open(join(dir, "evidence"), { maxItemBytes: o.maxItemBytes ?? 1024 });
  const book = await ChallengeBook.open(dir, 0n);
  let nudges = 0;
  app = await createVerifierHttpServer({ store, book, log: silentLogger, verifier: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", onEvidence: () => nudges++ });
  return { app, store, book, nudges: () => nudges };
}

const octet = { "content-type": "application/octet-stream" };

describe("verifier HTTP", () => {
  it("stores evidence under its hash and serves it back, with CORS for any origin", async () => {
    const { app, nudges } = await server();
    const bytes = Buffer.from("a segment's bytes");
    const hash = contentHash(bytes);
    const put = await app.inject({ method: "PUT", url: `/evidence/${hash}`, headers: { ...octet, origin: "http://page.example" }, payload: bytes });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ hash, sizeBytes: bytes.length });
    expect(put.headers["access-control-allow-origin"]).toBe("*");
    expect(nudges()).toBe(1);
    const get = await app.inject({ method: "GET", url: `/evidence/${hash}` });
    expect(get.statusCode).toBe(200);
    expect(get.rawPayload).toEqual(bytes);
    expect(get.headers["content-type"]).toBe("application/octet-stream");

    const preflight = await app.inject({
      method: "OPTIONS",
      url: `/evidence/${hash}`,
      headers: { origin: "http://page.example", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-methods"]).toContain("PUT");
  });

  it("refuses bytes that do not match the hash, oversized bodies and bad hashes, by name", async () => {
    const { app } = await server({ maxItemBytes: 1024 });
    const wrong = await app.inject({ method: "PUT", url: `/evidence/${contentHash(Buffer.from("x"))}`, headers: octet, payload: Buffer.from("y") });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.name).toBe("EvidenceHashMismatch");
    const big = Buffer.alloc(2048, 1);
    const tooLarge = await app.inject({ method: "PUT", url: `/evidence/${contentHash(big)}`, headers: octet, payload: big });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.name).toBe("EvidenceTooLarge");
    expect((await app.inject({ method: "PUT", url: "/evidence/0x12", headers: octet, payload: Buffer.from("y") })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: `/evidence/${contentHash(Buffer.from("none"))}` })).statusCode).toBe(404);
  });

  it("takes a ladder under the jobHash it hashes to", async () => {
    const { app } = await server();
    const jobHash = ladderHash(LADDER);
    const json = { "content-type": "application/json" };
    const put = await app.inject({ method: "PUT", url: `/evidence/ladder/${jobHash}`, headers: json, payload: JSON.stringify({ output: LADDER }) });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ jobHash, output: LADDER });
    expect((await app.inject({ method: "GET", url: `/evidence/ladder/${jobHash}` })).json()).toEqual({ output: LADDER });
    const other = await app.inject({ method: "PUT", url: `/evidence/ladder/${jobHash}`, headers: json, payload: JSON.stringify({ output: [{ ...LADDER[0], height: 362 }] }) });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.name).toBe("LadderHashMismatch");
  });

  it("answers a challenge's status, and 404 for one not seen yet", async () => {
    const { app, book } = await server();
    const id = `0x${"ab".repeat(32)}` as const;
    expect((await app.inject({ method: "GET", url: `/challenges/${id}` })).statusCode).toBe(404);
    await book.addScanned(
      [
        {
          id,
          challenger: "0x000000000000000000000000000000000000c0de",
          orchestrator: "0x0000000000000000000000000000000000000001",
          inputHash: `0x${"01".repeat(32)}`,
          jobHash: ladderHash(LADDER),
          renditionHash: `0x${"02".repeat(32)}`,
          rendition: "360p",
          round: 7n,
          streamId: "s",
          sequenceNumber: 4n,
          blockNumber: 12n,
        },
      ],
      12n,
    );
    await book.update(id, { status: "verdict-submitted", verdict: { faulty: true, reason: "resolution: expected 640x360, found 320x180", failures: [] }, txHash: `0x${"03".repeat(32)}` });
    const res = await app.inject({ method: "GET", url: `/challenges/${id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: "verdict-submitted",
      rendition: "360p",
      round: "7",
      sequenceNumber: "4",
      verdict: { faulty: true, reason: "resolution: expected 640x360, found 320x180" },
      txHash: `0x${"03".repeat(32)}`,
    });
    expect((await app.inject({ method: "GET", url: "/challenges" })).json().challenges).toHaveLength(1);
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toMatchObject({ ok: true, scannedThroughBlock: "12", pending: 0 });
  });
});
