// Acceptance tests of the in-browser spot checks (src/lib/broadcaster/verify) in real Chromium with ffmpeg.wasm
// served by the app itself: honest renditions made with the orchestrator's own ffmpeg arguments pass (≥ 50 segments of
// several kinds of picture, none falsely faulted), each kind of cheating fails with its named check, a flood of
// checks is skipped at once rather than queued, and the time per check is printed beside the 2 s segment it covers.
// The last test runs a check in the production build (build/, made by `npm run build`), to show it serves the core.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { makeFault, makeSources, mediaDir, transcodeHonest, type Pattern, type TestRendition } from "../../src/lib/broadcaster/verify/test-media.ts";
import type { LadderRendition, SpotCheckResult } from "../../src/lib/broadcaster/verify/types.ts";

const CHECKER_PATH = "/src/lib/broadcaster/verify/spot-checker.ts";
const CAPTURE_PATH = "/src/lib/broadcaster/capture.ts";
const SEGMENTER_PATH = "/src/lib/broadcaster/segmenter/segmenter.ts";
const SEGMENT_MS = 2_000;

type Checker = typeof import("../../src/lib/broadcaster/verify/spot-checker.ts");

/** The app's ladder presets (src/lib/broadcaster/ladder-presets.ts): the default, the light one, the full one. */
const DEFAULT_LADDER: LadderRendition[] = [
  { name: "480p", width: 854, height: 480, bitrateKbps: 1200 },
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
];
const LIGHT_LADDER: LadderRendition[] = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];
const FULL_LADDER: LadderRendition[] = [
  { name: "720p", width: 1280, height: 720, bitrateKbps: 2500 },
  ...DEFAULT_LADDER,
];

/**
 * The honest run: ≥ 50 segments, with audio for some (Opus, as the tab sends). Noisy bars score low at any bitrate and
 * so take the slow reference stage each time (≈ 4× the time of a check that passes on SSIM): a few of them suffice.
 */
const HONEST_PLAN: { pattern: Pattern; count: number; audio: boolean; ladder: LadderRendition[] }[] = [
  { pattern: "testsrc2", count: 28, audio: true, ladder: DEFAULT_LADDER },
  { pattern: "mandelbrot", count: 16, audio: false, ladder: DEFAULT_LADDER },
  { pattern: "noisybars", count: 6, audio: false, ladder: LIGHT_LADDER },
];

interface Case {
  label: string;
  source: Uint8Array;
  ladder: LadderRendition[];
  renditions: TestRendition[];
}

let page: Page;
let media: Awaited<ReturnType<typeof mediaDir>>;
/** Media the page fetches by id (page.route), so that megabytes do not cross as page.evaluate arguments. */
const served = new Map<string, Uint8Array>();
let nextMediaId = 0;

function serve(bytes: Uint8Array): string {
  const id = `m${nextMediaId++}`;
  served.set(id, bytes);
  return `/spot-check-media/${id}`;
}

/** Runs one check in the page; the page fetches the bytes and hands them to the page's one SpotChecker. */
async function check(c: Case, sequenceNumber: number): Promise<SpotCheckResult> {
  const request = {
    sequenceNumber,
    source: serve(c.source),
    ladder: c.ladder,
    renditions: c.renditions.map((r) => ({ name: r.name, url: serve(r.bytes) })),
  };
  const result = await page.evaluate(async (req) => {
    const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const input = {
      sequenceNumber: req.sequenceNumber,
      source: await bytes(req.source),
      ladder: req.ladder,
      renditions: await Promise.all(req.renditions.map(async (r) => ({ name: r.name, bytes: await bytes(r.url) }))),
    };
    return (globalThis as any).spotChecker.check(input);
  }, request);
  served.delete(request.source.split("/").pop()!);
  for (const r of request.renditions) served.delete(r.url.split("/").pop()!);
  return result as SpotCheckResult;
}

