// The browser-unit harness itself: a library module imports in the page from Vite's dev server.
import { expect, test } from "@playwright/test";

test("imports a protocol module into the page from the dev server", async ({ page }) => {
  await page.goto("/");
  const version = await page.evaluate(async (path) => (await import(/* @vite-ignore */ path)).PROTOCOL_VERSION, "/src/lib/protocol/messages.ts");
  expect(version).toBe(1);
});
