// The tab's spot check of one 2 s 720p segment (ffmpeg.wasm in a Worker, headless Chromium on loopback), beside the
// segment's own duration: a check that takes longer than the segment falls behind the stream. Target ≤ 2 s.
import { chromium } from "@playwright/test";
import { createServer } from "vite";
import { chromiumLaunchOptions } from "../../tests/browser/chromium.ts";
import { makeSources, mediaDir, transcodeHonest } from "../../src/lib/broadcaster/verify/test-media.ts";
import type { LadderRendition, SpotCheckResult } from "../../src/lib/broadcaster/verify/types.ts";
import { summarize, type Figure } from "../stats.ts";

const RUNS = 5;
const SEGMENT_MS = 2_000;
const PORT = 18790;
/** The app's default ladder (src/lib/broadcaster/ladder-presets.ts). */
const LADDER: LadderRendition[] = [
  { name: "480p", width: 854, height: 480, bitrateKbps: 1200 },
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
];

export async function spotCheck(): Promise<Figure[]> {
  const media = await mediaDir();
  const server = await createServer({ server: { host: "127.0.0.1", port: PORT, strictPort: true }, logLevel: "error" });
  await server.listen();
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    // One segment more than measured: the first check also warms the worker's caches.
    const sources = await makeSources(media.dir, "testsrc2", RUNS + 1, true);
    const cases = await Promise.all(sources.map(async (source) => ({ source, renditions: await transcodeHonest(media.dir, source, LADDER, true) })));
    const page = await browser.newPage();
    const served = new Map<string, Uint8Array>();
    await page.routeWebSocket(/^ws:\/\/[^/]+\/(\?token=.*)?$/, () => undefined); // no dev-server reloads mid-run
    await page.route("**/bench-media/*", (route) => {
      const bytes = served.get(new URL(route.request().url()).pathname.split("/").pop()!);
      return bytes ? route.fulfill({ body: Buffer.from(bytes), contentType: "video/mp4" }) : route.fulfill({ status: 404 });
    });
    await page.goto(`http://127.0.0.1:${PORT}/`);
    const loadMs = await page.evaluate(async (path) => {
      const { SpotChecker } = await import(/* @vite-ignore */ path);
      const checker = new SpotChecker();
      (globalThis as { benchChecker?: unknown }).benchChecker = checker;
      return (await checker.load()).loadMs as number;
    }, "/src/lib/broadcaster/verify/spot-checker.ts");
    const times: number[] = [];
    for (const [i, c] of cases.entries()) {
      served.set(`s${i}`, c.source);
      c.renditions.forEach((r) => served.set(`r${i}-${r.name}`, r.bytes));
      const result = (await page.evaluate(
        async ({ i, ladder, names }) => {
          const bytes = async (id: string) => new Uint8Array(await (await fetch(`/bench-media/${id}`)).arrayBuffer());
          const input = { sequenceNumber: i, source: await bytes(`s${i}`), ladder, renditions: await Promise.all(names.map(async (name) => ({ name, bytes: await bytes(`r${i}-${name}`) }))) };
          return (globalThis as { benchChecker?: { check(input: unknown): Promise<unknown> } }).benchChecker!.check(input);
        },
        { i, ladder: LADDER, names: c.renditions.map((r) => r.name) },
      )) as SpotCheckResult;
      if (result.outcome !== "passed") throw new Error(`the spot check of an honest segment came out ${result.outcome}: ${result.reason ?? ""}`);
      if (i > 0) times.push(result.timeMs);
    }
    const subject = summarize(times);
    return [
      {
        name: "spot check in the tab, 2 s 720p → 480p+360p (ffmpeg.wasm)",
        unit: "ms",
        subject,
        baselineName: "segment duration",
        baseline: { median: SEGMENT_MS, min: SEGMENT_MS, max: SEGMENT_MS },
        ratio: subject.median / SEGMENT_MS,
        target: { valueAtMost: SEGMENT_MS, describe: "≤ 2 s" },
        met: subject.median <= SEGMENT_MS,
        extra: { ffmpegWasmLoadMs: loadMs },
      },
    ];
  } finally {
    await browser.close();
    await server.close();
    await media.dispose();
  }
}
