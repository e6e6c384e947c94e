// What both browser end-to-end runs share: Debian's Chromium with a fake camera, one worker, and `npm start` brought
// up once per run by global-setup.ts.
import { defineConfig, type PlaywrightTestConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "../browser/chromium.ts";
import { WEB_URL } from "./system.ts";

export function e2eConfig(o: { testMatch: string; timeoutMs: number; outputDir: string; viewportHeight: number }): PlaywrightTestConfig {
  return defineConfig({
    testDir: ".",
    testMatch: o.testMatch,
    timeout: o.timeoutMs,
    workers: 1,
    reporter: [["list"]],
    globalSetup: "./global-setup.ts",
    outputDir: o.outputDir,
    use: { baseURL: WEB_URL, launchOptions: chromiumLaunchOptions, browserName: "chromium", viewport: { width: 1280, height: o.viewportHeight } },
  });
}
