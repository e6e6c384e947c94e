// Browser end-to-end run of fault verification: `npm start` with one cheating orchestrator (global-setup.ts reads
// STREAMFLOW_E2E_SYSTEM), Debian's Chromium with a fake camera.
import { e2eConfig } from "./e2e-config.ts";

process.env.STREAMFLOW_E2E_SYSTEM = "cheater";

export default e2eConfig({ testMatch: "verification.spec.ts", timeoutMs: 300_000, outputDir: "../../test-results/e2e-verification", viewportHeight: 1300 });
