// Starts the whole system once before the browser end-to-end tests, and stops it (as Ctrl-C would) after them.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { startSystem } from "./system.ts";

/** Everything `npm start` printed, for when a test fails (the data dir is wiped at the start of each run). */
export const SYSTEM_LOG = ".streamflow-e2e/system.log";

export default async function globalSetup(): Promise<() => Promise<void>> {
  rmSync(".streamflow-e2e", { recursive: true, force: true });
  mkdirSync(".streamflow-e2e", { recursive: true });
  writeFileSync(SYSTEM_LOG, "");
  const child = await startSystem((line) => appendFileSync(SYSTEM_LOG, `${line}\n`));
  return async () => {
    const exited = new Promise((r) => child.once("exit", r));
    // As Ctrl-C: npm start stops its services (SIGTERM, then SIGKILL after 5 s) before it exits.
    child.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  };
}
