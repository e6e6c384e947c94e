// The benchmarks' chain: a Hardhat node on loopback with the protocol deployed by the project's own scripts, driven by
// raw JSON-RPC (batched) with mining under the bench's control, so that setting up 1,000 orchestrators takes seconds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFunctionData, numberToHex, type Abi, type Address, type Hex } from "viem";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { roundsManagerAbi } from "../../src/lib/chain/abis.generated.ts";
import type { Deployments } from "../../src/lib/chain/deployments.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";

/** Hardhat dev account #0: the deployer and genesis LPT holder (unlocked on the node). */
export const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/** Room for a whole setup phase (thousands of transactions) in one block, so that no round boundary falls inside it. */
const BLOCK_GAS_LIMIT = 10_000_000_000n;
/** Explicit gas per transaction: estimation against a pending block that later transactions depend on is unreliable. */
const TX_GAS = 1_000_000n;
/** JSON-RPC requests per HTTP POST. */
const BATCH_SIZE = 500;
/** Transactions per block in bulk setups: the node's pool slows down sharply (minutes) with thousands pending. */
const TXS_PER_BLOCK = 200;

export interface RpcCall {
  method: string;
  params: unknown[];
}

/** A JSON-RPC call the chain answered with an error (or a transaction that reverted). */
export class BenchChainError extends Error {
  override name = "BenchChainError";
  readonly data: { method: string; detail: string };

  constructor(data: { method: string; detail: string }) {
    super(`bench chain: ${data.method} failed: ${data.detail}. Next step: run the suite alone and read the chain's answer above.`);
    this.data = data;
  }
}

export interface TxRequest {
  from: Address;
  to: Address;
  data?: Hex;
  value?: bigint;
  /** Gas limit; TX_GAS when not given. */
  gas?: bigint;
}

export interface Receipt {
  transactionHash: Hex;
  status: Hex;
  gasUsed: Hex;
  blockNumber: Hex;
}

export interface BenchChain {
  rpcUrl: string;
  deployments: Deployments;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Sends every call, BATCH_SIZE per HTTP request; results in order. */
  rpcBatch<T = unknown>(calls: RpcCall[]): Promise<T[]>;
  /** Sends transactions (from unlocked or impersonated accounts) without mining them; returns their hashes. */
  send(txs: TxRequest[]): Promise<Hex[]>;
  /** Mines until every one of `hashes` has a receipt; throws if any reverted. */
  mineAll(hashes: Hex[]): Promise<Receipt[]>;
  /** Sends and mines `txs` in blocks of TXS_PER_BLOCK, each in an initialized round; throws if any reverted. */
  sendInBlocks(txs: TxRequest[]): Promise<void>;
  /** Sends one transaction and mines it in an initialized round; returns its receipt (throws if it reverted). */
  transact(tx: TxRequest): Promise<Receipt>;
  /** Makes `addresses` sendable: impersonated, each with `balanceWei` of ETH. */
  impersonate(addresses: Address[], balanceWei: bigint): Promise<void>;
  /** Mines past the next round's first block and initializes that round. */
  advanceRound(): Promise<void>;
  /** Makes sure the next block falls in an initialized round (stake changes and redemptions need one). */
  readyNextBlock(): Promise<void>;
  call(to: Address, data: Hex): Promise<Hex>;
  stop(): Promise<void>;
}

