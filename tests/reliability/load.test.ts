// Reliability under load: more broadcasters than the node's maxSessions get OrchestratorBusy for exactly the excess and
// full service for the rest, while a burst from another client address runs into the per-IP rate limit on /quote and
// /session without taking service from anyone else, and is served again once the limit's window has passed.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { decodeMessage, encodeMessage } from "../../src/lib/protocol/messages.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { NodeBroadcaster } from "../e2e/node-broadcaster.ts";
import { scaled } from "./bounds.ts";
import { FailoverBroadcaster, sendPaid, streamJob } from "./lib/crash-failover.ts";
import { inBatches, postFrom } from "./lib/load-clients.ts";

const MAX_SESSIONS = 2;
/** Broadcasters beyond capacity. */
const EXCESS = scaled(6, 2);
const SEGMENTS_PER_SESSION = scaled(10, 3);
/** Requests in the burst, from one client address, over /quote and /session. */
const BURST = scaled(1_000, 240);
const BURSTER = "127.0.0.2";
const BYSTANDER = "127.0.0.3";

let net: E2eNetwork;
let burstEndedAtMs = 0;
let burstResetS = 0;

/** A job request any client may ask a quote for (its broadcaster need not be funded to be priced). */
const QUOTE_BODY = encodeMessage(streamJob("0x000000000000000000000000000000000000dEaD", "burst"));

beforeAll(async () => {
  net = await startE2eNetwork({
    chainPort: 19610, nodePort: 19611, devAccount: 1,
    nodeSettings: { maxSessions: MAX_SESSIONS, pricePerSegmentWei: (10n ** 15n).toString() },
  });
}, 300_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

describe("load", () => {
  it(`serves ${MAX_SESSIONS} broadcasters fully and tells exactly ${EXCESS} more OrchestratorBusy, through a rate-limited burst from another address`, async () => {
    onTestFailed(() => console.log(`--- node log (tail) ---\n${net.nodeLog().slice(-8000)}`));
    const accounts = [];
    for (let i = 0; i < MAX_SESSIONS + EXCESS; i++) accounts.push(await net.fundedBroadcaster());
    const broadcasters = accounts.map((a, i) => ({ b: new NodeBroadcaster(a, net.nodeUrl), job: streamJob(a.address, `load-${i}`) }));
    for (const { b, job } of broadcasters) await b.quote(job);
    // All at once: the node must hand out exactly its capacity, however the opens interleave.
    const opened = await Promise.all(broadcasters.map(({ b, job }) => b.open(job).then(() => "open", (e: Error) => e.message)));
    const busy = opened.filter((o) => o !== "open");
    expect(busy).toHaveLength(EXCESS);
    for (const refusal of busy) expect(refusal).toMatch(/OrchestratorBusy/);
    const served = broadcasters.filter((_x, i) => opened[i] === "open");
    expect(served).toHaveLength(MAX_SESSIONS);
    // A served stream asks again for params, as after a round change: the full house quotes it, and only it.
    for (const { b, job } of served) await expect(b.quote(job)).resolves.toMatchObject({ type: "quote" });
    const turnedAway = broadcasters.find((_x, i) => opened[i] !== "open")!;
    await expect(turnedAway.b.quote(turnedAway.job)).rejects.toThrow(/OrchestratorBusy/);

    // The burst runs while the admitted broadcasters stream.
    const burst = inBatches(BURST, 32, (i) =>
      i % 2 === 0 ? postFrom(BURSTER, `${net.nodeUrl}/quote`, QUOTE_BODY) : postFrom(BURSTER, `${net.nodeUrl}/session`, QUOTE_BODY),
    );
    const segments = await makeSegmentedClip({ count: SEGMENTS_PER_SESSION });
    const streamed = await Promise.all(served.map(async ({ b, job }) => {
      const types = [];
      for (const [i, bytes] of segments.entries()) types.push(FailoverBroadcaster.describe(await sendPaid(b, job, i, bytes, 2000)));
      b.close();
      return types;
    }));
    expect(streamed).toEqual(served.map(() => segments.map(() => "result")));

    const replies = await burst;
    burstEndedAtMs = Date.now();
    const limit = Number(replies[0]!.headers["x-ratelimit-limit"]);
    expect(limit).toBeGreaterThan(0);
    const limited = replies.filter((r) => r.status === 429);
    // Exactly the limit got through (answered 200 or a named 400), the rest were refused with a reason and a retry time.
    expect(replies.length - limited.length).toBe(Math.min(limit, BURST));
    expect(replies.filter((r) => r.status !== 429).every((r) => r.status === 200 || decodeMessage(r.body).type === "error")).toBe(true);
    for (const r of limited) {
      expect(decodeMessage(r.body)).toMatchObject({ type: "error", error: { name: "RateLimited", data: { limit } } });
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
    }
    burstResetS = Math.max(...limited.map((r) => Number(r.headers["retry-after"])));
    // Another address is served meanwhile; the bursting one is still refused.
    expect((await postFrom(BYSTANDER, `${net.nodeUrl}/quote`, QUOTE_BODY)).status).toBe(200);
    expect((await postFrom(BURSTER, `${net.nodeUrl}/quote`, QUOTE_BODY)).status).toBe(429);
    console.log(`load: ${MAX_SESSIONS} sessions × ${SEGMENTS_PER_SESSION} segments served, ${EXCESS} OrchestratorBusy; ` +
      `burst ${BURST}: ${replies.length - limited.length} served (limit ${limit}/min), ${limited.length} × 429`);
  }, 400_000);

  it("serves the bursting address again once the rate limit's window has passed", async () => {
    expect(burstEndedAtMs).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Math.max(0, burstEndedAtMs + burstResetS * 1000 - Date.now())));
    const reply = await waitFor("the bursting address served again", async () => {
      const r = await postFrom(BURSTER, `${net.nodeUrl}/quote`, QUOTE_BODY);
      return r.status === 200 ? r : undefined;
    }, 10_000);
    expect(decodeMessage(reply.body).type).toBe("quote");
  }, 120_000);
});
