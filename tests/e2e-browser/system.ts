// The system under test for the browser end-to-end tests: `npm start` itself (chain, contracts, seed, three
// orchestrators — one with a remote transcoder — and the web app), started once for the run and stopped after it.
import { spawn, type ChildProcess } from "node:child_process";

export const E2E_CHAIN_PORT = 18760;
export const E2E_WEB_PORT = 18761;
export const WEB_URL = `http://127.0.0.1:${E2E_WEB_PORT}`;
export const RPC_URL = `http://127.0.0.1:${E2E_CHAIN_PORT}`;
/** The seeded orchestrators' service URIs (scripts/lib/seed-network.ts). */
export const ORCHESTRATOR_URIS = ["http://127.0.0.1:8935", "http://127.0.0.1:8936", "http://127.0.0.1:8937"];
/**
 * Orchestrator settings for the run: a price well above what redeeming costs (overhead allowed up to 100% of the face
 * value) makes the face value the price itself and every ticket a winner — the "high winProb" the acceptance asks for.
 */
export const ORCHESTRATOR_ENV = {
  STREAMFLOW_PRICE_PER_SEGMENT_WEI: String(10n ** 15n),
  STREAMFLOW_MAX_REDEEM_OVERHEAD_PPM: "1000000",
  STREAMFLOW_REDEEM_INTERVAL_MS: "1000",
};

/** Where each run keeps the system's data and log (wiped at its start) and the deployments file it writes. */
export const E2E_DATA_DIR = ".streamflow-e2e";
export const E2E_DEPLOYMENTS = "deployments/e2e-browser.json";

/** `npm start` with the run's ports and files, and `env` on top (orchestrator settings, a cheater). */
/** The cheating orchestrator of the verification run: dev account #1 sends black frames (the seed's largest stake). */
export const CHEATER = { accountIndex: 1, address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", kind: "black-frames" } as const;
export const CHEATER_ENV = { STREAMFLOW_START_FAULT: `${CHEATER.accountIndex}:${CHEATER.kind}` };

export function startSystem(log: (line: string) => void, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["scripts/start.ts"], {
    env: {
      ...process.env,
      ...env,
      STREAMFLOW_CHAIN_PORT: String(E2E_CHAIN_PORT),
      STREAMFLOW_WEB_PORT: String(E2E_WEB_PORT),
      STREAMFLOW_DEPLOYMENTS: E2E_DEPLOYMENTS,
      STREAMFLOW_DATA_DIR: E2E_DATA_DIR,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`npm start was not up within 240 s:\n${output.slice(-4000)}`)), 240_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split("\n")) if (line) log(line);
      if (output.includes("Streamflow is up.")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}
