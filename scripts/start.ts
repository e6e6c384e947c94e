// `npm start`: the whole system on its embedded default — a local chain on 127.0.0.1, the contracts deployed,
// the network seeded — and everything stopped on Ctrl-C. Later parts (orchestrators, web app) join here.
import { resolve } from "node:path";
import { probeChainId, waitForChain } from "./lib/rpc.ts";
import { runStep, startService, stopAll } from "./lib/processes.ts";

const port = Number(process.env.STREAMFLOW_CHAIN_PORT ?? 8545);
const rpcUrl = `http://127.0.0.1:${port}`;
const deploymentsFile = resolve(process.env.STREAMFLOW_DEPLOYMENTS ?? "deployments/localhost.json");
const hardhat = resolve("node_modules/.bin/hardhat");
const env = { RPC_URL: rpcUrl, STREAMFLOW_DEPLOYMENTS: deploymentsFile };

/** The chain logs every RPC call and empty block; show only its start line, its dev accounts and its errors. */
function isChainLineWorthShowing(line: string): boolean {
  return /Started|Account #[0-3]:|Error|error/.test(line) && !/eth_|Mined/.test(line);
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("Stopping Streamflow…");
    await stopAll();
    console.log("Stopped.");
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  if ((await probeChainId(rpcUrl)) !== undefined) {
    throw new Error(
      `something already answers at ${rpcUrl}: stop it (another npm start or npm run chain?) or set STREAMFLOW_CHAIN_PORT`,
    );
  }
  // Compile once, here: the scripts below run with --no-compile, since concurrent compiles race on Hardhat's cache.
  await runStep("compile", hardhat, ["compile", "--quiet"]);
  console.log(`Starting the local chain on ${rpcUrl}…`);
  const chain = startService("chain", hardhat, [
    "node", "--network", "localnode", "--hostname", "127.0.0.1", "--port", String(port),
  ], {}, isChainLineWorthShowing);
  chain.on("exit", (code) => {
    if (!stopping) {
      console.error(`The chain exited unexpectedly (code ${code}).`);
      void shutdown(1);
    }
  });
  await waitForChain(rpcUrl, 60_000);
  await runStep("deploy", hardhat, ["run", "--no-compile", "scripts/deploy.ts", "--network", "localhost"], env);
  startService("rounds", hardhat, ["run", "--no-compile", "scripts/round-keeper.ts", "--network", "localhost"], env);
  await runStep("seed", hardhat, ["run", "--no-compile", "scripts/seed.ts", "--network", "localhost"], env);
  console.log(
    [
      "",
      "Streamflow is up.",
      `  chain        ${rpcUrl} (chain id 31337)`,
      `  deployments  ${deploymentsFile}`,
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
} catch (error) {
  console.error(`Streamflow could not start: ${(error as Error).message}`);
  await shutdown(1);
}
