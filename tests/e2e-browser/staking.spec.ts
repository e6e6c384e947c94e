// Issue acceptance, in real Chromium against `npm start`: a delegator bonds from the staking page, rounds advance
// (the test mines blocks), the orchestrator's node calls reward, fees arrive from a stream broadcast from another
// tab, and the page shows rewards and fees equal to what the contracts say; the delegator unbonds, waits the
// unbonding period, and withdraws stake and fees. A worse cut announced by the orchestrator shows as a warning
// before it takes effect.
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { createPublicClient, createWalletClient, erc20Abi, formatEther, http, parseAbiItem, parseEther, type Address } from "viem";
import { bondingManagerAbi, roundsManagerAbi } from "../../src/lib/chain/abis.generated.ts";
import type { Deployments } from "../../src/lib/chain/deployments.ts";
import { E2E_DEPLOYMENTS, ORCHESTRATOR_ENV, RPC_URL } from "./system.ts";

const chain = createPublicClient({ transport: http(RPC_URL), pollingInterval: 200 });
const contracts = () => (JSON.parse(readFileSync(E2E_DEPLOYMENTS, "utf8")) as Deployments).contracts;

/** Dev account #6: given LPT by the seed, in no other role. */
const DELEGATOR: Address = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
/** The seeded orchestrator on dev account #2 (scripts/lib/seed-network.ts). */
const ORCHESTRATOR: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const BOND = parseEther("1000");
const ROUND_LENGTH_BLOCKS = 20;

async function mineRounds(rounds: number): Promise<bigint> {
  const rm = { address: contracts().RoundsManager, abi: roundsManagerAbi } as const;
  const before = await chain.readContract({ ...rm, functionName: "currentRound" });
  await chain.request({ method: "hardhat_mine" as never, params: [`0x${(rounds * ROUND_LENGTH_BLOCKS).toString(16)}`] as never });
  const target = before + BigInt(rounds);
  // The round keeper initializes the new round on its own; every stake change waits for that.
  await expect.poll(async () => (await chain.readContract({ ...rm, functionName: "currentRoundInitialized" })) && (await chain.readContract({ ...rm, functionName: "currentRound" })) >= target, { timeout: 30_000 }).toBe(true);
  // The chain's own block a second may have moved it on further by now: the caller gets the round it asked for.
  return target;
}

/** A wei figure the page shows, from its data-wei attribute (the text is rounded for reading). */
async function weiShown(page: Page, testId: string): Promise<bigint> {
  return BigInt((await page.getByTestId(testId).getAttribute("data-wei"))!);
}