const pad = (text: string | number, width: number) => String(text).padStart(width);

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  media = await mediaDir();
  page = await browser.newPage();
  // Vite's dev server reloads the page when a source file it imported changes (others edit the repo while this runs
  // for minutes): a muted HMR socket keeps this page, and its loaded ffmpeg.wasm, for the whole file.
  await page.routeWebSocket(/^ws:\/\/[^/]+\/(\?token=.*)?$/, () => undefined);
  await page.route("**/spot-check-media/*", (route) => {
    const bytes = served.get(new URL(route.request().url()).pathname.split("/").pop()!);
    return bytes ? route.fulfill({ body: Buffer.from(bytes), contentType: "video/mp4" }) : route.fulfill({ status: 404 });
  });
  // Vite's dev server optimizes a dependency the first time a page asks for it, then reloads that page: import
  // everything (and load the worker's ffmpeg.wasm) until that has settled, then keep this one page and its checker.
  await page.goto("/");
  for (let attempt = 1; ; attempt++) {
    try {
      await page.evaluate(
        async ({ checkerPath, paths }) => {
          for (const path of paths) await import(/* @vite-ignore */ path);
          const { SpotChecker } = (await import(/* @vite-ignore */ checkerPath)) as Checker;
          const g = globalThis as any;
          g.spotChecker ??= new SpotChecker();
          g.spotCheckerLoad = await g.spotChecker.load();
        },
        { checkerPath: CHECKER_PATH, paths: [CAPTURE_PATH, SEGMENTER_PATH] },
      );
      await page.waitForTimeout(500);
      if (await page.evaluate(() => (globalThis as any).spotCheckerLoad !== undefined)) break;
    } catch (error) {
      if (attempt >= 5 || !/context was destroyed|navigat/i.test(String(error))) throw error;
    }
    await page.waitForLoadState("load");
  }
});

test.afterAll(async () => {
  await page?.close();
  await media?.dispose();
});

