// The staking reader against a real Hardhat node, deployed and seeded by the project's own scripts: the seeded
// orchestrators with the contract's stakes, an announced worse cut until its round comes, reward calls made and
// missed over rounds mined on purpose, and the calculator's estimate against what a real reward() then pays.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createTestClient, createWalletClient, decodeEventLog, http, type Address, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNetwork } from "../../../scripts/lib/local-network.ts";
import { stopAll } from "../../../scripts/lib/processes.ts";
import { SEED_DELEGATOR, SEED_ORCHESTRATORS } from "../../../scripts/lib/seed-network.ts";
import { LPT, LOCAL_PARAMS } from "../../../scripts/lib/protocol-params.ts";
import { bondingManagerAbi, livepeerTokenAbi, minterAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import { loadDeploymentsFile } from "../chain/deployments-file.ts";
import type { Deployments } from "../chain/deployments.ts";
import { expectedEarningsPerRound, readCalculatorInputs } from "./calculator.ts";
import { readStakingEvents } from "./events.ts";
import { readOrchestratorHistory } from "./history.ts";
import { readOrchestratorRow, readOrchestratorTable } from "./orchestrators.ts";
import { delegatorWarnings } from "./warnings.ts";

const PORT = 19010;

let rpcUrl: string;
let deployments: Deployments;
let client: PublicClient;
let devAccounts: Address[];

const testClient = () => createTestClient({ mode: "hardhat", transport: http(rpcUrl) });
const wallet = () => createWalletClient({ transport: http(rpcUrl) });
const orchestrator = (i: number) => devAccounts[SEED_ORCHESTRATORS[i]!.accountIndex]!;
const bm = () => ({ address: deployments.contracts.BondingManager, abi: bondingManagerAbi }) as const;
const rm = () => ({ address: deployments.contracts.RoundsManager, abi: roundsManagerAbi }) as const;

/** Sends a transaction from an unlocked dev account and waits for it to succeed (automine: one block per call). */
async function send(from: Address, call: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }) {
  const hash = await wallet().writeContract({ ...call, account: from, chain: null } as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

/** The round a transaction sent now would land in (the next block's round). */
async function roundOfNextBlock(): Promise<{ round: bigint; firstBlockOfNext: bigint; latest: bigint }> {
  const [r0, b0, length, latest] = await Promise.all([
    client.readContract({ ...rm(), functionName: "lastRoundLengthUpdateRound" }),
    client.readContract({ ...rm(), functionName: "lastRoundLengthUpdateStartBlock" }),
    client.readContract({ ...rm(), functionName: "roundLength" }),
    client.getBlockNumber(),
  ]);
  const round = r0 + (latest + 1n - b0) / length;
  return { round, firstBlockOfNext: b0 + (round + 1n - r0) * length, latest };
}

/** Mines up to the next round so that the next transaction is its first block; initializes it unless told not to. */
async function nextRound({ initialize = true } = {}): Promise<bigint> {
  const { round, firstBlockOfNext, latest } = await roundOfNextBlock();
  const blocks = firstBlockOfNext - 1n - latest;
  if (blocks > 0n) await testClient().mine({ blocks: Number(blocks) });
  if (initialize) await send(devAccounts[0]!, { ...rm(), functionName: "initializeRound" });
  return round + 1n;
}

const currentRound = () => client.readContract({ ...rm(), functionName: "currentRound" });

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-staking-")), "localhost.json");
  ({ rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }));
  deployments = await loadDeploymentsFile(deploymentsFile);
  client = createPublicClient({ transport: http(rpcUrl), pollingInterval: 50, cacheTime: 0 });
  devAccounts = await wallet().getAddresses();
  // The local node also mines a block a second; the test mines rounds itself, so rounds pass only when it says.
  await testClient().setIntervalMining({ interval: 0 });
  // The seed bonds in some round; its orchestrators are active from the next one.
  await nextRound();
}, 240_000);

afterAll(async () => {
  await stopAll();
});

