// Reliability: the broadcaster's tab closed abruptly mid-stream (no beforeunload, writes to IndexedDB in flight) loses
// neither its key nor the history it had committed, and leaves no half-written record for the next tab.
import { expect, test, type Page } from "@playwright/test";
import { scaled } from "../reliability/bounds.ts";
import { HISTORY, KEY_STORE, openApp } from "./open-app.ts";

/** An orchestrator the "stream" records its segments against. */
const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** Segments whose record is awaited before the close: these must all be there afterwards. */
const COMMITTED = 5;
/** Closes tried, each with a different amount of in-flight writing before it. */
const CLOSES = scaled(8, 3);

type KeyStore = typeof import("../../src/lib/broadcaster/key-store.ts");
type History = typeof import("../../src/lib/broadcaster/history.ts");


function loadOrCreate(page: Page): Promise<{ address: string; created: boolean }> {
  return page.evaluate(async (path) => {
    const { address, created } = await ((await import(/* @vite-ignore */ path)) as KeyStore).loadOrCreateBroadcasterKey();
    return { address, created };
  }, KEY_STORE);
}

function historyOf(page: Page): Promise<{ segmentsOk: number; segmentsFailed: number; roundTripSamples: number } | undefined> {
  return page.evaluate(
    async ([path, address]) => {
      const records = await ((await import(/* @vite-ignore */ path!)) as History).loadHistory();
      const h = [...records.values()].find((r) => r.address.toLowerCase() === address!.toLowerCase());
      return h && { segmentsOk: h.segmentsOk, segmentsFailed: h.segmentsFailed, roundTripSamples: h.roundTripSamples };
    },
    [HISTORY, ORCHESTRATOR],
  );
}

test("a tab closed mid-stream, writes in flight, leaves the key and the committed history to the next tab", async ({ context }) => {
  const first = await context.newPage();
  await openApp(first);
  const key = await loadOrCreate(first);
  expect(key.created).toBe(true);
  await first.evaluate(
    async ([path, address, count]) => {
      const h = (await import(/* @vite-ignore */ path as string)) as History;
      for (let i = 0; i < (count as number); i++) await h.recordSegment(address as string, { ok: true, roundTripMs: 100 });
    },
    [HISTORY, ORCHESTRATOR, COMMITTED] as const,
  );

  let committed = COMMITTED;
  let started = COMMITTED;
  let page = first;
  for (let close = 0; close < CLOSES; close++) {
    // The "stream" goes on: a segment recorded every few ms, none awaited, and the tab closes under it.
    const inFlight = 20 + close * 15;
    await page.evaluate(
      async ([path, address, n]) => {
        const h = (await import(/* @vite-ignore */ path as string)) as History;
        for (let i = 0; i < (n as number); i++) {
          void h.recordSegment(address as string, { ok: true, roundTripMs: 100 });
          await new Promise((r) => setTimeout(r, 1));
        }
      },
      [HISTORY, ORCHESTRATOR, inFlight] as const,
    );
    started += inFlight;
    await page.close({ runBeforeUnload: false });

    // Same browser profile (context), new tab: what a broadcaster reopening the page gets.
    page = await context.newPage();
    await openApp(page);
    expect(await loadOrCreate(page), `after close ${close + 1}`).toEqual({ address: key.address, created: false });
    const h = await historyOf(page);
    expect(h, `after close ${close + 1}`).toBeDefined();
    // Every awaited write is there; the unawaited ones are there or not, but never half there.
    expect(h!.segmentsOk).toBeGreaterThanOrEqual(committed);
    expect(h!.segmentsOk).toBeLessThanOrEqual(started);
    expect(h!.segmentsFailed).toBe(0);
    expect(h!.roundTripSamples).toBe(h!.segmentsOk);
    committed = h!.segmentsOk;
    started = committed;
  }
});

test("a tab closed while its key is being created leaves one key or none, never an unreadable one", async ({ context }) => {
  const first = await context.newPage();
  await openApp(first);
  // Key creation started and the tab closed without waiting for it.
  await first.evaluate((path) => void import(/* @vite-ignore */ path).then((m: KeyStore) => m.loadOrCreateBroadcasterKey()), KEY_STORE);
  await first.close({ runBeforeUnload: false });

  const next = await context.newPage();
  await openApp(next);
  const key = await loadOrCreate(next);
  expect(key.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  expect(await loadOrCreate(next)).toEqual({ address: key.address, created: false });
});
