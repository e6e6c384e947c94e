// Keeps protocol time moving on the local chain, where nobody else may: initializes each round as it starts,
// with the orchestrator node's own round logic. On a real network the orchestrator nodes do this job.
import { loadDeploymentsFile } from "../src/lib/chain/deployments-file.ts";
import { createChainClients } from "../orchestrator-node/chain/clients.ts";
import { ensureRoundInitialized } from "../orchestrator-node/chain/rounds.ts";
import { devAccountPrivateKey } from "../orchestrator-node/keys/node-key.ts";
import { deploymentsPath } from "./lib/deployments-file.ts";

const POLL_MS = 500;

const rpcUrl = process.env.RPC_URL ?? "http://127.0.0.1:8545";
const deployments = await loadDeploymentsFile(deploymentsPath("localhost"));
if (deployments.chainId !== 31337) throw new Error(`the round keeper is for the local chain only, not chain ${deployments.chainId}`);
// Hardhat's dev account #0: acceptable only because this refuses any chain but the local one (checked above).
const c = createChainClients({ rpcUrl, privateKey: devAccountPrivateKey(0), deployments, pollingIntervalMs: 200 });

console.log(`Round keeper watching ${deployments.contracts.RoundsManager}`);
for (;;) {
  try {
    if (await ensureRoundInitialized(c)) console.log(`round ${await c.contracts.rounds.read.currentRound()} initialized`);
  } catch (error) {
    console.error(`initializeRound failed: ${(error as Error).message.split("\n")[0]}`);
  }
  await new Promise((r) => setTimeout(r, POLL_MS));
}
