// `npm start`: the whole system on its embedded default — a local chain on 127.0.0.1, the contracts deployed,
// the network seeded, rounds kept moving, three orchestrator nodes (one with a remote transcoder) and the web app —
// and everything stopped on Ctrl-C.
import { resolve } from "node:path";
import { startLocalNetwork } from "./lib/local-network.ts";
import { parseStartFault, startLocalOrchestrators } from "./lib/local-orchestrators.ts";
import { startLocalVerifier } from "./lib/local-verifier.ts";
import { stopAll } from "./lib/processes.ts";
import { buildWebApp, startWebApp } from "./lib/web-app.ts";

const port = Number(process.env.STREAMFLOW_CHAIN_PORT ?? 8545);
const webPort = Number(process.env.STREAMFLOW_WEB_PORT ?? 5173);
const deploymentsFile = resolve(process.env.STREAMFLOW_DEPLOYMENTS ?? "deployments/localhost.json");

/** Waits until the node we started (not another one left on the port) answers healthy. */
async function waitForHealth(o: { url: string; pid: number | undefined }, timeoutMs = 60_000): Promise<void> {
  // Orchestrators and the verifier alike report their pid on /healthz.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = await fetch(`${o.url}/healthz`).then((r) => (r.ok ? (r.json() as Promise<{ pid?: number }>) : undefined), () => undefined);
    if (health?.pid === o.pid) return;
    if (health) throw new Error(`another process (pid ${health.pid}) already serves ${o.url}: stop it, or the earlier npm start it belongs to`);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the service at ${o.url} did not become healthy in ${timeoutMs / 1000} s (see its log lines above)`);
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
  console.log(`Building the web app and starting the local chain on http://127.0.0.1:${port}…`);
  const webBuilt = buildWebApp(true);
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
  const dataDir = resolve(process.env.STREAMFLOW_DATA_DIR ?? ".streamflow");
  const fault = parseStartFault(process.env.STREAMFLOW_START_FAULT);
  const orchestrators = startLocalOrchestrators({ rpcUrl: network.rpcUrl, deploymentsFile: network.deploymentsFile, dataDir, verbose: true, fault });
  const verifier = startLocalVerifier({ rpcUrl: network.rpcUrl, deploymentsFile: network.deploymentsFile, dataDir, verbose: true });
  await Promise.all([...orchestrators, verifier].map((o) => waitForHealth(o)));
  await webBuilt;
  const webUrl = await startWebApp({ port: webPort, deploymentsFile: network.deploymentsFile, verifierUrls: [verifier.url], verbose: false });
  console.log(
    [
      "",
      "Streamflow is up.",
      `  chain        ${network.rpcUrl} (chain id 31337)`,
      `  deployments  ${network.deploymentsFile}`,
      ...orchestrators.map(
        (o) =>
          `  orchestrator ${o.url} (dev account #${o.accountIndex}${o.remoteTranscoder ? ", with a remote transcoder" : ""}` +
          `${fault?.accountIndex === o.accountIndex ? `, CHEATING: ${fault.kind}` : ""})`,
      ),
      `  verifier     ${verifier.url} (dev account #8, judges fault challenges)`,
      `  web app      ${webUrl}`,
      "",
      `Open ${webUrl}/broadcast to go live.`,
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
} catch (error) {
  console.error(`Streamflow could not start: ${(error as Error).message}`);
  await shutdown(1);
}
