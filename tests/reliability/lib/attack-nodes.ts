// More orchestrator nodes on an e2e network's chain (the seeded orchestrators #2 and #3 beside the one startE2eNetwork
// runs), each started by its CLI with its own settings and data dir, restartable with other settings.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor, type E2eNetwork } from "../../e2e/e2e-network.ts";

export interface ExtraNode {
  url: string;
  log(): string;
  metrics(): Promise<string>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same data dir (its redemption queue and secret), with these settings. */
  restart(settings: Record<string, unknown>): Promise<void>;
}

export async function startExtraNode(
  net: Pick<E2eNetwork, "rpcUrl" | "deployments">,
  o: { port: number; devAccount: number; settings: Record<string, unknown> },
): Promise<ExtraNode> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-attack-node-"));
  const deploymentsFile = join(dir, "deployments.json");
  await writeFile(deploymentsFile, JSON.stringify(net.deployments, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  const url = `http://127.0.0.1:${o.port}`;
  let log = "";
  let node: ChildProcess | undefined;
  const start = async (settings: Record<string, unknown>) => {
    const configFile = join(dir, "node.json");
    await writeFile(configFile, JSON.stringify(settings));
    node = spawn(
      process.execPath,
      ["--no-warnings", "orchestrator-node/cli.ts", "--config", configFile, "--dev-account", String(o.devAccount), "--rpc-url", net.rpcUrl,
        "--deployments", deploymentsFile, "--port", String(o.port), "--data-dir", join(dir, "data"), "--log-level", "debug"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    node.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    node.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await waitFor(`node ${url}'s /healthz`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 60_000, () => log);
  };
  const stop = async () => {
    const n = node;
    if (!n || n.exitCode !== null || n.signalCode !== null) return;
    const exited = new Promise((r) => n.once("exit", r));
    n.kill("SIGTERM");
    await exited;
  };
  await start(o.settings);
  return {
    url,
    log: () => log,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop,
    async restart(settings) {
      await stop();
      await start(settings);
    },
  };
}
