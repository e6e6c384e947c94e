// The operator panel's reads and edits against a real Hardhat node deployed and seeded by the project's own scripts:
// the seeded orchestrator's registration and earnings, edits from its own wallet landing on chain, a worse cut waiting
// out the notice period, and named refusals (another wallet, values the contracts reject).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, numberToHex, zeroAddress, type Address, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNetwork } from "../../../scripts/lib/local-network.ts";
import { stopAll } from "../../../scripts/lib/processes.ts";
import { LOCAL_PARAMS } from "../../../scripts/lib/protocol-params.ts";
import { SEED_ORCHESTRATORS } from "../../../scripts/lib/seed-network.ts";
import type { FundingClient } from "../broadcaster/funds.ts";
import { bondingManagerAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import { loadDeploymentsFile } from "../chain/deployments-file.ts";
import type { Deployments } from "../chain/deployments.ts";
import { ContractRefused, sendTransaction } from "../chain/transactions.ts";
import { connectDevAccount, listDevAccounts } from "../chain/wallet.ts";
import { describeCutChange, NotTheOrchestrator, readOperatorState, sendOperatorEdit } from "./operator.ts";

const PORT = 19120;
const SEEDED = SEED_ORCHESTRATORS[0]!;

let deployments: Deployments;
let publicClient: PublicClient;
let devAccounts: Address[];
let orchestrator: Address;
/** The orchestrator's own wallet (seeded orchestrator #1). */
let own: FundingClient;
/** Another dev account's wallet: not the orchestrator. */
let other: FundingClient;

const state = () => readOperatorState(publicClient, deployments, orchestrator);

/** Mines into the next round and initializes it, as the (here absent) round keeper would. */
async function nextRound() {
  const rm = { address: deployments.contracts.RoundsManager, abi: roundsManagerAbi } as const;
  const [start, length, block] = await Promise.all([
    publicClient.readContract({ ...rm, functionName: "currentRoundStartBlock" }),
    publicClient.readContract({ ...rm, functionName: "roundLength" }),
    publicClient.getBlockNumber(),
  ]);
  await publicClient.request({ method: "hardhat_mine" as never, params: [numberToHex(start + length - block)] as never });
  if (!(await publicClient.readContract({ ...rm, functionName: "currentRoundInitialized" }))) {
    await sendTransaction(other, { ...rm, label: "Initialize the round", functionName: "initializeRound" });
  }
}

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-operator-")), "localhost.json");
  const { rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false });
  deployments = await loadDeploymentsFile(deploymentsFile);
  publicClient = createPublicClient({ transport: http(rpcUrl), pollingInterval: 100 });
  devAccounts = await listDevAccounts(deployments);
  orchestrator = devAccounts[SEEDED.accountIndex]!;
  own = await connectDevAccount(deployments, orchestrator);
  other = await connectDevAccount(deployments, devAccounts[9]!);
}, 180_000);

afterAll(async () => {
  await stopAll();
});

describe("the operator panel's figures", () => {
  it("shows the seeded registration: URI, services, regions, cuts and stake", async () => {
    const s = await state();
    expect(s).toMatchObject({
      orchestrator,
      registered: true,
      serviceURI: SEEDED.serviceURI,
      regions: SEEDED.regions,
      rewardCutPpm: SEEDED.rewardCutPpm,
      feeSharePpm: SEEDED.feeSharePpm,
      pendingCuts: undefined,
      cutNoticePeriodRounds: LOCAL_PARAMS.cutNoticePeriodRounds,
    });
    expect(s.services).toEqual(SEEDED.services);
    expect(s.totalStakeWei).toBeGreaterThan(SEEDED.stake); // the seeded delegator bonds to it too
    expect(s.pendingStakeWei).toBe(SEEDED.stake);
  });

  it("shows its own stake grown by the reward once it calls reward()", async () => {
    await nextRound(); // bonded at the seed: active from the round after
    await sendTransaction(own, { address: deployments.contracts.BondingManager, abi: bondingManagerAbi, label: "Claim this round's reward", functionName: "reward" });
    const s = await state();
    expect(s.lastRewardRound).toBe(s.currentRound);
    // Its share of the reward (its cut plus its own stake's part) is in its stake at once: reward() claims for it.
    expect(s.pendingStakeWei).toBeGreaterThan(SEEDED.stake);
    expect(s.pendingRewardsWei).toBe(0n);
    expect(s.pendingFeesWei).toBe(0n); // no ticket redeemed on this chain
  });
});

