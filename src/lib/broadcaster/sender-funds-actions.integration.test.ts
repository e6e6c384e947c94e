// A broadcaster's funds after the first funding, against a real Hardhat node deployed and seeded by the project's own
// scripts: top-ups from a wallet and by the sender itself, unlock with its countdown, cancel, withdraw once the unlock
// period is over, the named refusals on the way, and the sender's activity read back from chain events.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, numberToHex, parseEther, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNetwork } from "../../../scripts/lib/local-network.ts";
import { stopAll } from "../../../scripts/lib/processes.ts";
import { LOCAL_PARAMS } from "../../../scripts/lib/protocol-params.ts";
import { roundsManagerAbi } from "../chain/abis.generated.ts";
import { loadDeploymentsFile } from "../chain/deployments-file.ts";
import type { Deployments } from "../chain/deployments.ts";
import { ContractRefused, InsufficientFundsForTransaction, sendTransaction, type TransactionProgress } from "../chain/transactions.ts";
import { connectDevAccount, listDevAccounts } from "../chain/wallet.ts";
import { measureBlockTimeS } from "../staking/delegator.ts";
import { keyWalletClient, readSenderFunds, sendEthForGas, type FundingClient } from "./funds.ts";
import { NotTheSender, readRoundClock, readSenderActivity, runLifecycleStep, topUp, unlockCountdown } from "./sender-funds-actions.ts";

const PORT = 19110;

let rpcUrl: string;
let deployments: Deployments;
let publicClient: PublicClient;
let devAccounts: Address[];
/** A connected wallet: dev account #9, as the page's picker defaults to. */
let wallet: FundingClient;
/** The tab's broadcaster key: a fresh key with a little ETH of its own for gas. */
let key: FundingClient;

const funds = () => readSenderFunds(publicClient, deployments.contracts.TicketBroker, deployments.contracts.RoundsManager, key.account.address);

/** Mines past `blocks` blocks, then initializes the round the chain is in, as the (here absent) round keeper would. */
async function advanceBlocks(blocks: bigint) {
  await publicClient.request({ method: "hardhat_mine" as never, params: [numberToHex(blocks)] as never });
  const initialized = await publicClient.readContract({
    address: deployments.contracts.RoundsManager,
    abi: roundsManagerAbi,
    functionName: "currentRoundInitialized",
  });
  if (!initialized) {
    const keeper = await connectDevAccount(deployments, devAccounts[0]!);
    await sendTransaction(keeper, { label: "Initialize the round", address: deployments.contracts.RoundsManager, abi: roundsManagerAbi, functionName: "initializeRound" });
  }
}

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-sender-funds-")), "localhost.json");
  ({ rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }));
  deployments = await loadDeploymentsFile(deploymentsFile);
  publicClient = createPublicClient({ transport: http(rpcUrl), pollingInterval: 100 });
  devAccounts = await listDevAccounts(deployments);
  wallet = await connectDevAccount(deployments, devAccounts[9]!);
  key = keyWalletClient(privateKeyToAccount(generatePrivateKey()), deployments.chainId, rpcUrl);
  await sendEthForGas(wallet, key.account.address, parseEther("0.1"));
}, 180_000);

afterAll(async () => {
  await stopAll();
});

describe("the dev accounts for the picker", () => {
  it("lists the local node's unlocked accounts, the deployer #0 first", async () => {
    expect(devAccounts).toHaveLength(20);
    expect(devAccounts[0]).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });
});

