// The reliability and security suite (`npm run test:reliability`): faults, bad input and load against the real node,
// chain and media tools. `npm test` runs the same files bounded to fit CI's budget (see bounds.ts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/reliability/**/*.test.ts"],
    environment: "node",
    // Each file starts its own chain and nodes on its own ports; two at once would only fight over 2 cores.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
