// Browser unit tests: library modules of src/lib run in real Chromium, imported from Vite's dev server
// (`await import("/src/lib/…")` inside the page), for what only a browser has: WebCodecs, MSE, IndexedDB, WebRTC.
import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./chromium.ts";

/** STREAMFLOW_BROWSER_UNITS_PORT moves it, so two runs can share a machine. */
export const BROWSER_UNITS_PORT = Number(process.env.STREAMFLOW_BROWSER_UNITS_PORT ?? 18700);

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  timeout: 60_000,
  workers: 1,
  reporter: [["list"]],
  use: { baseURL: `http://127.0.0.1:${BROWSER_UNITS_PORT}`, launchOptions: chromiumLaunchOptions, browserName: "chromium" },
  webServer: {
    command: `npx vite dev --host 127.0.0.1 --port ${BROWSER_UNITS_PORT} --strictPort`,
    cwd: "../..",
    url: `http://127.0.0.1:${BROWSER_UNITS_PORT}/`,
    reuseExistingServer: false,
    timeout: 120_000,
  },
});
