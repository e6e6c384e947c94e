// Extra orchestrator nodes and remote transcoders for the reliability suite, each a real child process started by the
// node's CLI on a chain that startE2eNetwork brought up, so that a test can kill -9 it and start it again.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployments } from "../../../src/lib/chain/deployments.ts";
import { waitFor } from "../../e2e/e2e-network.ts";

export interface ChildHandle {
  log(): string;
  /** kill -9: no shutdown of any kind. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
  readonly pid: number | undefined;
}

export interface NodeProcess extends ChildHandle {
  url: string;
  dataDir: string;
  /** Starts it again on the same data dir (its queue and secret), with other settings if given. */
  restart(settings?: Record<string, unknown>): Promise<void>;
}

function handle(child: ChildProcess, log: () => string): ChildHandle {
  const exited = () => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
  return {
    log,
    pid: child.pid,
    async kill() {
      child.kill("SIGKILL");
      await exited();
    },
    async stop() {
      child.kill("SIGTERM");
      await exited();
    },
  };
}

/** Writes `deployments` where a node's --deployments flag can read it. */
export async function deploymentsFileFor(deployments: Deployments): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), "streamflow-rel-")), "localhost.json");
  await writeFile(file, JSON.stringify(deployments));
  return file;
}

/** An orchestrator node (a seeded dev account) on `rpcUrl`, which may be a proxy in front of the chain. */
export async function startNodeProcess(o: {
  rpcUrl: string;
  deploymentsFile: string;
  devAccount: number;
  port: number;
  settings: Record<string, unknown>;
}): Promise<NodeProcess> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-rel-node-"));
  const dataDir = join(dir, "data");
  const configFile = join(dir, "node.json");
  const url = `http://127.0.0.1:${o.port}`;
  let log = "";
  let current: ChildHandle;
  const start = async (settings: Record<string, unknown>) => {
    await writeFile(configFile, JSON.stringify(settings));
    const child = spawn(
      process.execPath,
      ["--no-warnings", "orchestrator-node/cli.ts", "--config", configFile, "--dev-account", String(o.devAccount), "--rpc-url", o.rpcUrl,
        "--deployments", o.deploymentsFile, "--port", String(o.port), "--data-dir", dataDir, "--log-level", "debug"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    current = handle(child, () => log);
    await waitFor(`the node at ${url}`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 60_000, () => log);
  };
  await start(o.settings);
  return {
    url,
    dataDir,
    log: () => log,
    get pid() {
      return current.pid;
    },
    kill: () => current.kill(),
    stop: () => current.stop(),
    restart: (settings = o.settings) => start(settings),
  };
}

/** A remote transcoder (`orchestrator-node transcoder`) joined to the node at `orchestratorUrl`. */
export function startTranscoderProcess(o: { orchestratorUrl: string; secret: string; capacity: number; name: string }): ChildHandle {
  let log = "";
  const child = spawn(
    process.execPath,
    ["--no-warnings", "orchestrator-node/cli.ts", "transcoder", "--orchestrator", o.orchestratorUrl, "--capacity", String(o.capacity),
      "--encoder", "libx264", "--name", o.name],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, STREAMFLOW_TRANSCODER_SECRET: o.secret } },
  );
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  return handle(child, () => log);
}