describe("a broadcaster's funds, from top-up to withdrawal", () => {
  it("a wallet tops up the tab key's deposit and reserve, with progress from checking to mined", async () => {
    const stages: TransactionProgress["stage"][] = [];
    const receipt = await topUp(wallet, deployments, key.account.address, "deposit", parseEther("0.3"), (p) => stages.push(p.stage));
    expect(stages).toEqual(["checking", "signing", "sent", "mined"]);
    expect(receipt.status).toBe("success");
    await topUp(wallet, deployments, key.account.address, "reserve", parseEther("0.2"));
    expect(await funds()).toMatchObject({ depositWei: parseEther("0.3"), reserveWei: parseEther("0.2"), unlocking: false });
  });

  it("the sender tops up its own deposit", async () => {
    await topUp(key, deployments, key.account.address, "deposit", parseEther("0.01"));
    expect((await funds()).depositWei).toBe(parseEther("0.31"));
  });

  it("says plainly when the paying account cannot afford a top-up", async () => {
    const stages: TransactionProgress["stage"][] = [];
    const tooMuch = topUp(key, deployments, key.account.address, "deposit", parseEther("5"), (p) => stages.push(p.stage));
    await expect(tooMuch).rejects.toBeInstanceOf(InsufficientFundsForTransaction);
    await expect(tooMuch).rejects.toThrow(/Add ETH to the account/);
    // Named before the wallet is asked to sign anything.
    expect(stages).toEqual(["checking", "failed"]);
  });

  it("refuses a withdrawal before any unlock, named after the contract's error", async () => {
    const early = runLifecycleStep(key, deployments, key.account.address, "withdraw");
    await expect(early).rejects.toBeInstanceOf(ContractRefused);
    await expect(early).rejects.toMatchObject({ name: "NoUnlockInProgress", nextStep: "Unlock first; withdrawal opens after the unlock period." });
  });

  it("refuses to unlock the key's funds from another account", async () => {
    await expect(runLifecycleStep(wallet, deployments, key.account.address, "unlock")).rejects.toBeInstanceOf(NotTheSender);
  });

  it("unlock starts a countdown of unlockPeriodRounds rounds, in blocks and time", async () => {
    await runLifecycleStep(key, deployments, key.account.address, "unlock");
    const state = await funds();
    expect(state.unlocking).toBe(true);
    const clock = await readRoundClock(publicClient, deployments);
    const blockTimeS = await measureBlockTimeS(publicClient, 20n, 1);
    const countdown = unlockCountdown(state, clock, blockTimeS)!;
    expect(countdown.withdrawRound).toBe(clock.currentRound + LOCAL_PARAMS.unlockPeriodRounds);
    expect(countdown.roundsLeft).toBe(LOCAL_PARAMS.unlockPeriodRounds);
    // The rest of this round plus the whole rounds after it.
    const roundLength = LOCAL_PARAMS.roundLengthBlocks;
    expect(countdown.blocksLeft).toBe(clock.currentRoundStartBlock + LOCAL_PARAMS.unlockPeriodRounds * roundLength - clock.blockNumber);
    expect(countdown.blocksLeft).toBeGreaterThan((LOCAL_PARAMS.unlockPeriodRounds - 1n) * roundLength);
    expect(countdown.secondsLeft).toBe(Number(countdown.blocksLeft) * blockTimeS);
  });

  it("refuses a withdrawal during the unlock period, saying which round it opens", async () => {
    const { withdrawRound } = await funds();
    const early = runLifecycleStep(key, deployments, key.account.address, "withdraw");
    await expect(early).rejects.toMatchObject({ name: "UnlockPeriodNotOver" });
    await expect(early).rejects.toThrow(`withdrawal opens in round ${withdrawRound}`);
    await expect(runLifecycleStep(key, deployments, key.account.address, "unlock")).rejects.toMatchObject({ name: "UnlockAlreadyInProgress" });
  });

  it("cancels the unlock, and unlocks again", async () => {
    await runLifecycleStep(key, deployments, key.account.address, "cancelUnlock");
    expect(await funds()).toMatchObject({ unlocking: false, withdrawRound: 0n });
    await expect(runLifecycleStep(key, deployments, key.account.address, "cancelUnlock")).rejects.toMatchObject({ name: "NoUnlockInProgress" });
    await runLifecycleStep(key, deployments, key.account.address, "unlock");
    expect((await funds()).unlocking).toBe(true);
  });

  it("withdraws deposit and reserve once the unlock period is over", async () => {
    const countdown = unlockCountdown(await funds(), await readRoundClock(publicClient, deployments), 1)!;
    await advanceBlocks(countdown.blocksLeft);
    const after = unlockCountdown(await funds(), await readRoundClock(publicClient, deployments), 1)!;
    expect(after).toMatchObject({ roundsLeft: 0n, blocksLeft: 0n, secondsLeft: 0 });

    const before = await publicClient.getBalance({ address: key.account.address });
    const receipt = await runLifecycleStep(key, deployments, key.account.address, "withdraw");
    const gasWei = receipt.gasUsed * receipt.effectiveGasPrice;
    expect(await publicClient.getBalance({ address: key.account.address })).toBe(before + parseEther("0.51") - gasWei);
    expect(await funds()).toMatchObject({ depositWei: 0n, reserveWei: 0n, unlocking: false });
  });

  it("reads the sender's activity back from chain events, newest first", async () => {
    const activity = await readSenderActivity(publicClient, deployments, key.account.address);
    expect(activity.map((e) => e.kind)).toEqual([
      "withdrawal",
      "unlock",
      "unlockCancelled",
      "unlock",
      "depositFunded",
      "reserveFunded",
      "depositFunded",
    ]);
    expect(activity[0]).toMatchObject({ kind: "withdrawal", depositWei: parseEther("0.31"), reserveWei: parseEther("0.2") });
    expect(activity.at(-1)).toMatchObject({ kind: "depositFunded", amountWei: parseEther("0.3") });
    expect(activity.every((e) => e.txHash !== undefined && e.blockNumber > 0n)).toBe(true);
  });
});
