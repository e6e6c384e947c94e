// Issue acceptance, in real Chromium against `npm start` with one cheating orchestrator and VerificationRate = 1:
// the fault is found in the browser, the segment is redone by another orchestrator with no gap in playback, the
// challenge is filed from the page, the verifier's verdict lands, the cheater's stake drops by the slash amount and
// the broadcaster's key receives the bounty — all read from the contracts.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { createPublicClient, erc20Abi, http, parseAbiItem, type Address } from "viem";
import { bondingManagerAbi, faultVerifierAbi } from "../../src/lib/chain/abis.generated.ts";
import { CHEATER, E2E_DEPLOYMENTS, RPC_URL } from "./system.ts";

const chain = createPublicClient({ transport: http(RPC_URL) });
const contracts = () => (JSON.parse(readFileSync(E2E_DEPLOYMENTS, "utf8")) as { contracts: Record<string, Address> }).contracts;

test("a cheating orchestrator is caught in the tab, replaced, challenged from the page and slashed on chain", async ({ page }) => {
  page.on("console", (m) => m.type() === "error" && console.log(`[page] ${m.text()}`));
  const c = contracts();
  await page.goto("/broadcast");
  const key = (await page.getByTestId("broadcaster-address").textContent({ timeout: 30_000 }))!.trim() as Address;
  await page.getByRole("button", { name: /Fund 1 \+ 1 ETH from a dev account/ }).click();
  await expect(page.getByTestId("key-eth")).toHaveText(/^0\.1/, { timeout: 30_000 });

  await test.step("go live with every segment checked and the cheater serving first", async () => {
    await page.getByLabel(/VerificationRate/).fill("1");
    await page.getByLabel("Preferred orchestrator").fill(CHEATER.address);
    await page.getByRole("button", { name: "Go live" }).click();
  });

  await test.step("the fault is found in the browser and the segment redone elsewhere, with no gap in playback", async () => {
    await expect(page.locator('[data-error-name="FaultDetected"]')).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId("evidence").locator("tr[data-evidence]")).not.toHaveCount(0);
    const status = page.getByTestId("playback-status");
    await expect.poll(async () => Number((await status.textContent())?.match(/Played (\d+)/)?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(8);
    // What the page says, for the log when an assertion below fails.
    console.log(`[verification] ${await page.getByTestId("totals").textContent()}\n[verification] ${await status.textContent()}`);
    for (const notice of await page.locator("[data-error-name]").allTextContents()) console.log(`[verification] ${notice}`);
    for (const row of await page.getByTestId("segment-stats").locator("tbody tr").allTextContents()) console.log(`[verification] row ${row}`);
    await expect(status).toContainText("none missing");
    await expect(page.getByTestId("totals")).toContainText(/ 0 failed,/);
    // After the cheater is dropped, the honest orchestrator's segments pass their checks.
    await expect.poll(async () => Number((await page.getByTestId("totals").textContent())?.match(/(\d+) passed/)?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  });

  const bonding = { address: c.BondingManager!, abi: bondingManagerAbi } as const;
  const verifier = { address: c.FaultVerifier!, abi: faultVerifierAbi } as const;
  await test.step("the challenge is filed from the page and the verifier's verdict slashes the cheater", async () => {
    await page.getByTestId("evidence").getByRole("button", { name: "Challenge on chain" }).first().click();
    await expect(page.getByTestId("challenge-status").first()).toHaveText("upheld", { timeout: 120_000 });
  });

  await test.step("the slash and the bounty, read from the contracts", async () => {
    const slashed = parseAbiItem("event TranscoderSlashed(address indexed transcoder, address finder, uint256 penalty, uint256 finderReward)");
    const [log] = await chain.getLogs({ address: bonding.address, event: slashed, args: { transcoder: CHEATER.address }, fromBlock: 0n });
    expect(log, "a TranscoderSlashed event for the cheater").toBeDefined();
    const { penalty, finderReward, finder } = log!.args;
    expect(finder!.toLowerCase()).toBe(key.toLowerCase());
    const [slashPpm, finderPpm] = await Promise.all([
      chain.readContract({ ...verifier, functionName: "slashAmountPpm" }),
      chain.readContract({ ...verifier, functionName: "finderFeePpm" }),
    ]);
    // The cheater's stake just before the slash (earning stake with its unclaimed rewards, and any pending bond).
    const before = log!.blockNumber - 1n;
    const [stake, [pendingBond]] = await Promise.all([
      chain.readContract({ ...bonding, functionName: "pendingStake", args: [CHEATER.address], blockNumber: before }),
      chain.readContract({ ...bonding, functionName: "getDelegatorPendingBond", args: [CHEATER.address], blockNumber: before }),
    ]);
    expect(penalty).toBe(((stake + pendingBond) * slashPpm) / 1_000_000n);
    expect(penalty).toBeGreaterThan(0n);
    expect(finderReward).toBe((penalty! * finderPpm) / 1_000_000n);
    const stakeAfter = await chain.readContract({ ...bonding, functionName: "pendingStake", args: [CHEATER.address], blockNumber: log!.blockNumber });
    const pendingAfter = (await chain.readContract({ ...bonding, functionName: "getDelegatorPendingBond", args: [CHEATER.address], blockNumber: log!.blockNumber }))[0];
    expect(stakeAfter + pendingAfter).toBe(stake + pendingBond - penalty!);
    const bounty = await chain.readContract({ address: c.LivepeerToken!, abi: erc20Abi, functionName: "balanceOf", args: [key] });
    expect(bounty).toBe(finderReward);
  });

  await page.screenshot({ path: process.env.UPDATE_SCREENSHOTS ? "docs/screenshots/fault-challenged.png" : "test-results/fault-challenged.png", fullPage: true });
});