describe("edits from the orchestrator's own wallet", () => {
  it("sets the service URI, regions and services on chain", async () => {
    await sendOperatorEdit(own, deployments, orchestrator, { kind: "serviceURI", serviceURI: "https://orch-1.example.com:8935" });
    await sendOperatorEdit(own, deployments, orchestrator, { kind: "regions", regions: ["ap-south", "eu-west"] });
    const services = [{ id: "H264 1080p->720p", verifier: zeroAddress }];
    await sendOperatorEdit(own, deployments, orchestrator, { kind: "services", services });
    expect(await state()).toMatchObject({ serviceURI: "https://orch-1.example.com:8935", regions: ["ap-south", "eu-west"], services });
  });

  it("a cut no worse for delegators takes effect at once", async () => {
    const next = { rewardCutPpm: 50_000n, feeSharePpm: 600_000n };
    expect(describeCutChange(await state(), next)).toBe("This change is no worse for your delegators: it takes effect at once.");
    expect(await sendOperatorEdit(own, deployments, orchestrator, { kind: "cuts", ...next })).toEqual({ kind: "applied" });
    expect(await state()).toMatchObject({ ...next, pendingCuts: undefined });
  });

  it("a worse cut is announced and takes effect only after the notice period", async () => {
    const before = await state();
    const worse = { rewardCutPpm: 200_000n, feeSharePpm: 600_000n };
    const effectiveRound = before.currentRound + LOCAL_PARAMS.cutNoticePeriodRounds;
    expect(describeCutChange(before, worse)).toContain(`takes effect only after the notice period of 2 round(s), in round ${effectiveRound}`);

    expect(await sendOperatorEdit(own, deployments, orchestrator, { kind: "cuts", ...worse })).toEqual({ kind: "announced", effectiveRound });
    const announced = await state();
    expect(announced).toMatchObject({ rewardCutPpm: 50_000n, pendingCuts: { ...worse, effectiveRound } });

    await nextRound();
    expect((await state()).rewardCutPpm).toBe(50_000n);
    await nextRound();
    expect(await state()).toMatchObject({ ...worse, pendingCuts: undefined });
  });
});

describe("edits that are refused, by name", () => {
  it("refuses an edit from a wallet that is not the orchestrator, before sending anything", async () => {
    const uri = (await state()).serviceURI;
    const edit = sendOperatorEdit(other, deployments, orchestrator, { kind: "serviceURI", serviceURI: "https://impostor.example.com" });
    await expect(edit).rejects.toBeInstanceOf(NotTheOrchestrator);
    await expect(edit).rejects.toThrow(/Connect the orchestrator's own wallet/);
    await expect(sendOperatorEdit(null, deployments, orchestrator, { kind: "regions", regions: [] })).rejects.toBeInstanceOf(NotTheOrchestrator);
    expect((await state()).serviceURI).toBe(uri);
  });

  it("names the contract's refusal of cuts from an address that is not registered", async () => {
    const stranger = other.account.address;
    const edit = sendOperatorEdit(other, deployments, stranger, { kind: "cuts", rewardCutPpm: 0n, feeSharePpm: 0n });
    await expect(edit).rejects.toBeInstanceOf(ContractRefused);
    await expect(edit).rejects.toMatchObject({ name: "NotRegisteredOrchestrator", args: [stranger] });
  });

  it("names a cut above 100% and a region listed twice", async () => {
    await expect(sendOperatorEdit(own, deployments, orchestrator, { kind: "cuts", rewardCutPpm: 1_000_001n, feeSharePpm: 0n })).rejects.toMatchObject({
      name: "InvalidPpm",
      nextStep: "Enter a percentage from 0 to 100.",
    });
    await expect(sendOperatorEdit(own, deployments, orchestrator, { kind: "regions", regions: ["eu-west", "eu-west"] })).rejects.toThrow(
      "Set the regions: region #2 repeats region #1. List each region once.",
    );
  });
});