/** A screenshot for the README (UPDATE_SCREENSHOTS=1) or for the run's own record. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? `docs/screenshots/${name}.png` : `test-results/${name}.png`, fullPage: true });
}

async function confirm(page: Page) {
  await expect(page.getByTestId("tx-status")).toContainText("Confirmed", { timeout: 30_000 });
}

test("a delegator bonds, earns rewards and fees the contracts agree with, unbonds and withdraws", async ({ page, context }) => {
  page.on("console", (m) => m.type() === "error" && console.log(`[page] ${m.text()}`));
  const c = contracts();
  const bm = { address: c.BondingManager, abi: bondingManagerAbi } as const;
  const lptBefore = await chain.readContract({ address: c.LivepeerToken, abi: erc20Abi, functionName: "balanceOf", args: [DELEGATOR] });

  await page.goto("/stake");
  await test.step("connect a dev account", async () => {
    await page.getByLabel("Dev account").selectOption(DELEGATOR);
    await page.getByRole("button", { name: "Use dev account" }).click();
    await expect(page.getByTestId("wallet-address")).toContainText(DELEGATOR, { timeout: 15_000 });
  });

  await test.step("the orchestrator table lists the seeded orchestrators with their stakes", async () => {
    const row = page.getByTestId("orchestrator-table").locator(`tr[data-address="${ORCHESTRATOR}"]`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    const total = await chain.readContract({ ...bm, functionName: "transcoderTotalStake", args: [ORCHESTRATOR] });
    await expect(row.getByTestId("total-stake")).toHaveAttribute("data-wei", String(total));
  });

  await test.step("bond 1,000 LPT to the orchestrator", async () => {
    await page.getByLabel("Amount to bond (LPT)").fill(formatEther(BOND));
    await page.getByLabel("Bond to").selectOption(ORCHESTRATOR);
    await page.getByRole("button", { name: "Bond", exact: true }).click();
    await confirm(page);
    await expect.poll(() => weiShown(page, "stake"), { timeout: 15_000 }).toBe(BOND);
    const [bonded, , delegate] = await chain.readContract({ ...bm, functionName: "getDelegator", args: [DELEGATOR] });
    expect([bonded, delegate]).toEqual([BOND, ORCHESTRATOR]);
  });

  await test.step("a worse cut the orchestrator announces shows as a warning before it takes effect", async () => {
    const [rewardCut, feeShare] = await chain.readContract({ ...bm, functionName: "transcoderCuts", args: [ORCHESTRATOR] });
    // The orchestrator's dev account is unlocked on the local node: it announces a higher rewardCut, a lower feeShare.
    const operator = createWalletClient({ account: ORCHESTRATOR, transport: http(RPC_URL), chain: { id: 31337, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [RPC_URL] } } } });
    const hash = await operator.writeContract({ ...bm, functionName: "transcoder", args: [rewardCut + 100_000n, feeShare - 100_000n] });
    await chain.waitForTransactionReceipt({ hash });
    const [, , effectiveRound] = await chain.readContract({ ...bm, functionName: "pendingCuts", args: [ORCHESTRATOR] });
    const round = await chain.readContract({ address: c.RoundsManager, abi: roundsManagerAbi, functionName: "currentRound" });
    expect(effectiveRound).toBeGreaterThan(round);
    await page.getByRole("button", { name: "Refresh" }).click();
    const warning = page.getByTestId("account-warnings");
    await expect(warning).toContainText(/Worse terms announced/, { timeout: 15_000 });
    await expect(warning).toContainText(`round ${effectiveRound}`);
  });

  await test.step("a round passes and the orchestrator's node calls reward", async () => {
    const round = await mineRounds(1);
    const rewardEvent = parseAbiItem("event Reward(address indexed transcoder, uint256 amount, uint256 round)");
    await expect
      .poll(async () => (await chain.getLogs({ address: c.BondingManager, event: rewardEvent, args: { transcoder: ORCHESTRATOR }, fromBlock: 0n })).some((l) => l.args.round! >= round), { timeout: 60_000 })
      .toBe(true);
  });

  await test.step("a stream from another tab pays the orchestrator fees", async () => {
    const broadcaster = await context.newPage();
    broadcaster.on("console", (m) => m.type() === "error" && console.log(`[broadcaster] ${m.text()}`));
    await broadcaster.goto("/broadcast");
    await broadcaster.getByTestId("broadcaster-address").waitFor({ timeout: 30_000 });
    await broadcaster.getByRole("button", { name: /Fund 1 \+ 1 ETH from a dev account/ }).click();
    await expect(broadcaster.getByTestId("deposit")).toHaveText(/^1\.000000 ETH/, { timeout: 30_000 });
    await broadcaster.getByLabel("Price cap per segment (gwei)").fill(String(Number(BigInt(ORCHESTRATOR_ENV.STREAMFLOW_PRICE_PER_SEGMENT_WEI) / 10n ** 9n) * 2));
    await broadcaster.getByLabel("Preferred orchestrator").fill(ORCHESTRATOR);
    await broadcaster.getByRole("button", { name: "Go live" }).click();
    await expect.poll(async () => chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR] }), { timeout: 120_000, intervals: [1000] }).toBeGreaterThan(0n);
    await broadcaster.getByRole("button", { name: "Stop" }).click();
    await broadcaster.close();
  });

  await test.step("the page shows the rewards and fees the contracts hold", async () => {
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => weiShown(page, "pending-fees"), { timeout: 15_000 }).toBeGreaterThan(0n);
    // The page reads at one block and says which: the contracts at that block must agree to the wei.
    const block = BigInt((await page.getByTestId("account").getAttribute("data-block"))!);
    const [stake, fees] = await Promise.all([
      chain.readContract({ ...bm, functionName: "pendingStake", args: [DELEGATOR], blockNumber: block }),
      chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR], blockNumber: block }),
    ]);
    expect(await weiShown(page, "stake")).toBe(stake);
    expect(await weiShown(page, "pending-rewards")).toBe(stake - BOND);
    expect(stake).toBeGreaterThan(BOND);
    expect(await weiShown(page, "pending-fees")).toBe(fees);
    await shot(page, "staking");
  });

  await test.step("the orchestrator's page and the broadcaster's funds page show the same stream", async () => {
    const other = await context.newPage();
    await other.goto(`/orchestrators/${ORCHESTRATOR}`);
    const total = await chain.readContract({ ...bm, functionName: "transcoderTotalStake", args: [ORCHESTRATOR] });
    await expect(other.getByTestId("orchestrator-total-stake")).toHaveAttribute("data-wei", String(total), { timeout: 30_000 });
    await shot(other, "orchestrator");
    // The funds page reads the tab's own broadcaster key (same browser profile) and its redemptions on chain.
    await other.goto("/deposit");
    await expect(other.getByTestId("activity-ticketRedeemed").first()).toContainText(/Winning ticket redeemed/, { timeout: 30_000 });
    await shot(other, "funds");
    await other.close();
  });

  let rewards = 0n;
  await test.step("unbond everything and wait the unbonding period", async () => {
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("button", { name: "Unbond all" }).click();
    await page.getByRole("button", { name: "Unbond", exact: true }).click();
    await confirm(page);
    const locks = page.getByTestId("unbonding-locks");
    await expect(locks.locator("tr[data-lock]")).toHaveCount(1, { timeout: 15_000 });
    const amount = BigInt((await locks.locator("tr[data-lock]").first().getAttribute("data-wei"))!);
    rewards = amount - BOND;
    expect(rewards).toBeGreaterThan(0n);
    await expect(locks).toContainText(/in 2 rounds/);
    await mineRounds(2);
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(locks).toContainText(/withdrawable now/, { timeout: 15_000 });
  });

  await test.step("withdraw the stake and the fees", async () => {
    const fees = await chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR] });
    await page.getByTestId("unbonding-locks").getByRole("button", { name: "Withdraw" }).click();
    await confirm(page);
    await expect.poll(() => chain.readContract({ address: c.LivepeerToken, abi: erc20Abi, functionName: "balanceOf", args: [DELEGATOR] }), { timeout: 15_000 }).toBe(lptBefore + rewards);
    await page.getByRole("button", { name: "Withdraw fees" }).click();
    await confirm(page);
    const withdrawn = parseAbiItem("event WithdrawFees(address indexed delegator, address recipient, uint256 amount)");
    const logs = await chain.getLogs({ address: c.BondingManager, event: withdrawn, args: { delegator: DELEGATOR }, fromBlock: 0n });
    expect(logs.map((l) => l.args.amount)).toEqual([fees]);
    expect(await chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR] })).toBe(0n);
  });
});
