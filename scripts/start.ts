// `npm start`: the whole system on its embedded default — a local chain on 127.0.0.1, the contracts deployed,
// the network seeded, rounds kept moving — and everything stopped on Ctrl-C. Later parts (orchestrators, web app)
// join here.
import { resolve } from "node:path";
import { startLocalNetwork } from "./lib/local-network.ts";
import { stopAll } from "./lib/processes.ts";

const port = Number(process.env.STREAMFLOW_CHAIN_PORT ?? 8545);
const deploymentsFile = resolve(process.env.STREAMFLOW_DEPLOYMENTS ?? "deployments/localhost.json");

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
  console.log(`Starting the local chain on http://127.0.0.1:${port}…`);
  const network = await startLocalNetwork({
    port,
    deploymentsFile,
    seed: true,
    roundKeeper: true,
    verbose: true,
    onChainExit: (code) => {
      if (!stopping) {
        console.error(`The chain exited unexpectedly (code ${code}).`);
        void shutdown(1);
      }
    },
  });
  console.log(
    [
      "",
      "Streamflow is up.",
      `  chain        ${network.rpcUrl} (chain id 31337)`,
      `  deployments  ${network.deploymentsFile}`,
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
} catch (error) {
  console.error(`Streamflow could not start: ${(error as Error).message}`);
  await shutdown(1);
}
