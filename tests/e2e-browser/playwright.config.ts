// Browser end-to-end run of going live: Debian's Chromium with a fake camera against the system `npm start` brings up.
import { e2eConfig } from "./e2e-config.ts";

export default e2eConfig({ testMatch: "broadcast.spec.ts", timeoutMs: 240_000, outputDir: "../../test-results/e2e-browser", viewportHeight: 1100 });