describe("readOrchestratorTable on the seeded chain", () => {
  it("lists the three seeded orchestrators with the contract's stakes, cuts, services and regions", async () => {
    const table = await readOrchestratorTable(client, deployments, { recentRounds: 5 });
    expect(table.rows.map((r) => r.address)).toEqual([0, 1, 2].map(orchestrator));
    expect(table.currentRound).toBe(await currentRound());
    for (const [i, row] of table.rows.entries()) {
      const seeded = SEED_ORCHESTRATORS[i]!;
      const [total, own] = await Promise.all([
        client.readContract({ ...bm(), functionName: "transcoderTotalStake", args: [row.address] }),
        client.readContract({ ...bm(), functionName: "pendingStake", args: [row.address] }),
      ]);
      expect(row.totalStake).toBe(total);
      expect(row.selfStake).toBe(own);
      expect(row.selfStake + row.delegatedStake).toBe(row.totalStake);
      expect([row.rewardCutPpm, row.feeSharePpm]).toEqual([seeded.rewardCutPpm, seeded.feeSharePpm]);
      expect(row.serviceURI).toBe(seeded.serviceURI);
      expect(row.services.map((s) => s.id)).toEqual(seeded.services.map((s) => s.id));
      expect(row.regions).toEqual(seeded.regions);
      expect(row).toMatchObject({ active: true, registered: true, pendingCut: null, slashes: { count: 0, penaltyTotal: 0n } });
    }
    // The seeded delegator's bond is the first orchestrator's delegated stake.
    expect(table.rows[SEED_DELEGATOR.orchestratorIndex]!.delegatedStake).toBe(SEED_DELEGATOR.stake);
    expect(table.rows[1]!.delegatedStake).toBe(0n);
  });

  it("reads the same events whatever the chunk size", async () => {
    const toBlock = await client.getBlockNumber();
    const whole = await readStakingEvents(client, deployments, { toBlock, chunkBlocks: 1_000_000n });
    const chunked = await readStakingEvents(client, deployments, { toBlock, chunkBlocks: 3n });
    expect(whole.bonding.length).toBeGreaterThan(5);
    expect(chunked.bonding.map((l) => `${l.transactionHash}:${l.logIndex}`)).toEqual(whole.bonding.map((l) => `${l.transactionHash}:${l.logIndex}`));
    expect(chunked.newRounds.map((l) => l.args.round)).toEqual(whole.newRounds.map((l) => l.args.round));
    expect(whole.fromBlock).toBe(BigInt(deployments.deployedAtBlock ?? 0));
  });
});

describe("an announced worse cut", () => {
  it("shows as pendingCut with its effective round and as a warning, and disappears once the round comes", async () => {
    const o = orchestrator(1);
    await send(o, { ...bm(), functionName: "transcoder", args: [300_000n, 300_000n] });
    const announcedIn = await currentRound();
    const effectiveRound = announcedIn + LOCAL_PARAMS.cutNoticePeriodRounds;

    let { row, currentRound: round } = await readOrchestratorRow(client, deployments, o);
    expect(row.pendingCut).toEqual({ rewardCutPpm: 300_000n, feeSharePpm: 300_000n, effectiveRound, worseForDelegators: true });
    expect([row.rewardCutPpm, row.feeSharePpm]).toEqual([SEED_ORCHESTRATORS[1]!.rewardCutPpm, SEED_ORCHESTRATORS[1]!.feeSharePpm]);
    let warning = delegatorWarnings(row, round).find((w) => w.kind === "worse-cut-announced");
    expect(warning).toMatchObject({ effectiveRound, roundsLeft: 2n });
    expect(warning?.text).toContain(`round ${effectiveRound}`);

    await nextRound();
    ({ row, currentRound: round } = await readOrchestratorRow(client, deployments, o));
    expect(row.pendingCut?.effectiveRound).toBe(effectiveRound);
    expect(delegatorWarnings(row, round).find((w) => w.kind === "worse-cut-announced")).toMatchObject({ roundsLeft: 1n });

    expect(await nextRound()).toBe(effectiveRound);
    ({ row, currentRound: round } = await readOrchestratorRow(client, deployments, o));
    expect(row.pendingCut).toBeNull();
    expect([row.rewardCutPpm, row.feeSharePpm]).toEqual([300_000n, 300_000n]);
    expect(delegatorWarnings(row, round).map((w) => w.kind)).not.toContain("worse-cut-announced");

    const history = await readOrchestratorHistory(client, deployments, o, round);
    expect(history.cutEvents).toContainEqual({ kind: "announced", round: announcedIn, blockNumber: expect.any(BigInt), rewardCutPpm: 300_000n, feeSharePpm: 300_000n, effectiveRound });
  });
});

