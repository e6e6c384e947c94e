// requestQuotes against real HTTP servers on 127.0.0.1 (no mocked fetch): a quote, a slow server, a protocol error,
// a quote from the wrong address, a closed port; and the pure parts of discovery.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getAddress, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrchestratorBusy, toWireError } from "../protocol/errors.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Quote } from "../protocol/messages.ts";
import {
  OrchestratorUnreachable,
  QuoteFromWrongOrchestrator,
  QuoteTimedOut,
  quotedPricePerSegmentWei,
  requestQuotes,
  UnexpectedQuoteResponse,
  usableServiceUri,
  type Candidate,
} from "./discovery.ts";

const ZERO32: Hex = `0x${"00".repeat(32)}`;
const BROADCASTER = getAddress("0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc");
const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

const job: JobRequest = {
  v: 1,
  type: "jobRequest",
  streamId: "stream-1",
  serviceId: "CPUTranscoding",
  broadcaster: BROADCASTER,
  input: { codec: "h264", width: 1280, height: 720, fps: 30 },
  output: [
    { name: "480p", width: 854, height: 480, bitrateKbps: 1200 },
    { name: "360p", width: 640, height: 360, bitrateKbps: 700 },
  ],
};

function quote(orchestrator: Address, priceWei = 10n ** 13n): Quote {
  return {
    v: 1,
    type: "quote",
    streamId: job.streamId,
    orchestrator,
    price: { per: "segment", priceWei },
    ticketParams: {
      recipient: orchestrator,
      faceValue: 10n ** 16n,
      winProb: 2n ** 240n,
      recipientRandHash: ZERO32,
      seed: ZERO32,
      expirationBlock: 100n,
      creationRound: 1n,
      creationRoundBlockHash: ZERO32,
    },
    capacityLeft: 3,
    expiresAt: Date.now() + 60_000,
  };
}

type Handler = (body: string) => Promise<{ status: number; body: string }>;

/** One HTTP server per behaviour, each on its own ephemeral port of 127.0.0.1. */
const servers: Server[] = [];
const received: string[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/quote" || req.headers["content-type"] !== "application/json") {
        res.writeHead(404).end();
        return;
      }
      received.push(body);
      void handler(body).then(({ status, body: out }) => {
        if (!res.destroyed) res.writeHead(status, { "content-type": "application/json" }).end(out);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function candidate(address: Address, serviceURI: string): Candidate {
  return {
    address,
    serviceURI,
    services: [{ id: "CPUTranscoding", verifier: addr(0) }],
    regions: [],
    totalStakeWei: 1n,
    active: true,
    rewardCutPpm: 0n,
    feeSharePpm: 0n,
  };
}

let okUri: string;
let slowUri: string;
let busyUri: string;
let wrongUri: string;
let htmlUri: string;
let closedUri: string;

beforeAll(async () => {
  okUri = await serve(async (body) => {
    const request = decodeMessage(body);
    return { status: 200, body: encodeMessage(quote(addr(1), request.type === "jobRequest" ? 10n ** 13n : 0n)) };
  });
  slowUri = await serve(async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    return { status: 200, body: encodeMessage(quote(addr(2))) };
  });
  busyUri = await serve(async () => ({
    status: 503,
    body: encodeMessage({ v: 1, type: "error", error: toWireError(new OrchestratorBusy({ orchestrator: addr(3), maxSessions: 4, retryAfterMs: 10_000 })) }),
  }));
  wrongUri = await serve(async () => ({ status: 200, body: encodeMessage(quote(addr(99))) }));
  htmlUri = await serve(async () => ({ status: 429, body: "<html>slow down</html>" }));
  // A port that was open and is closed now: connection refused.
  const closing = await serve(async () => ({ status: 200, body: "" }));
  const last = servers.pop()!;
  await new Promise((r) => last.close(r));
  closedUri = closing;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe("requestQuotes", () => {
  it("returns each candidate's outcome, in order, measured and named", async () => {
    const candidates = [
      candidate(addr(1), okUri),
      candidate(addr(2), slowUri),
      candidate(addr(3), busyUri),
      candidate(addr(4), wrongUri),
      candidate(addr(5), htmlUri),
      candidate(addr(6), closedUri),
    ];
    const started = performance.now();
    const outcomes = await requestQuotes(candidates, job, { timeoutMs: 500 });
    // In parallel: the whole round takes about one timeout, not the sum of the slow ones.
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(outcomes.map((o) => o.candidate.address)).toEqual(candidates.map((c) => c.address));

    const [ok, slow, busy, wrong, html, closed] = outcomes;
    expect(ok).toMatchObject({ ok: true, pricePerSegmentWei: 10n ** 13n });
    if (!ok?.ok) throw new Error("unreachable");
    expect(ok.quote.orchestrator).toBe(addr(1));
    expect(ok.responseMs).toBeGreaterThan(0);
    expect(ok.responseMs).toBeLessThan(500);

    expect(slow).toMatchObject({ ok: false });
    if (slow?.ok !== false) throw new Error("unreachable");
    expect(slow.error).toBeInstanceOf(QuoteTimedOut);
    expect(slow.error.data).toMatchObject({ orchestrator: addr(2), timeoutMs: 500 });
    expect(slow.responseMs).toBeGreaterThanOrEqual(490);

    if (busy?.ok !== false) throw new Error("expected the busy orchestrator's error");
    expect(busy.error).toBeInstanceOf(OrchestratorBusy); // re-created from the wire by fromWireError
    expect(busy.error.nextStep).not.toBe("");

    if (wrong?.ok !== false) throw new Error("expected the wrong orchestrator to be refused");
    expect(wrong.error).toBeInstanceOf(QuoteFromWrongOrchestrator);
    expect(wrong.error.data).toMatchObject({ expected: addr(4), quoted: addr(99) });

    if (html?.ok !== false) throw new Error("expected a non-protocol answer to be refused");
    expect(html.error).toBeInstanceOf(UnexpectedQuoteResponse);
    expect(html.error.nextStep).toMatch(/rate-limiting/);

    if (closed?.ok !== false) throw new Error("expected the closed port to be unreachable");
    expect(closed.error).toBeInstanceOf(OrchestratorUnreachable);

    // What the servers received is the jobRequest, validated on their side too.
    expect(decodeMessage(received[0]!)).toEqual(job);
  });
});

describe("discovery's pure parts", () => {
  it("keeps only http(s) service URIs without credentials, query or fragment", () => {
    expect(usableServiceUri("http://127.0.0.1:8935")).toBe("http://127.0.0.1:8935");
    expect(usableServiceUri("https://o.example/streamflow/")).toBe("https://o.example/streamflow");
    for (const bad of ["", "127.0.0.1:8935", "ftp://o.example", "javascript:alert(1)", "http://user:pw@o.example", "http://o.example/?a=1"]) {
      expect(usableServiceUri(bad)).toBeUndefined();
    }
  });

  it("prices a per-pixel quote per segment, rounding up", () => {
    const pixelsPerSegment = BigInt((854 * 480 + 640 * 360) * 60); // two renditions, 30 fps × 2 s
    expect(quotedPricePerSegmentWei({ per: "segment", priceWei: 7n }, job, 2000)).toBe(7n);
    expect(quotedPricePerSegmentWei({ per: "pixel", priceWei: 1n, pixelsPerUnit: 1n }, job, 2000)).toBe(pixelsPerSegment);
    expect(quotedPricePerSegmentWei({ per: "pixel", priceWei: 1n, pixelsPerUnit: pixelsPerSegment + 1n }, job, 2000)).toBe(1n);
  });
});