test("loads ffmpeg.wasm once, from the app's own origin: the single-thread core, as the app is not cross-origin isolated", async () => {
  const state = await page.evaluate(() => ({ load: (globalThis as any).spotCheckerLoad, isolated: crossOriginIsolated, origin: location.origin }));
  expect(state.isolated).toBe(false);
  expect(state.load).toMatchObject({ core: "single-thread", coreURL: `${state.origin}/ffmpeg/ffmpeg-core.js` });
  // The core files as the dev server serves them, with the types a browser needs to compile the wasm as it streams in.
  const js = await page.request.get("/ffmpeg/ffmpeg-core.js");
  const wasm = await page.request.get("/ffmpeg/ffmpeg-core.wasm");
  expect(js.headers()["content-type"]).toMatch(/javascript/);
  expect(wasm.headers()["content-type"]).toBe("application/wasm");
  expect((await wasm.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
  expect((await page.request.get("/ffmpeg/mt/ffmpeg-core.js")).status()).toBe(404);
  console.log(`spot checker: ffmpeg.wasm ${state.load.core} core loaded in ${state.load.loadMs} ms from ${state.load.coreURL}`);
});

test("passes ≥ 50 honest segments of three kinds of picture with no false fault", async () => {
  test.setTimeout(600_000);
  const results: { pattern: Pattern; ladder: string; result: SpotCheckResult }[] = [];
  let sequenceNumber = 0;
  for (const plan of HONEST_PLAN) {
    const sources = await makeSources(media.dir, plan.pattern, plan.count, plan.audio);
    expect(sources).toHaveLength(plan.count);
    // The next segment's renditions are made while the page checks this one, as they would arrive while live.
    let next = transcodeHonest(media.dir, sources[0]!, plan.ladder, plan.audio);
    for (const [i, source] of sources.entries()) {
      const renditions = await next;
      if (i + 1 < sources.length) next = transcodeHonest(media.dir, sources[i + 1]!, plan.ladder, plan.audio);
      const result = await check({ label: plan.pattern, source, ladder: plan.ladder, renditions }, sequenceNumber++);
      results.push({ pattern: plan.pattern, ladder: plan.ladder.map((r) => r.name).join("+"), result });
    }
  }

  const falseFaults = results.filter((r) => r.result.outcome !== "passed");
  const rows = HONEST_PLAN.map((plan) => {
    const mine = results.filter((r) => r.pattern === plan.pattern).map((r) => r.result);
    const means = mine.flatMap((r) => Object.values(r.metric?.perRendition ?? {}));
    const worst = mine.flatMap((r) => Object.values(r.metric?.worstFrame ?? {}));
    const referenceGaps = mine.flatMap((r) => Object.entries(r.metric?.reference ?? {}).map(([name, ref]) => r.metric!.perRendition[name]! - ref.mean));
    const worstGaps = mine.flatMap((r) => Object.entries(r.metric?.reference ?? {}).map(([name, ref]) => r.metric!.worstFrame[name]! - ref.worstFrame));
    const times = mine.map((r) => r.timeMs);
    return (
      `  ${plan.pattern.padEnd(10)} ${plan.ladder.map((r) => r.name).join("+").padEnd(9)} ${pad(mine.length, 2)} segments` +
      `${plan.audio ? " (audio)" : ""}: passed ${mine.filter((r) => r.outcome === "passed").length}, ` +
      `SSIM ${Math.min(...means).toFixed(4)}–${Math.max(...means).toFixed(4)}, worst frame ≥ ${Math.min(...worst).toFixed(4)}, ` +
      `reference stage ${mine.filter((r) => r.stage === "reference").length}` +
      (referenceGaps.length > 0
        ? ` (rendition − reference: mean ${Math.min(...referenceGaps).toFixed(4)}…${Math.max(...referenceGaps).toFixed(4)}, ` +
          `worst frame ${Math.min(...worstGaps).toFixed(4)}…${Math.max(...worstGaps).toFixed(4)})`
        : "") +
      `, ${Math.round(times.reduce((a, b) => a + b, 0) / times.length)} ms per check (max ${Math.max(...times)})`
    );
  });
  console.log([`spot checks of honest renditions: ${results.length} segments, ${falseFaults.length} not passed`, ...rows].join("\n"));
  expect(falseFaults.map((r) => ({ pattern: r.pattern, ...r.result }))).toEqual([]);
  expect(results.length).toBeGreaterThanOrEqual(50);
});

test("fails each kind of cheating with its named check", async () => {
  test.setTimeout(300_000);
  const [previous, source] = (await makeSources(media.dir, "testsrc2", 2, true)) as [Uint8Array, Uint8Array];
  const [otherClip] = (await makeSources(media.dir, "mandelbrot", 1, true)) as [Uint8Array];
  const honest = await transcodeHonest(media.dir, source, DEFAULT_LADDER, true);
  const [r480, r360] = DEFAULT_LADDER as [LadderRendition, LadderRendition];
  const replace = (name: string, bytes: Uint8Array) => honest.map((r) => (r.name === name ? { name, bytes } : r));
  const faults: { label: string; renditions: TestRendition[]; check: string; rendition: string }[] = [
    { label: "wrong resolution (360p at 320x180)", renditions: replace("360p", await makeFault(media.dir, "wrong-resolution", source, honest[1]!.bytes, r360)), check: "resolution", rendition: "360p" },
    { label: "black frames (480p)", renditions: replace("480p", await makeFault(media.dir, "black-frames", source, honest[0]!.bytes, r480)), check: "ssim", rendition: "480p" },
    { label: "5 black frames in 60 (360p)", renditions: replace("360p", await makeFault(media.dir, "some-black-frames", source, honest[1]!.bytes, r360)), check: "ssim", rendition: "360p" },
    { label: "truncated to 1 s (480p)", renditions: replace("480p", await makeFault(media.dir, "truncated", source, honest[0]!.bytes, r480)), check: "frameCount", rendition: "480p" },
    { label: "stale: the segment before", renditions: await transcodeHonest(media.dir, previous, DEFAULT_LADDER, true), check: "ssim", rendition: "480p" },
    { label: "stale: another clip", renditions: await transcodeHonest(media.dir, otherClip, DEFAULT_LADDER, true), check: "ssim", rendition: "360p" },
    { label: "missing rendition (360p)", renditions: [honest[0]!], check: "missing", rendition: "360p" },
  ];

  const rows: string[] = [];
  const honestResult = await check({ label: "honest", source, ladder: DEFAULT_LADDER, renditions: honest }, 1000);
  expect(honestResult.outcome).toBe("passed");
  rows.push(`  ${"honest".padEnd(36)} passed  SSIM ${JSON.stringify(honestResult.metric?.perRendition)}  ${honestResult.timeMs} ms`);
  for (const [i, fault] of faults.entries()) {
    const result = await check({ label: fault.label, source, ladder: DEFAULT_LADDER, renditions: fault.renditions }, 1001 + i);
    expect(result.outcome, fault.label).toBe("failed");
    expect(result.failures.map((f) => `${f.rendition} ${f.check}`), fault.label).toContain(`${fault.rendition} ${fault.check}`);
    expect(result.reason).toBeTruthy();
    const ssim = result.metric ? ` SSIM ${JSON.stringify(result.metric.perRendition)} worst ${JSON.stringify(result.metric.worstFrame)}` : "";
    const reference = result.metric?.reference ? ` reference ${JSON.stringify(result.metric.reference)}` : "";
    rows.push(`  ${fault.label.padEnd(36)} failed at ${result.stage}: ${[...new Set(result.failures.map((f) => f.check))].join(", ")}${ssim}${reference}  ${result.timeMs} ms`);
  }
  console.log(["spot checks of faulty renditions (ladder 480p+360p):", ...rows].join("\n"));
});

test("skips the excess of a flood at once, with the main thread responsive while checks run", async () => {
  test.setTimeout(120_000);
  const [source] = (await makeSources(media.dir, "testsrc2", 1, false)) as [Uint8Array];
  const renditions = await transcodeHonest(media.dir, source, DEFAULT_LADDER, false);
  const request = { source: serve(source), renditions: renditions.map((r) => ({ name: r.name, url: serve(r.bytes) })) };
  const flood = await page.evaluate(
    async ({ req, ladder }) => {
      const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const source = await bytes(req.source);
      const renditions = await Promise.all(req.renditions.map(async (r) => ({ name: r.name, bytes: await bytes(r.url) })));
      const checker = (globalThis as any).spotChecker;
      let maxLatenessMs = 0;
      let last = performance.now();
      const interval = setInterval(() => {
        const now = performance.now();
        maxLatenessMs = Math.max(maxLatenessMs, now - last - 20);
        last = now;
      }, 20);
      const submittedAt = performance.now();
      const answeredAfterMs: number[] = [];
      const promises = Array.from({ length: 10 }, (_, i) =>
        checker.check({ sequenceNumber: 2000 + i, source, ladder, renditions }).then((r: any) => {
          answeredAfterMs[i] = performance.now() - submittedAt;
          return r;
        }),
      );
      const callMs = performance.now() - submittedAt;
      const results = await Promise.all(promises);
      clearInterval(interval);
      return { results, answeredAfterMs, callMs, maxLatenessMs };
    },
    { req: request, ladder: DEFAULT_LADDER },
  );
  const results = flood.results as SpotCheckResult[];
  expect(results.slice(0, 2).map((r) => r.outcome)).toEqual(["passed", "passed"]);
  expect(results.slice(2).map((r) => [r.outcome, r.reason])).toEqual(Array(8).fill(["skipped", "checker behind"]));
  // The 10 calls returned at once, and each skip was answered before the first check could have finished.
  expect(flood.callMs).toBeLessThan(50);
  for (const ms of flood.answeredAfterMs.slice(2)) expect(ms).toBeLessThan(results[0]!.timeMs);
  expect(results[1]!.queuedMs).toBeGreaterThanOrEqual(results[0]!.timeMs - 50);
  // The page does no check work itself, it only posts messages: a check on the main thread would hold it for the
  // whole check. (Not a tighter bound: on a machine busy with other work, any thread is sometimes late.)
  expect(flood.maxLatenessMs).toBeLessThan(results[0]!.timeMs / 2);
  console.log(
    `flood of 10 checks: 2 run (${results[0]!.timeMs} ms, then ${results[1]!.timeMs} ms after waiting ${results[1]!.queuedMs} ms), ` +
      `8 skipped within ${Math.max(...flood.answeredAfterMs.slice(2)).toFixed(1)} ms; main thread at most ${flood.maxLatenessMs.toFixed(1)} ms late`,
  );
});

test("passes honest renditions of segments the tab's own segmenter cut (WebCodecs, fake camera, Opus)", async () => {
  test.setTimeout(120_000);
  const captured = await page.evaluate(
    async ({ capturePath, segmenterPath, segmentMs }) => {
      const { startCapture } = await import(/* @vite-ignore */ capturePath);
      const { startSegmenter } = await import(/* @vite-ignore */ segmenterPath);
      const stream: MediaStream = await startCapture({ width: 1280, height: 720, frameRate: 30 });
      const segments: { bytes: Uint8Array }[] = [];
      const segmenter = await startSegmenter(stream, { segmentDurationMs: segmentMs, onSegment: (s: { bytes: Uint8Array }) => segments.push(s) });
      await new Promise((r) => setTimeout(r, 3 * segmentMs + 500));
      await segmenter.stop();
      stream.getTracks().forEach((t) => t.stop());
      const toBase64 = (bytes: Uint8Array) => {
        let text = "";
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(text);
      };
      return segments.slice(0, 3).map((s) => toBase64(s.bytes));
    },
    { capturePath: CAPTURE_PATH, segmenterPath: SEGMENTER_PATH, segmentMs: SEGMENT_MS },
  );
  expect(captured.length).toBeGreaterThanOrEqual(3);
  const rows: string[] = [];
  for (const [i, base64] of captured.entries()) {
    const source = new Uint8Array(Buffer.from(base64, "base64"));
    const renditions = await transcodeHonest(media.dir, source, DEFAULT_LADDER, true);
    const result = await check({ label: "webcodecs", source, ladder: DEFAULT_LADDER, renditions }, 3000 + i);
    expect(result.failures).toEqual([]);
    expect(result.outcome).toBe("passed");
    rows.push(`  segment ${i}: passed at ${result.stage}, SSIM ${JSON.stringify(result.metric?.perRendition)}, ${result.timeMs} ms`);
  }
  console.log(["spot checks of the segmenter's own segments (fake camera, 480p+360p):", ...rows].join("\n"));
});

test("bench: spot-check time per 2 s segment, beside the segment's 2000 ms", async () => {
  test.setTimeout(300_000);
  const rows: string[] = [];
  for (const ladder of [LIGHT_LADDER, DEFAULT_LADDER, FULL_LADDER]) {
    const sources = await makeSources(media.dir, "testsrc2", 3, true);
    const times: number[] = [];
    for (const [i, source] of sources.entries()) {
      const renditions = await transcodeHonest(media.dir, source, ladder, true);
      const result = await check({ label: "bench", source, ladder, renditions }, 4000 + i);
      expect(result.outcome).toBe("passed");
      times.push(result.timeMs);
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    rows.push(
      `  ${ladder.map((r) => r.name).join("+").padEnd(15)} 60 frames 1280x720 → ${pad(Math.round(mean), 5)} ms per check ` +
        `(${times.join(", ")}) for a ${SEGMENT_MS} ms segment: ${(mean / SEGMENT_MS).toFixed(2)}× real time`,
    );
  }
  console.log(["bench: spot check (probe + SSIM stages) per 2 s segment, ffmpeg.wasm single-thread in Chromium:", ...rows].join("\n"));
});

test("the production build serves the core files itself, and the built worker checks a segment with them", async ({ browser }) => {
  test.setTimeout(120_000);
  const workers = "build/client/_app/immutable/workers";
  test.skip(!existsSync("build/index.js") || !existsSync(workers), "no production build: run `npm run build` first");
  const worker = readdirSync(workers).find((name) => /^spot-check\.worker-[^.]+\.js$/.test(name));
  expect(worker, "the build has the spot-check worker").toBeDefined();
  // adapter-node's server on a port of its own choosing (PORT=0), which it prints.
  const server = spawn(process.execPath, ["build/index.js"], { env: { ...process.env, HOST: "127.0.0.1", PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      server.stdout.on("data", (chunk: Buffer) => {
        const match = /Listening on (http:\/\/[^\s]+)/.exec(chunk.toString());
        if (match) resolve(match[1]!.replace(/\/$/, ""));
      });
      server.once("exit", (code) => reject(new Error(`build/index.js exited with ${code}`)));
    });
    const wasm = await fetch(`${origin}/ffmpeg/ffmpeg-core.wasm`, { headers: { "accept-encoding": "br" } });
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect(wasm.headers.get("content-encoding")).toBe("br");
    expect((await wasm.arrayBuffer()).byteLength).toBeGreaterThan(20_000_000);
    expect((await fetch(`${origin}/ffmpeg/ffmpeg-core.js`)).status).toBe(200);

    const [source] = (await makeSources(media.dir, "testsrc2", 1, true)) as [Uint8Array];
    const renditions = await transcodeHonest(media.dir, source, DEFAULT_LADDER, true);
    const prodPage = await browser.newPage();
    const offOrigin: string[] = [];
    prodPage.on("request", (r) => void (r.url().startsWith(origin) || offOrigin.push(r.url())));
    await prodPage.goto(origin);
    // The worker protocol by hand (src/lib/broadcaster/verify/worker-protocol.ts): the built page has no checker of its own yet.
    const out = await prodPage.evaluate(
      async ({ workerUrl, source, renditions, ladder }) => {
        const worker = new Worker(workerUrl, { type: "module" });
        const next = () => new Promise<any>((resolve) => worker.addEventListener("message", (e) => resolve(e.data), { once: true }));
        worker.postMessage({ type: "load", coreBaseURL: "/ffmpeg/" });
        const loaded = await next();
        const input = { sequenceNumber: 1, source: new Uint8Array(source), ladder, renditions: renditions.map((r) => ({ name: r.name, bytes: new Uint8Array(r.bytes) })) };
        worker.postMessage({ type: "check", id: 1, input, options: { ssimThreshold: 0.95, frameSsimThreshold: 0.9, referenceMargin: 0.05, durationToleranceMs: 50 }, execTimeoutMs: 30_000 });
        const checked = await next();
        worker.terminate();
        return { loaded, checked };
      },
      { workerUrl: `/_app/immutable/workers/${worker}`, source: [...source], renditions: renditions.map((r) => ({ name: r.name, bytes: [...r.bytes] })), ladder: DEFAULT_LADDER },
    );
    await prodPage.close();
    expect(out.loaded).toMatchObject({ type: "loaded", core: "single-thread", coreURL: `${origin}/ffmpeg/ffmpeg-core.js` });
    expect(out.checked).toMatchObject({ type: "checked", id: 1, outcome: { outcome: "passed", failures: [] } });
    expect(offOrigin).toEqual([]);
    console.log(`production build: core loaded in ${out.loaded.loadMs} ms from ${out.loaded.coreURL}; a 480p+360p check passed in ${out.checked.outcome.timeMs} ms`);
  } finally {
    server.kill();
  }
});
