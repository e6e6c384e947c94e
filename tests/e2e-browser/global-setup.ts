// Starts the whole system once before a browser end-to-end run, and stops it (as Ctrl-C would) after it. Which
// system: STREAMFLOW_E2E_SYSTEM=cheater runs one orchestrator with --fault (verification.config.ts sets it).
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { CHEATER_ENV, E2E_DATA_DIR, ORCHESTRATOR_ENV, startSystem } from "./system.ts";

/** Everything `npm start` printed, for when a test fails (the data dir is wiped at the start of each run). */
export const SYSTEM_LOG = `${E2E_DATA_DIR}/system.log`;

export default async function globalSetup(): Promise<() => Promise<void>> {
  rmSync(E2E_DATA_DIR, { recursive: true, force: true });
  mkdirSync(E2E_DATA_DIR, { recursive: true });
  writeFileSync(SYSTEM_LOG, "");
  const env = process.env.STREAMFLOW_E2E_SYSTEM === "cheater" ? CHEATER_ENV : ORCHESTRATOR_ENV;
  const child = await startSystem((line) => appendFileSync(SYSTEM_LOG, `${line}\n`), env);
  return async () => {
    const exited = new Promise((r) => child.once("exit", r));
    // As Ctrl-C: npm start stops its services (SIGTERM, then SIGKILL after 5 s) before it exits.
    child.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  };
}
