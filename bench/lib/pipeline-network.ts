// The real parts behind the pipeline benchmarks: a seeded Hardhat chain with one orchestrator node started by its CLI
// (tests/e2e/e2e-network.ts), remote transcoders started by `orchestrator-node transcoder`, and their teardown.
import { resolve } from "node:path";
import { startService, stopAll } from "../../scripts/lib/processes.ts";
import type { H264Encoder } from "../../orchestrator-node/transcode/ffmpeg-args.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../../tests/e2e/e2e-network.ts";

/** A fixed secret for transcoders on this host only: they connect over 127.0.0.1. */
export const BENCH_TRANSCODER_SECRET = "streamflow-bench-transcoder-secret";

/** The node the benchmark measures is dev account #1 (seeded and active), listening on `nodePort`. */
export function startBenchNetwork(o: { chainPort: number; nodePort: number; nodeSettings: Record<string, unknown> }): Promise<E2eNetwork> {
  return startE2eNetwork({ ...o, devAccount: 1 });
}

/** The encoder the node chose at start (its streamflow_encoder_info metric), so a baseline can use the same one. */
export async function nodeEncoder(net: E2eNetwork): Promise<H264Encoder> {
  const match = /streamflow_encoder_info\{encoder="([a-z0-9_]+)"\} 1/.exec(await net.metrics());
  if (match?.[1] !== "libx264" && match?.[1] !== "h264_nvenc") throw new Error(`the node at ${net.nodeUrl} reports no encoder in /metrics`);
  return match[1];
}

/** Starts `orchestrator-node transcoder` against the node; stopBenchNetwork stops it. */
export function startRemoteTranscoder(net: E2eNetwork, o: { name: string; capacity: number }): void {
  startService(
    o.name,
    process.execPath,
    ["--no-warnings", resolve("orchestrator-node/cli.ts"), "transcoder", "--orchestrator", net.nodeUrl, "--capacity", String(o.capacity), "--name", o.name],
    { STREAMFLOW_TRANSCODER_SECRET: BENCH_TRANSCODER_SECRET },
    () => false,
  );
}

/** Waits until the node's pool holds `count` members (its /healthz counts them). */
export async function waitForTranscoders(net: E2eNetwork, count: number): Promise<void> {
  await waitFor(
    `${count} transcoders in the node's pool`,
    async () => {
      const health = (await (await fetch(`${net.nodeUrl}/healthz`)).json()) as { transcoders?: number };
      return health.transcoders === count ? true : undefined;
    },
    30_000,
    net.nodeLog,
  );
}

/** How long the node may take to shut down on SIGTERM before it is killed: a benchmark must not hang on teardown. */
const NODE_STOP_GRACE_MS = 10_000;

/**
 * Stops the node with SIGTERM, or SIGKILL when it has not exited within NODE_STOP_GRACE_MS (seen with remote
 * transcoders connected); resolves with whether it had to be killed.
 */
export async function stopBenchNode(net: E2eNetwork): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace over">((r) => (timer = setTimeout(() => r("grace over"), NODE_STOP_GRACE_MS)));
  const outcome = await Promise.race([net.stopNode(), graceOver]);
  clearTimeout(timer);
  if (outcome !== "grace over") return false;
  process.stderr.write(`the orchestrator node at ${net.nodeUrl} did not exit within ${NODE_STOP_GRACE_MS} ms of SIGTERM: killed\n`);
  await net.killNode();
  return true;
}

/** Stops the node, then the chain and every transcoder (started through scripts/lib/processes.ts). */
export async function stopBenchNetwork(net: E2eNetwork | undefined): Promise<void> {
  if (net) await stopBenchNode(net);
  await stopAll();
}
