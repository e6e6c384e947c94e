// Setup shared by the end-to-end tests: a seeded local chain, an orchestrator node started by its CLI on it, the
// seeded orchestrators active, and broadcaster keys funded the way a wallet funds them.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, numberToHex, parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { bondingManagerAbi, roundsManagerAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import type { Deployments } from "../../src/lib/chain/deployments.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import { chainFor } from "../../orchestrator-node/chain/clients.ts";

const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // dev account #0

export interface E2eNetwork {
  rpcUrl: string;
  deployments: Deployments;
  nodeUrl: string;
  nodeLog(): string;
  chain: ReturnType<typeof createPublicClient>;
  /** Mines `blocks` blocks at once. */
  mine(blocks: bigint): Promise<void>;
  /** A fresh broadcaster key, funded with `deposit` and `reserve` by dev account #0 (fundDepositAndReserveFor). */
  fundedBroadcaster(deposit?: bigint, reserve?: bigint): Promise<LocalAccount>;
  pendingFees(who: Address): Promise<bigint>;
  metrics(): Promise<string>;
  stopNode(): Promise<void>;
  /** kill -9 of the node: no shutdown of any kind. */
  killNode(): Promise<void>;
  /** Starts the node again on the same data dir (its queue and secret), with other settings if given. */
  restartNode(nodeSettings?: Record<string, unknown>): Promise<void>;
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, log = () => ""): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- node log ---\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startE2eNetwork(o: { chainPort: number; nodePort: number; devAccount: number; nodeSettings: Record<string, unknown> }): Promise<E2eNetwork> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-e2e-"));
  const deploymentsFile = join(dir, "localhost.json");
  const { rpcUrl } = await startLocalNetwork({ port: o.chainPort, deploymentsFile, seed: true, roundKeeper: false, verbose: false });
  const deployments = await loadDeploymentsFile(deploymentsFile);
  const configFile = join(dir, "node.json");
  let log = "";
  let node: ChildProcess;
  const nodeUrl = `http://127.0.0.1:${o.nodePort}`;
  const startNode = async (settings: Record<string, unknown>) => {
    await writeFile(configFile, JSON.stringify(settings));
    node = spawn(
      process.execPath,
      ["--no-warnings", "orchestrator-node/cli.ts", "--config", configFile, "--dev-account", String(o.devAccount), "--rpc-url", rpcUrl,
        "--deployments", deploymentsFile, "--port", String(o.nodePort), "--data-dir", join(dir, "data"), "--log-level", "debug"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    node.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    node.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    await waitFor("the node's /healthz", async () => ((await fetch(`${nodeUrl}/healthz`)).ok ? true : undefined), 60_000, () => log);
  };
  const exited = () => new Promise((r) => (node.exitCode !== null || node.signalCode !== null ? r(undefined) : node.once("exit", r)));
  await startNode(o.nodeSettings);

  const chain = createPublicClient({ transport: http(rpcUrl) });
  const mine = async (blocks: bigint) => {
    await chain.request({ method: "hardhat_mine" as never, params: [numberToHex(blocks)] as never });
  };
  // The seeded orchestrators are active from the round after the seed: move there (the node initializes it).
  const rounds = { address: deployments.contracts.RoundsManager, abi: roundsManagerAbi } as const;
  const start = await chain.readContract({ ...rounds, functionName: "currentRoundStartBlock" });
  const length = await chain.readContract({ ...rounds, functionName: "roundLength" });
  // The chain also mines a block a second: on a busy machine it may already be past the round's start.
  const behind = start + length - (await chain.getBlockNumber({ cacheTime: 0 }));
  if (behind > 0n) await mine(behind);
  await waitFor("3 active orchestrators", async () => {
    const initialized = await chain.readContract({ ...rounds, functionName: "currentRoundInitialized" });
    const pool = await chain.readContract({ address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "getTranscoderPoolSize" });
    return initialized && pool === 3n ? true : undefined;
  }, 30_000, () => log);

  const funder = createWalletClient({ account: privateKeyToAccount(DEPLOYER_KEY), transport: http(rpcUrl), chain: chainFor(deployments.chainId, rpcUrl) });
  return {
    rpcUrl,
    deployments,
    nodeUrl,
    nodeLog: () => log,
    chain,
    mine,
    async fundedBroadcaster(deposit = parseEther("1"), reserve = parseEther("1")) {
      const account = privateKeyToAccount(generatePrivateKey());
      const hash = await funder.writeContract({
        address: deployments.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: "fundDepositAndReserveFor",
        args: [account.address, deposit, reserve], value: deposit + reserve,
      });
      await chain.waitForTransactionReceipt({ hash });
      return account;
    },
    pendingFees: (who) =>
      chain.readContract({ address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "pendingFees", args: [who] }),
    metrics: async () => (await fetch(`${nodeUrl}/metrics`)).text(),
    async stopNode() {
      node.kill("SIGTERM");
      await exited();
    },
    async killNode() {
      node.kill("SIGKILL");
      await exited();
    },
    restartNode: (settings = o.nodeSettings) => startNode(settings),
  };
}