describe("reward calls", () => {
  it("counts the calls made and missed in the rounds each orchestrator was due, not in a round nobody initialized", async () => {
    const [a, b, c] = [0, 1, 2].map(orchestrator) as [Address, Address, Address];
    const reward = (o: Address) => send(o, { ...bm(), functionName: "reward" });
    const first = await nextRound(); // a and b call
    await reward(a);
    await reward(b);
    await nextRound(); // only a
    await reward(a);
    await nextRound(); // only a
    await reward(a);
    const uninitialized = await nextRound({ initialize: false }); // nobody can call: not due
    const now = await nextRound();
    expect(now).toBe(first + 4n);
    await reward(a); // in the current round: neither made nor missed yet

    const table = await readOrchestratorTable(client, deployments, { recentRounds: 4 });
    const calls = (o: Address) => table.rows.find((r) => r.address === o)!.rewardCalls;
    expect(calls(a)).toEqual({ made: 3, missed: 0, due: 3, sinceRound: first, throughRound: uninitialized, calledThisRound: true });
    expect(calls(b)).toEqual({ made: 1, missed: 2, due: 3, sinceRound: first, throughRound: uninitialized, calledThisRound: false });
    expect(calls(c)).toEqual({ made: 0, missed: 3, due: 3, sinceRound: first, throughRound: uninitialized, calledThisRound: false });
    expect(table.rows.find((r) => r.address === a)!.lastRewardRound).toBe(now);

    const rowB = table.rows.find((r) => r.address === b)!;
    expect(delegatorWarnings(rowB, table.currentRound).find((w) => w.kind === "missed-reward-calls")).toMatchObject({ missed: 2, due: 3, sinceRound: first });
    expect(delegatorWarnings(table.rows.find((r) => r.address === a)!, table.currentRound).map((w) => w.kind)).not.toContain("missed-reward-calls");

    // The history rebuilt from events ends at the contract's stake and marks the same reward rounds.
    for (const o of [a, b, c]) {
      const history = await readOrchestratorHistory(client, deployments, o, table.currentRound);
      expect(history.rounds.at(-1)!.stakeWei).toBe(await client.readContract({ ...bm(), functionName: "transcoderTotalStake", args: [o] }));
      const rewarded = history.rounds.filter((r) => r.round >= first && r.rewardCalled).map((r) => r.round);
      expect(rewarded).toEqual(o === a ? [first, first + 1n, first + 2n, now] : o === b ? [first] : []);
    }
  });
});

describe("the calculator", () => {
  it("predicts what the orchestrator's next reward() mints and what a new delegator's bond earns from it", async () => {
    const o = orchestrator(1);
    const delegator = devAccounts[6]!;
    const amount = 1_000n * LPT;
    const inputs = await readCalculatorInputs(client, deployments, o, { feesWeiPerRound: 0n });
    const estimate = expectedEarningsPerRound(inputs, amount);
    expect(estimate.active).toBe(true);
    expect(estimate.yourLptWei).toBeGreaterThan(0n);

    await send(delegator, { address: deployments.contracts.LivepeerToken, abi: livepeerTokenAbi, functionName: "approve", args: [deployments.contracts.BondingManager, amount] });
    await send(delegator, { ...bm(), functionName: "bond", args: [amount, o] });
    expect(await nextRound()).toBe(estimate.round);
    expect(await client.readContract({ address: deployments.contracts.Minter, abi: minterAbi, functionName: "currentMintableTokens" })).toBe(estimate.mintableWei);

    const receipt = await send(o, { ...bm(), functionName: "reward" });
    const minted = receipt.logs
      .filter((l) => l.address.toLowerCase() === deployments.contracts.BondingManager.toLowerCase())
      .map((l) => decodeEventLog({ abi: bondingManagerAbi, data: l.data, topics: l.topics }))
      .find((e) => e.eventName === "Reward");
    expect(minted?.eventName === "Reward" && minted.args.amount).toBe(estimate.rewardWei);

    const earned = (await client.readContract({ ...bm(), functionName: "pendingStake", args: [delegator] })) - amount;
    // The contract divides through a 1e27-scaled factor: its rounding may differ from the estimate's by a wei or two.
    const diff = earned > estimate.yourLptWei ? earned - estimate.yourLptWei : estimate.yourLptWei - earned;
    expect(diff).toBeLessThanOrEqual(2n);
  });
});
