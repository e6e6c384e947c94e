// Opening the app for tests that import the broadcaster's storage modules into the page.
import type { Page } from "@playwright/test";

/** Where the page imports the key store and the history from (Vite's dev server serves src/ as is). */
export const KEY_STORE = "/src/lib/broadcaster/key-store.ts";
export const HISTORY = "/src/lib/broadcaster/history.ts";

/**
 * Opens the app and imports both modules until Vite's first-use re-optimization has settled: the first import of a
 * dependency it has not pre-bundled yet (idb, viem/accounts) makes it re-optimize and reload the page.
 */
export async function openApp(page: Page): Promise<void> {
  await page.goto("/");
  for (let attempt = 1; ; attempt++) {
    try {
      await page.evaluate(async (paths) => void (await Promise.all(paths.map((p) => import(/* @vite-ignore */ p)))), [KEY_STORE, HISTORY]);
      return;
    } catch (error) {
      if (attempt >= 5 || !/context was destroyed|navigat/i.test(String(error))) throw error;
      await page.waitForLoadState("load");
    }
  }
}
