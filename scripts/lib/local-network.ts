// Brings up the embedded local network: a Hardhat node on 127.0.0.1, the contracts deployed, optionally the seed
// and the round keeper. Used by `npm start` and by tests that need a real chain behind an RPC URL.
import { resolve } from "node:path";
import { probeChainId, waitForChain } from "./rpc.ts";
import { runStep, startService } from "./processes.ts";

export interface LocalNetworkOptions {
  port: number;
  deploymentsFile: string;
  seed: boolean;
  roundKeeper: boolean;
  /** Show child output (npm start) or keep quiet (tests). */
  verbose: boolean;
  /** Called if the chain dies while the network is up. */
  onChainExit?: (code: number | null) => void;
}

export interface LocalNetwork {
  rpcUrl: string;
  deploymentsFile: string;
}

const hardhat = resolve("node_modules/.bin/hardhat");

/** The chain logs every RPC call and empty block; show only its start line, its first dev accounts and its errors. */
function isChainLineWorthShowing(line: string): boolean {
  return /Started|Account #[0-3]:|Error|error/.test(line) && !/eth_|Mined/.test(line);
}

/** Starts everything; the caller stops it with stopAll() from processes.ts. */
export async function startLocalNetwork(o: LocalNetworkOptions): Promise<LocalNetwork> {
  const rpcUrl = `http://127.0.0.1:${o.port}`;
  const env = { RPC_URL: rpcUrl, STREAMFLOW_DEPLOYMENTS: o.deploymentsFile };
  const show = o.verbose ? undefined : () => false;
  if ((await probeChainId(rpcUrl)) !== undefined) {
    throw new Error(`something already answers at ${rpcUrl}: stop it (another npm start or npm run chain?) or choose another port`);
  }
  // Compile once, here: the scripts below run with --no-compile, since concurrent compiles race on Hardhat's cache.
  await runStep("compile", hardhat, ["compile", "--quiet"], {}, show);
  const chainArgs = ["node", "--network", "localnode", "--hostname", "127.0.0.1", "--port", String(o.port)];
  const chain = startService("chain", hardhat, chainArgs, {}, o.verbose ? isChainLineWorthShowing : () => false);
  chain.on("exit", (code) => o.onChainExit?.(code));
  await waitForChain(rpcUrl, 60_000);
  const run = (script: string) => ["run", "--no-compile", script, "--network", "localhost"];
  await runStep("deploy", hardhat, run("scripts/deploy.ts"), env, show);
  if (o.roundKeeper) startService("rounds", process.execPath, ["--no-warnings", "scripts/round-keeper.ts"], env, show);
  if (o.seed) await runStep("seed", hardhat, run("scripts/seed.ts"), env, show);
  return { rpcUrl, deploymentsFile: o.deploymentsFile };
}
