// Browser end-to-end tests: Debian's Chromium with a fake camera against the system `npm start` brings up.
import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "../browser/chromium.ts";
import { WEB_URL } from "./system.ts";

export default defineConfig({
  testDir: ".",
  testMatch: "broadcast.spec.ts",
  timeout: 240_000,
  workers: 1,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  outputDir: "../../test-results/e2e-browser",
  use: { baseURL: WEB_URL, launchOptions: chromiumLaunchOptions, browserName: "chromium", viewport: { width: 1280, height: 1100 } },
});
