// Vite configuration for the SvelteKit app and for the vitest unit tests of src/ and orchestrator-node/.
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [sveltekit()],
  test: {
    include: ["src/**/*.test.ts", "orchestrator-node/**/*.test.ts", "tests/e2e/**/*.test.ts"],
    environment: "node",
  },
});
