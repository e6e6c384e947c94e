// A staking write sent while the round has just begun and nobody has initialized it (no round keeper here): it is
// refused by the BondingManager on its own, and lands through sendStakingTransactions, which initializes the round
// first. Real Hardhat node, deployed and seeded by the project's scripts.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, numberToHex, type Address, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNetwork } from "../../../scripts/lib/local-network.ts";
import { stopAll } from "../../../scripts/lib/processes.ts";
import { SEED_DELEGATOR, SEED_ORCHESTRATORS } from "../../../scripts/lib/seed-network.ts";
import type { FundingClient } from "../broadcaster/funds.ts";
import { bondingManagerAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import { loadDeploymentsFile } from "../chain/deployments-file.ts";
import type { Deployments } from "../chain/deployments.ts";
import { ContractRefused, sendTransaction, type TransactionProgress } from "../chain/transactions.ts";
import { connectDevAccount, listDevAccounts } from "../chain/wallet.ts";
import { sendStakingTransactions } from "./round-ready.ts";

const PORT = 19130;

let deployments: Deployments;
let publicClient: PublicClient;
let delegator: FundingClient;
let orchestrator: Address;

const rm = () => ({ address: deployments.contracts.RoundsManager, abi: roundsManagerAbi }) as const;
const bm = () => ({ address: deployments.contracts.BondingManager, abi: bondingManagerAbi }) as const;

/** Mines to the first block of the next round, and leaves it uninitialized. */
async function newUninitializedRound() {
  const [start, length, block] = await Promise.all([
    publicClient.readContract({ ...rm(), functionName: "currentRoundStartBlock" }),
    publicClient.readContract({ ...rm(), functionName: "roundLength" }),
    publicClient.getBlockNumber(),
  ]);
  await publicClient.request({ method: "hardhat_mine" as never, params: [numberToHex(start + length - block)] as never });
  expect(await publicClient.readContract({ ...rm(), functionName: "currentRoundInitialized" })).toBe(false);
}

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-round-ready-")), "localhost.json");
  const { rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false });
  deployments = await loadDeploymentsFile(deploymentsFile);
  publicClient = createPublicClient({ transport: http(rpcUrl), pollingInterval: 100 });
  const devAccounts = await listDevAccounts(deployments);
  delegator = await connectDevAccount(deployments, devAccounts[SEED_DELEGATOR.accountIndex]!);
  orchestrator = devAccounts[SEED_ORCHESTRATORS[1]!.accountIndex]!;
}, 180_000);

afterAll(async () => {
  await stopAll();
});

describe("staking writes at a round boundary", () => {
  it("initializes a round the keeper has not, then sends the write the BondingManager refused", async () => {
    // The seeded delegator moves part of its stake: a bond, refused while the round is not initialized.
    const bond = { ...bm(), label: "Move 1 LPT", functionName: "bond", args: [0n, orchestrator] } as const;
    await newUninitializedRound();
    const refused = await sendTransaction(delegator, bond).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContractRefused);
    expect((refused as ContractRefused).errorName).toBe("CurrentRoundNotInitialized");

    const stages: string[] = [];
    await sendStakingTransactions(delegator, publicClient, deployments.contracts.RoundsManager, [bond], (p: TransactionProgress) => stages.push(`${p.stage} ${p.label}`));
    expect(await publicClient.readContract({ ...rm(), functionName: "currentRoundInitialized" })).toBe(true);
    expect(stages).toContain(`mined Initialize round ${await publicClient.readContract({ ...rm(), functionName: "currentRound" })} (the round keeper has not yet)`);
    expect(stages.at(-1)).toMatch(/^mined Move 1 LPT$/);
    const [, , delegate] = await publicClient.readContract({ ...bm(), functionName: "getDelegator", args: [delegator.account.address] });
    expect(delegate).toBe(orchestrator);
  }, 60_000);
});