export const calldata = <const A extends Abi>(abi: A, functionName: string, args: readonly unknown[] = []) =>
  encodeFunctionData({ abi: abi as Abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);

/** Starts a Hardhat node on `port`, deploys with scripts/deploy.ts, and turns automatic and interval mining off. */
export async function startBenchChain(port: number): Promise<BenchChain> {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-bench-chain-"));
  const deploymentsFile = join(dir, "localhost.json");
  try {
    await startLocalNetwork({ port, deploymentsFile, seed: false, roundKeeper: false, verbose: false });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const deployments = await loadDeploymentsFile(deploymentsFile);
  const rpcUrl = `http://127.0.0.1:${port}`;
  let nextId = 1;

  async function post(calls: RpcCall[]): Promise<unknown[]> {
    const body = calls.map((c) => ({ jsonrpc: "2.0", id: nextId++, method: c.method, params: c.params }));
    const response = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answers = (await response.json()) as { id: number; result?: unknown; error?: { message: string; data?: unknown } }[];
    const byId = new Map(answers.map((a) => [a.id, a]));
    return body.map((b, i) => {
      const a = byId.get(b.id);
      if (!a || a.error) throw new BenchChainError({ method: calls[i]!.method, detail: a?.error?.message ?? "no answer" });
      return a.result;
    });
  }

  async function rpcBatch<T>(calls: RpcCall[]): Promise<T[]> {
    const results: unknown[] = [];
    for (let i = 0; i < calls.length; i += BATCH_SIZE) results.push(...(await post(calls.slice(i, i + BATCH_SIZE))));
    return results as T[];
  }
  const rpc = async <T>(method: string, params: unknown[] = []) => (await rpcBatch<T>([{ method, params }]))[0]!;

  const send = (txs: TxRequest[]) =>
    rpcBatch<Hex>(
      txs.map((tx) => ({
        method: "eth_sendTransaction",
        params: [{ from: tx.from, to: tx.to, data: tx.data ?? "0x", value: numberToHex(tx.value ?? 0n), gas: numberToHex(tx.gas ?? TX_GAS) }],
      })),
    );

  async function mineAll(hashes: Hex[]): Promise<Receipt[]> {
    for (let blocks = 0; ; blocks++) {
      await rpc("evm_mine");
      const receipts = await rpcBatch<Receipt | null>(hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
      if (receipts.every((r) => r !== null)) {
        const reverted = receipts.find((r) => r!.status !== "0x1");
        if (reverted) throw new BenchChainError({ method: "eth_sendTransaction", detail: `transaction ${reverted.transactionHash} reverted` });
        return receipts as Receipt[];
      }
      if (blocks > 100) throw new BenchChainError({ method: "evm_mine", detail: "transactions still pending after 100 blocks" });
    }
  }

  const call = (to: Address, data: Hex) => rpc<Hex>("eth_call", [{ to, data }, "latest"]);
  const rounds = deployments.contracts.RoundsManager;
  const readRound = async (functionName: string) => BigInt(await call(rounds, calldata(roundsManagerAbi, functionName)));

  const blockNumber = async () => BigInt(await rpc<Hex>("eth_blockNumber"));
  const mine = async (blocks: bigint) => void (blocks > 0n && (await rpc("hardhat_mine", [numberToHex(blocks)])));
  // Rounds start at multiples of the round length (the deploy never changes it), so a block's round is number / length.
  const roundLength = await readRound("roundLength");

  async function readyNextBlock(): Promise<void> {
    let next = (await blockNumber()) + 1n;
    if (next / roundLength === (await readRound("lastInitializedRound"))) return;
    // The initialization and the block after it must share a round.
    if ((next + 1n) % roundLength === 0n) {
      await mine(1n);
      next += 1n;
    }
    await mineAll(await send([{ from: DEPLOYER, to: rounds, data: calldata(roundsManagerAbi, "initializeRound") }]));
  }

  const chain: BenchChain = {
    rpcUrl,
    deployments,
    rpc,
    rpcBatch,
    send,
    mineAll,
    async sendInBlocks(txs) {
      for (let i = 0; i < txs.length; i += TXS_PER_BLOCK) {
        await readyNextBlock();
        await mineAll(await send(txs.slice(i, i + TXS_PER_BLOCK)));
      }
    },
    async transact(tx) {
      await readyNextBlock();
      return (await mineAll(await send([tx])))[0]!;
    },
    async impersonate(addresses, balanceWei) {
      await rpcBatch(
        addresses.flatMap((a) => [
          { method: "hardhat_impersonateAccount", params: [a] },
          { method: "hardhat_setBalance", params: [a, numberToHex(balanceWei)] },
        ]),
      );
    },
    async advanceRound() {
      const latest = await blockNumber();
      await mine((latest / roundLength + 1n) * roundLength - latest);
      await readyNextBlock();
    },
    readyNextBlock,
    call,
    async stop() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await stopAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // The chain runs in its own process group: on Ctrl-C (or a timeout's SIGTERM) stop it, then die of the signal.
  const onSignal = (signal: NodeJS.Signals) => void chain.stop().finally(() => process.kill(process.pid, signal));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  // The bench decides when blocks are mined: no block per second under the setup, no round passing mid-measurement.
  await rpc("evm_setIntervalMining", [0]);
  // The node logs (and decodes a trace of) every transaction it mines: with thousands per block that is most of the time.
  await rpc("hardhat_setLoggingEnabled", [false]);
  await rpc("evm_setAutomine", [false]);
  await rpc("evm_setBlockGasLimit", [numberToHex(BLOCK_GAS_LIMIT)]);
  return chain;
}
