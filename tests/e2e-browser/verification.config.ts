// Browser end-to-end run of fault verification: `npm start` with one cheating orchestrator (global-setup.ts reads
// STREAMFLOW_E2E_SYSTEM), Debian's Chromium with a fake camera.
import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "../browser/chromium.ts";
import { WEB_URL } from "./system.ts";

process.env.STREAMFLOW_E2E_SYSTEM = "cheater";

export default defineConfig({
  testDir: ".",
  testMatch: "verification.spec.ts",
  timeout: 300_000,
  workers: 1,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  outputDir: "../../test-results/e2e-verification",
  use: { baseURL: WEB_URL, launchOptions: chromiumLaunchOptions, browserName: "chromium", viewport: { width: 1280, height: 1300 } },
});
