// The broadcaster tab's side of the stream, in headless Chromium on loopback (modules imported from Vite's dev
// server): tickets the payer signs per second (beside the same code in Node), a segment's data-channel throughput
// (beside the same bytes POSTed over loopback), and segment ready → verified 480p+360p ladder back from a real
// orchestrator node on a real Hardhat chain (beside the segment's duration, target ≤ 2 s + 0.5 s, and beside bare
// ffmpeg transcoding the same segment).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "@playwright/test";
import { createServer } from "vite";
import { createWalletClient, http, parseEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { chromiumLaunchOptions } from "../../tests/browser/chromium.ts";
import { startE2eNetwork, type E2eNetwork } from "../../tests/e2e/e2e-network.ts";
import { makeSegmentedClip } from "../../tests/media/make-clip.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { chooseH264Encoder } from "../../orchestrator-node/transcode/encoder.ts";
import { buildTranscodeArgs } from "../../orchestrator-node/transcode/ffmpeg-args.ts";
import { runProcess } from "../../orchestrator-node/transcode/run-process.ts";
import { chainFor } from "../../orchestrator-node/chain/clients.ts";
import { ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { DEFAULT_LADDER_PRESET } from "../../src/lib/broadcaster/ladder-presets.ts";
import { encodeMessage, type JobRequest } from "../../src/lib/protocol/messages.ts";
import { timeTicketPayer } from "../lib/browser-signing.ts";
import { startHttpSink, startPeerSink } from "../lib/browser-sinks.ts";
import { summarize, type Figure } from "../stats.ts";

type PageModule = typeof import("../lib/browser-page.ts");

const PAGE_MODULE = "/bench/lib/browser-page.ts";
/** Ports 19350–19399 are this suite's. */
const PORTS = { chain: 19350, node: 19351, vite: 19352, httpSink: 19353 } as const;
const RUNS = 5;
const TICKETS_PER_RUN = 200;
const SEGMENT_MS = 2_000;
/** Segment → ladder may take the segment's duration plus half a second (issue 8). */
const LADDER_TARGET_MS = SEGMENT_MS + 500;
const PRICE_PER_SEGMENT_WEI = 10n ** 16n;
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // dev account #0

const mbitPerS = (bytes: number, ms: number) => (bytes * 8) / 1_000 / ms;

type PageFunctions = { [K in keyof PageModule]: PageModule[K] extends (...args: never[]) => unknown ? K : never }[keyof PageModule];

/**
 * Calls the page module's `name` (imported from the dev server) with `args`; the string "benchBytes" stands for the
 * segment pageBytes fetched last. By name, not as a function's source: the app's CSP forbids eval in the page.
 */
function inPage<K extends PageFunctions>(page: Page, name: K, ...args: (Parameters<PageModule[K]>[number] | "benchBytes")[]): Promise<Awaited<ReturnType<PageModule[K]>>> {
  return page.evaluate(
    async ({ path, name, args }) => {
      const m = (await import(/* @vite-ignore */ path)) as Record<string, (...a: unknown[]) => unknown>;
      const bytes = (globalThis as { benchBytes?: Uint8Array }).benchBytes;
      return m[name]!(...args.map((a) => (a === "benchBytes" ? bytes : a)));
    },
    { path: PAGE_MODULE, name: name as string, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<PageModule[K]>>>;
}

/** The page fetches segment i from the HTTP sink, so that megabytes do not cross as evaluate arguments. */
async function pageBytes(page: Page, i: number): Promise<void> {
  await page.evaluate(async (url) => {
    (globalThis as { benchBytes?: Uint8Array }).benchBytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  }, `http://127.0.0.1:${PORTS.httpSink}/media/${i}`);
}

export async function browser(): Promise<Figure[]> {
  const started = performance.now();
  const phase = (what: string) => process.stderr.write(`  browser: ${what} at ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // Set-up all at once (the chain's compile, deploy and seed take longest); nothing is measured until it is done.
  // Whatever came up is taken down again, also when another part of the set-up failed.
  const closers: (() => Promise<unknown> | void)[] = [() => stopAll()];
  const up = <T>(promise: Promise<T>, close: (value: T) => Promise<unknown> | void) => promise.then((value) => (closers.unshift(() => close(value)), value));
  let media: Uint8Array[] = [];
  try {
    const vite = await up(createServer({ server: { host: "127.0.0.1", port: PORTS.vite, strictPort: true, fs: { allow: ["bench/lib"] } }, logLevel: "error" }), (v) => v.close());
    const settled = await Promise.allSettled([
      makeSegmentedClip({ count: RUNS + 1 }),
      up(startE2eNetwork({ chainPort: PORTS.chain, nodePort: PORTS.node, devAccount: 1, nodeSettings: { regions: ["eu-west"], pricePerSegmentWei: PRICE_PER_SEGMENT_WEI.toString() } }), (n) => n.stopNode()),
      up(chromium.launch(chromiumLaunchOptions), (b) => b.close()),
      up(startHttpSink(PORTS.httpSink, () => media), (server) => new Promise((r) => server.close(r))),
      vite.listen(),
    ]);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const [segments, net, browser] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [Uint8Array[], E2eNetwork, Browser];
    media = segments;
    phase("chain, node, Vite and Chromium up");
    const peerSink = startPeerSink();
    closers.unshift(() => peerSink.close());
    const page = await browser.newPage();
    await page.routeWebSocket(/^ws:\/\/[^/]+\/(\?token=.*)?$/, () => undefined); // no dev-server reloads mid-run
    await page.exposeFunction("benchPeerAnswer", (offer: string) => peerSink.answer(offer));
    // Twice: the first import may make Vite optimize newly found dependencies, which invalidates modules in the page.
    for (let i = 0; i < 2; i++) {
      await page.goto(`http://127.0.0.1:${PORTS.vite}/`);
      await inPage(page, "closeDataChannel"); // nothing open yet: loads the module
    }
    phase("page loaded");
    const signing = await ticketSigning(page);
    phase("tickets signed");
    const throughput = await dataChannel(page, segments[0]!);
    phase("data channel measured");
    const ladder = await segmentToLadder(page, net, segments);
    phase("segments → ladders measured");
    return [signing, throughput, ...ladder];
  } finally {
    for (const close of closers) await close();
  }
}

async function ticketSigning(page: Page): Promise<Figure> {
  const key = generatePrivateKey();
  const sign = { page: () => inPage(page, "timeTicketPayer", key, TICKETS_PER_RUN), node: () => timeTicketPayer(key, TICKETS_PER_RUN) };
  await sign.node();
  await sign.page();
  const inNode: number[] = [];
  const inTab: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    inNode.push(await sign.node());
    inTab.push(await sign.page());
  }
  const perSecond = (ms: number) => (TICKETS_PER_RUN / ms) * 1000;
  const subject = summarize(inTab.map(perSecond));
  const baseline = summarize(inNode.map(perSecond));
  return {
    name: "tickets signed in the tab (TicketPayer, viem pure-JS secp256k1)",
    unit: "tickets/s",
    subject,
    baselineName: "same TicketPayer code in Node",
    baseline,
    ratio: subject.median / baseline.median,
    extra: { ticketsPerRun: TICKETS_PER_RUN, msPerTicketInTab: Number((1000 / subject.median).toFixed(3)) },
  };
}

async function dataChannel(page: Page, segment: Uint8Array): Promise<Figure> {
  await inPage(page, "openDataChannel");
  await pageBytes(page, 0);
  const url = `http://127.0.0.1:${PORTS.httpSink}/`;
  const run = {
    channel: (i: number) => inPage(page, "timeDataChannel", i, "benchBytes"),
    post: () => inPage(page, "timeFetchPost", url, "benchBytes"),
  };
  await run.post();
  await run.channel(0);
  const channelMs: number[] = [];
  const postMs: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    postMs.push(await run.post());
    channelMs.push(await run.channel(i));
  }
  await inPage(page, "closeDataChannel");
  const subject = summarize(channelMs.map((ms) => mbitPerS(segment.byteLength, ms)));
  const baseline = summarize(postMs.map((ms) => mbitPerS(segment.byteLength, ms)));
  const segmentMbitPerS = mbitPerS(segment.byteLength, SEGMENT_MS);
  return {
    name: "data channel, tab → Node peer (simple-peer + framing, one 2 s 720p segment)",
    unit: "Mbit/s",
    subject,
    baselineName: "same bytes, fetch POST over loopback",
    baseline,
    ratio: subject.median / baseline.median,
    extra: { segmentBytes: segment.byteLength, segmentBitrateMbitPerS: Number(segmentMbitPerS.toFixed(2)), timesRealTime: Number((subject.median / segmentMbitPerS).toFixed(1)) },
  };
}

/** A fresh key with deposit and reserve on the TicketBroker (as the deposit page funds one), for the page to sign with. */
async function fundedKey(net: E2eNetwork): Promise<Hex> {
  const key = generatePrivateKey();
  const funder = createWalletClient({ account: privateKeyToAccount(DEPLOYER_KEY), transport: http(net.rpcUrl), chain: chainFor(net.deployments.chainId, net.rpcUrl) });
  const hash = await funder.writeContract({
    address: net.deployments.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: "fundDepositAndReserveFor",
    args: [privateKeyToAccount(key).address, parseEther("1"), parseEther("1")], value: parseEther("2"),
  });
  await net.chain.waitForTransactionReceipt({ hash });
  return key;
}

async function segmentToLadder(page: Page, net: E2eNetwork, segments: Uint8Array[]): Promise<Figure[]> {
  const key = await fundedKey(net);
  const ladder = DEFAULT_LADDER_PRESET.renditions;
  const job: JobRequest = {
    v: 1, type: "jobRequest", streamId: "bench-stream", serviceId: "CPUTranscoding", broadcaster: privateKeyToAccount(key).address,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 }, output: ladder.map((r) => ({ ...r })),
  };
  await inPage(page, "openOrchestratorSession", net.nodeUrl, key, encodeMessage(job));
  // Bare ffmpeg on the same segments: the node's encoder choice and command line, without the node.
  const { encoder } = await chooseH264Encoder();
  const dir = await mkdtemp(join(tmpdir(), "streamflow-bench-browser-"));
  const tab: number[] = [];
  const bare: number[] = [];
  const parts = { uploadMs: [] as number[], transcodeMs: [] as number[], backMs: [] as number[] };
  for (const [i, bytes] of segments.entries()) {
    const inputPath = join(dir, `in${i}.mp4`);
    await writeFile(inputPath, bytes);
    const args = buildTranscodeArgs({ inputPath, outputs: ladder.map((rendition, r) => ({ rendition, path: join(dir, `out${i}-${r}.mp4`) })), encoder, gopFrames: 600, audio: true });
    const t = performance.now();
    await runProcess("ffmpeg", args, 60_000);
    const bareMs = performance.now() - t;
    await pageBytes(page, i);
    const result = await inPage(page, "timeSegmentToLadder", i, "benchBytes");
    if (result.renditions.length !== ladder.length) throw new Error(`segment ${i} came back with ${result.renditions.join(", ")}`);
    if (i === 0) continue; // warm-up: the node's first transcode and the session's first payment
    bare.push(bareMs);
    tab.push(result.ms);
    parts.uploadMs.push(result.uploadMs);
    parts.transcodeMs.push(result.transcodeMs);
    parts.backMs.push(result.ms - result.uploadMs - result.transcodeMs);
  }
  await inPage(page, "closeOrchestratorSession");
  const subject = summarize(tab);
  const duration = { median: SEGMENT_MS, min: SEGMENT_MS, max: SEGMENT_MS };
  // Where the time goes: paying and sending; the node's own transcode; the rest (the node's checks of the segment and
  // its payment, results back over the channel, the tab's verification of receipt and hashes).
  const median = (values: number[]) => Math.round(summarize(values).median);
  const extra = {
    encoder, segments: tab.length, payAndUploadMsMedian: median(parts.uploadMs), nodeTranscodeMsMedian: median(parts.transcodeMs),
    checksResultBackAndVerifyMsMedian: median(parts.backMs),
  };
  return [
    {
      name: `segment ready → 480p+360p ladder back in the tab (paid, real node + chain, ${encoder})`,
      unit: "ms",
      subject,
      baselineName: "segment duration",
      baseline: duration,
      ratio: subject.median / SEGMENT_MS,
      target: { valueAtMost: LADDER_TARGET_MS, describe: "≤ 2 s + 0.5 s (ratio ≤ 1.25)" },
      met: subject.median <= LADDER_TARGET_MS,
      extra,
    },
    {
      name: `segment ready → ladder back, beside bare ffmpeg on the same segment (${encoder})`,
      unit: "ms",
      subject,
      baselineName: "bare ffmpeg, node's command line",
      baseline: summarize(bare),
      ratio: subject.median / summarize(bare).median,
      extra,
    },
  ];
}
