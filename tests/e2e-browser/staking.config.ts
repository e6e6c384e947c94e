// Browser end-to-end run of staking: a delegator on the staking page against `npm start`, Debian's Chromium.
import { e2eConfig } from "./e2e-config.ts";

export default e2eConfig({ testMatch: "staking.spec.ts", timeoutMs: 420_000, outputDir: "../../test-results/e2e-staking", viewportHeight: 1400 });
