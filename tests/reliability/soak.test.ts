// Reliability: a soak. Broadcasters stream back to back for a while (10 min under the full suite, ~45 s bounded),
// each session a short stream so that sessions open and close all along; the node must answer every segment, and its
// resident memory (RSS, sampled from /proc) must stay flat from the first sample after warm-up to the last.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, type E2eNetwork } from "../e2e/e2e-network.ts";
import { FailoverBroadcaster, streamJob } from "./lib/crash-failover.ts";
import { scaled } from "./bounds.ts";

const DURATION_MS = scaled(10 * 60_000, 45_000);
/** Samples before this are warm-up (ffmpeg, JIT, caches filling): the baseline is the first one after it. */
const WARM_UP_MS = scaled(60_000, 10_000);
const SAMPLE_EVERY_MS = scaled(10_000, 2_500);
const SEGMENTS_PER_SESSION = 8;
/** Growth allowed from baseline to the end: well below what a per-segment or per-session leak adds over the soak. */
const MAX_GROWTH_BYTES = scaled(48, 32) * 2 ** 20;

let net: E2eNetwork;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19620, nodePort: 19621, devAccount: 1, nodeSettings: { pricePerSegmentWei: (10n ** 15n).toString() } });
}, 300_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe("soak", () => {
  it(`answers every segment for ${DURATION_MS / 1000} s with flat memory`, async () => {
    const { pid } = (await (await fetch(`${net.nodeUrl}/healthz`)).json()) as { pid: number };
    const account = await net.fundedBroadcaster();
    const clip = await makeSegmentedClip({ count: 4 });
    const samples: { atMs: number; rss: number }[] = [];
    const started = Date.now();
    let nextSample = started;
    let sessions = 0;
    let segments = 0;
    const failures: string[] = [];
    while (Date.now() - started < DURATION_MS) {
      const job = streamJob(account.address, `soak-${sessions}`);
      // One orchestrator, no failover: it pays again after a stale-params refusal, as the browser does.
      const b = new FailoverBroadcaster(account, job, [net.nodeUrl]);
      sessions++;
      for (let i = 0; i < SEGMENTS_PER_SESSION && Date.now() - started < DURATION_MS; i++) {
        const { reply } = await b.send(i, clip[i % clip.length]!, 2000);
        segments++;
        if (reply.message.type !== "result") failures.push(`${job.streamId}/${i}: ${FailoverBroadcaster.describe(reply)}`);
        if (Date.now() >= nextSample) {
          samples.push({ atMs: Date.now() - started, rss: await rssBytes(pid) });
          nextSample += SAMPLE_EVERY_MS;
        }
      }
      b.close();
    }
    samples.push({ atMs: Date.now() - started, rss: await rssBytes(pid) });

    expect(failures).toEqual([]);
    const baseline = samples.find((s) => s.atMs >= WARM_UP_MS)!;
    const last = samples.at(-1)!;
    const growth = last.rss - baseline.rss;
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(`soak: ${(DURATION_MS / 1000).toFixed(0)} s, ${sessions} sessions, ${segments} segments; RSS ${mib(baseline.rss)} MiB at ` +
      `${(baseline.atMs / 1000).toFixed(0)} s → ${mib(last.rss)} MiB at ${(last.atMs / 1000).toFixed(0)} s (growth ${mib(growth)} MiB; ` +
      `peak ${mib(Math.max(...samples.map((s) => s.rss)))} MiB over ${samples.length} samples)`);
    expect(baseline).not.toBe(last);
    expect(growth).toBeLessThanOrEqual(MAX_GROWTH_BYTES);
  }, 900_000);
});
