// Spec of earnings in the BondingManager: reward() minting and its rewardCut split, ETH fees from redeemed tickets and
// their feeShare split, claimEarnings, withdrawFees and the pendingStake/pendingFees views, with a worked example
// whose numbers are exact.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther, zeroAddress } from "viem";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { enterUninitializedRound, redeemFees, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

const PPB = 1_000_000_000n;
/** Inflation fixed at 0.1% of supply per round (no adjustment), so a round mints exactly 10,000 LPT of the genesis
 *  10,000,000 LPT and the worked example's numbers are round ones. */
const FIXED_INFLATION_PPB = 1_000_000n;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  await p.minter.write.setInflationParams([FIXED_INFLATION_PPB, 0n, p.params.targetBondingRatePpb]);
  const [orchestrator, orchestrator2, delegator1, delegator2, outsider] = await testWallets(viem, 5);
  // The worked example: an orchestrator with 1,000 LPT of its own, rewardCut 10%, feeShare 50%, and two delegators
  // with 3,000 and 6,000 LPT: 10,000 LPT in all, the only active stake.
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT, rewardCutPpm: 100_000n, feeSharePpm: 500_000n });
  await bondFrom(p, delegator1, 3_000n * LPT, orchestrator.account.address);
  await bondFrom(p, delegator2, 6_000n * LPT, orchestrator.account.address);
  await advanceRounds(p, 1);
  return { p, bm: p.bondingManager, orchestrator, orchestrator2, delegator1, delegator2, outsider };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("BondingManager: earnings", () => {
  describe("worked example: an orchestrator (rewardCut 10%, feeShare 50%) and two delegators", () => {
    it("splits a 10,000 LPT reward into exactly 2,900 / 5,700 / 11,400 LPT of stake", async () => {
      const { p, bm, orchestrator, delegator1, delegator2 } = await setup();
      const [o, d1, d2] = [orchestrator.account.address, delegator1.account.address, delegator2.account.address];
      const round = await p.rounds.read.currentRound();
      assert.equal(await p.minter.read.currentMintableTokens(), 10_000n * LPT);

      await viem.assertions.emitWithArgs(
        bm.write.reward({ account: orchestrator.account }),
        bm,
        "Reward",
        [o, 10_000n * LPT, round],
      );
      // 10% cut = 1,000 LPT to the orchestrator; 9,000 LPT multiply all 10,000 LPT of stake by 1.9.
      assert.equal(await bm.read.pendingStake([o]), 2_900n * LPT, "1,000 × 1.9 + 1,000 cut");
      assert.equal(await bm.read.pendingStake([d1]), 5_700n * LPT, "3,000 × 1.9");
      assert.equal(await bm.read.pendingStake([d2]), 11_400n * LPT, "6,000 × 1.9");
      assert.equal(await bm.read.transcoderTotalStake([o]), 20_000n * LPT);
      assert.equal(await bm.read.getTotalBonded(), 20_000n * LPT);
      assert.equal(await p.token.read.balanceOf([bm.address]), 20_000n * LPT, "every staked LPT is held");
      assert.equal(await p.minter.read.currentMintedTokens(), 10_000n * LPT);
    });

    it("then splits a 1 ETH fee into exactly 0.5725 / 0.1425 / 0.285 ETH", async () => {
      const { p, bm, orchestrator, delegator1, delegator2 } = await setup();
      const [o, d1, d2] = [orchestrator.account.address, delegator1.account.address, delegator2.account.address];
      await bm.write.reward({ account: orchestrator.account });
      const round = await p.rounds.read.currentRound();

      await viem.assertions.emitWithArgs(redeemFees(p, o, parseEther("1")), bm, "TranscoderFees", [
        o,
        parseEther("1"),
        parseEther("0.5"),
        round,
      ]);
      // 50% commission = 0.5 ETH to the orchestrator; 0.5 ETH over 20,000 LPT of stake.
      assert.equal(await bm.read.pendingFees([o]), parseEther("0.5725"), "0.5 + 0.5 × 2,900/20,000");
      assert.equal(await bm.read.pendingFees([d1]), parseEther("0.1425"), "0.5 × 5,700/20,000");
      assert.equal(await bm.read.pendingFees([d2]), parseEther("0.285"), "0.5 × 11,400/20,000");
      assert.equal(await viem.getPublicClient().then((c) => c.getBalance({ address: p.minter.address })), parseEther("1"));
    });

    it("pays each party exactly its share when it claims and withdraws", async () => {
      const { p, bm, orchestrator, delegator1, delegator2 } = await setup();
      const [o, d1, d2] = [orchestrator.account.address, delegator1.account.address, delegator2.account.address];
      await bm.write.reward({ account: orchestrator.account });
      await redeemFees(p, o, parseEther("1"));

      await viem.assertions.emitWithArgs(
        bm.write.claimEarnings({ account: delegator1.account }),
        bm,
        "EarningsClaimed",
        [o, d1, 2_700n * LPT, parseEther("0.1425")],
      );
      const [bonded, fees] = await bm.read.getDelegator([d1]);
      assert.deepEqual([bonded, fees], [5_700n * LPT, parseEther("0.1425")]);

      for (const [wallet, amount] of [
        [orchestrator, parseEther("0.5725")],
        [delegator1, parseEther("0.1425")],
        [delegator2, parseEther("0.285")],
      ] as const) {
        await viem.assertions.balancesHaveChanged(
          bm.write.withdrawFees([wallet.account.address, amount], { account: wallet.account }),
          [
            { address: wallet.account.address, amount },
            { address: p.minter.address, amount: -amount },
          ],
        );
      }
      const minterBalance = await viem.getPublicClient().then((c) => c.getBalance({ address: p.minter.address }));
      assert.equal(minterBalance, 0n, "the three shares add up to the whole fee");
      assert.equal(await bm.read.pendingFees([d2]), 0n);
    });
  });

  describe("reward", () => {
    it("mints each active orchestrator its stake's share of the round's mintable LPT", async () => {
      const { p, bm, orchestrator, orchestrator2 } = await setup();
      await registerOrchestrator(p, orchestrator2, { stake: 30_000n * LPT });
      await advanceRounds(p, 1);
      const mintable = await p.minter.read.currentMintableTokens();
      assert.equal(await bm.read.currentRoundTotalActiveStake(), 40_000n * LPT);
      const round = await p.rounds.read.currentRound();

      await viem.assertions.emitWithArgs(bm.write.reward({ account: orchestrator.account }), bm, "Reward", [
        orchestrator.account.address,
        (mintable * 10_000n) / 40_000n,
        round,
      ]);
      await viem.assertions.emitWithArgs(bm.write.reward({ account: orchestrator2.account }), bm, "Reward", [
        orchestrator2.account.address,
        (mintable * 30_000n) / 40_000n,
        round,
      ]);
      assert.equal(await p.minter.read.currentMintedTokens(), mintable, "the round's whole mintable is minted");
    });

    it("computes the reward from the stake at the start of the round, not from stake bonded since", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      const o = orchestrator.account.address;
      await bondFrom(p, delegator1, 10_000n * LPT, o);
      assert.equal(await bm.read.transcoderStakeAtRoundStart([o]), 10_000n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o]), 20_000n * LPT);
      await viem.assertions.emitWithArgs(bm.write.reward({ account: orchestrator.account }), bm, "Reward", [
        o,
        10_000n * LPT,
        await p.rounds.read.currentRound(),
      ]);
    });

    it("compounds: a second round's reward multiplies the first one's", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      const d1 = delegator1.account.address;
      await bm.write.reward({ account: orchestrator.account }); // ×1.9 with 10,000 LPT minted
      await advanceRounds(p, 1);
      const mintable = await p.minter.read.currentMintableTokens();
      assert.equal(mintable, 10_010n * LPT, "0.1% of the supply after the first reward");
      await bm.write.reward({ account: orchestrator.account });
      // 90% of 10,010 LPT over 20,000 LPT of stake: ×1.45045.
      assert.equal(await bm.read.pendingStake([d1]), (5_700n * LPT * (20_000n * LPT + 9_009n * LPT)) / (20_000n * LPT));
      assert.equal(await bm.read.pendingStake([d1]), 8_267_565n * 10n ** 15n);
    });

    it("gives a delegator that bonds after the round's reward nothing of it", async () => {
      const { p, bm, orchestrator, outsider } = await setup();
      await bm.write.reward({ account: orchestrator.account });
      await bondFrom(p, outsider, 1_000n * LPT, orchestrator.account.address);
      assert.equal(await bm.read.pendingStake([outsider.account.address]), 1_000n * LPT);
    });

    it(
      "does not let stake that moves in during a round take a share of that round's reward (stake hopping)",
      async () => {
        const { p, bm, orchestrator, orchestrator2, delegator1 } = await setup();
        const [o2, d1] = [orchestrator2.account.address, delegator1.account.address];
        await registerOrchestrator(p, orchestrator2, { stake: 10_000n * LPT, rewardCutPpm: 0n });
        await advanceRounds(p, 1);
        // delegator1 collects its own orchestrator's reward for the round, then hops to orchestrator2 before
        // orchestrator2 calls reward: its stake is pending there until the next round, so it gets no second reward.
        await bm.write.reward({ account: orchestrator.account });
        const afterOwnReward = await bm.read.pendingStake([d1]);
        await bm.write.bond([0n, o2], { account: delegator1.account });
        await bm.write.reward({ account: orchestrator2.account });
        assert.equal(await bm.read.pendingStake([d1]), afterOwnReward, "one round, one reward");
      },
    );

    it("keeps everything for the orchestrator with rewardCut 100%, and only its stake's share with 0%", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator1, outsider } = await setup();
      await bm.write.transcoder([1_000_000n, 500_000n], { account: orchestrator.account }); // announced (worse)
      await registerOrchestrator(p, orchestrator2, { stake: 5_000n * LPT, rewardCutPpm: 0n });
      await bondFrom(p, outsider, 5_000n * LPT, orchestrator2.account.address);
      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds));
      assert.equal(await p.minter.read.currentMintableTokens(), 10_000n * LPT);
      const d1Before = await bm.read.pendingStake([delegator1.account.address]);

      // Each orchestrator holds half of the 20,000 LPT active: 5,000 LPT of reward each.
      await bm.write.reward({ account: orchestrator.account });
      await bm.write.reward({ account: orchestrator2.account });
      assert.equal(await bm.read.pendingStake([delegator1.account.address]), d1Before, "100% cut: nothing to delegators");
      assert.equal(await bm.read.pendingStake([orchestrator.account.address]), 6_000n * LPT);
      assert.equal(await bm.read.pendingStake([orchestrator2.account.address]), 7_500n * LPT, "0% cut: its stake's half");
      assert.equal(await bm.read.pendingStake([outsider.account.address]), 7_500n * LPT);
    });

    it("rejects a second reward in the same round", async () => {
      const { p, bm, orchestrator } = await setup();
      await bm.write.reward({ account: orchestrator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.reward({ account: orchestrator.account }),
        bm,
        "RewardAlreadyCalled",
        [orchestrator.account.address, await p.rounds.read.currentRound()],
      );
      await advanceRounds(p, 1);
      await bm.write.reward({ account: orchestrator.account });
    });

    it("rejects a registered orchestrator that is not active this round", async () => {
      const { p, bm, orchestrator2 } = await setup();
      await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT });
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.reward({ account: orchestrator2.account }),
        bm,
        "NotActiveOrchestrator",
        [orchestrator2.account.address, await p.rounds.read.currentRound()],
      );
    });

    it("rejects an orchestrator below minActiveStake", async () => {
      const { p, bm, orchestrator2 } = await setup();
      await registerOrchestrator(p, orchestrator2, { stake: p.params.minActiveStake - 1n });
      await advanceRounds(p, 1);
      await viem.assertions.revertWithCustomError(
        bm.write.reward({ account: orchestrator2.account }),
        bm,
        "NotActiveOrchestrator",
      );
    });

    it("rejects an account that is not a registered orchestrator", async () => {
      const { bm, delegator1 } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.reward({ account: delegator1.account }),
        bm,
        "NotRegisteredOrchestrator",
        [delegator1.account.address],
      );
    });

    it("rejects a reward while the current round is not initialized", async () => {
      const { p, bm, orchestrator } = await setup();
      const round = await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.reward({ account: orchestrator.account }),
        bm,
        "CurrentRoundNotInitialized",
        [round],
      );
    });
  });

  describe("fees (updateTranscoderWithFees)", () => {
    it("rejects a caller other than the TicketBroker", async () => {
      const { p, bm, orchestrator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.updateTranscoderWithFees([orchestrator.account.address, 1n, await p.rounds.read.currentRound()], {
          account: orchestrator.account,
        }),
        bm,
        "OnlyTicketBroker",
        [orchestrator.account.address],
      );
    });

    it("rejects fees for a recipient that is not a registered orchestrator, so its ticket does not redeem", async () => {
      const { p, bm, outsider } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        redeemFees(p, outsider.account.address, parseEther("1")),
        bm,
        "NotRegisteredOrchestrator",
        [outsider.account.address],
      );
    });

    it("credits the whole fee to an orchestrator alone with feeShare 0", async () => {
      const { p, bm, orchestrator2 } = await setup();
      await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT, feeSharePpm: 0n });
      await viem.assertions.emitWithArgs(redeemFees(p, orchestrator2.account.address, 1_000n), bm, "TranscoderFees", [
        orchestrator2.account.address,
        1_000n,
        0n,
        await p.rounds.read.currentRound(),
      ]);
      assert.equal(await bm.read.pendingFees([orchestrator2.account.address]), 1_000n);
    });

    it("shares fees by stake at the time of each fee, across rewards in between", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      const [o, d1] = [orchestrator.account.address, delegator1.account.address];
      await redeemFees(p, o, parseEther("1")); // d1: 0.5 × 3,000/10,000 = 0.15
      await bm.write.reward({ account: orchestrator.account });
      await redeemFees(p, o, parseEther("1")); // d1: 0.5 × 5,700/20,000 = 0.1425
      assert.equal(await bm.read.pendingFees([d1]), parseEther("0.2925"));
    });
  });

  describe("claimEarnings", () => {
    it("moves pending rewards and fees into the stored bond and fee balance", async () => {
      const { p, bm, orchestrator, delegator2 } = await setup();
      const [o, d2] = [orchestrator.account.address, delegator2.account.address];
      await bm.write.reward({ account: orchestrator.account });
      await redeemFees(p, o, parseEther("1"));
      await viem.assertions.emitWithArgs(bm.write.claimEarnings({ account: delegator2.account }), bm, "EarningsClaimed", [
        o,
        d2,
        5_400n * LPT,
        parseEther("0.285"),
      ]);
      const [bonded, fees, , , lastClaimRewardFactor, lastClaimFeeFactor] = await bm.read.getDelegator([d2]);
      const info = await bm.read.getTranscoder([o]);
      assert.deepEqual(
        [bonded, fees, lastClaimRewardFactor, lastClaimFeeFactor],
        [11_400n * LPT, parseEther("0.285"), info.cumulativeRewardFactor, info.cumulativeFeeFactor],
      );
      assert.equal(await bm.read.pendingStake([d2]), 11_400n * LPT, "a claim changes no one's total");
    });

    it("emits nothing when there is nothing to claim, and is harmless for an unbonded account", async () => {
      const { bm, delegator1, outsider } = await setup();
      const client = await viem.getPublicClient();
      for (const wallet of [delegator1, outsider]) {
        const hash = await bm.write.claimEarnings({ account: wallet.account });
        const receipt = await client.waitForTransactionReceipt({ hash });
        assert.equal(receipt.logs.length, 0);
      }
    });

    it("settles earnings with the old delegate before a bond moves", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator1 } = await setup();
      await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT });
      await bm.write.reward({ account: orchestrator.account });
      await viem.assertions.emitWithArgs(
        bm.write.bond([0n, orchestrator2.account.address], { account: delegator1.account }),
        bm,
        "EarningsClaimed",
        [orchestrator.account.address, delegator1.account.address, 2_700n * LPT, 0n],
      );
      assert.equal(await bm.read.transcoderTotalStake([orchestrator2.account.address]), 6_700n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([orchestrator.account.address]), 14_300n * LPT);
    });

    it("lets a delegator unbond rewards it has not claimed yet", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      await bm.write.reward({ account: orchestrator.account });
      await viem.assertions.emitWithArgs(
        bm.write.unbond([5_700n * LPT], { account: delegator1.account }),
        bm,
        "Unbond",
        [
          orchestrator.account.address,
          delegator1.account.address,
          0n,
          5_700n * LPT,
          (await p.rounds.read.currentRound()) + p.params.unbondingPeriodRounds,
        ],
      );
      assert.equal(await bm.read.pendingStake([delegator1.account.address]), 0n);
    });
  });

  describe("withdrawFees", () => {
    it("sends part of the caller's fees to any recipient and keeps the rest", async () => {
      const { p, bm, orchestrator, delegator1, outsider } = await setup();
      const [d1, to] = [delegator1.account.address, outsider.account.address];
      await redeemFees(p, orchestrator.account.address, parseEther("1")); // d1: 0.15 ETH
      const tx = bm.write.withdrawFees([to, parseEther("0.1")], { account: delegator1.account });
      await viem.assertions.balancesHaveChanged(tx, [
        { address: to, amount: parseEther("0.1") },
        { address: p.minter.address, amount: -parseEther("0.1") },
      ]);
      await viem.assertions.emitWithArgs(tx, bm, "WithdrawFees", [d1, to, parseEther("0.1")]);
      await viem.assertions.emitWithArgs(tx, p.minter, "FeesWithdrawn", [to, parseEther("0.1")]);
      assert.equal(await bm.read.pendingFees([d1]), parseEther("0.05"));
    });

    it("lets a fully unbonded delegator withdraw the fees it earned while bonded", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      await redeemFees(p, orchestrator.account.address, parseEther("1"));
      await bm.write.unbond([3_000n * LPT], { account: delegator1.account });
      await bm.write.withdrawFees([delegator1.account.address, parseEther("0.15")], { account: delegator1.account });
      assert.equal(await bm.read.pendingFees([delegator1.account.address]), 0n);
    });

    it("rejects more than the caller's fees", async () => {
      const { p, bm, orchestrator, delegator1 } = await setup();
      await redeemFees(p, orchestrator.account.address, parseEther("1"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.withdrawFees([delegator1.account.address, parseEther("0.15") + 1n], { account: delegator1.account }),
        bm,
        "InsufficientFees",
        [parseEther("0.15"), parseEther("0.15") + 1n],
      );
    });

    it("rejects the zero address as recipient", async () => {
      const { bm, delegator1 } = await setup();
      await viem.assertions.revertWithCustomError(
        bm.write.withdrawFees([zeroAddress, 0n], { account: delegator1.account }),
        bm,
        "ZeroAddress",
      );
    });

    it("reverts with the Minter's EthTransferFailed when the recipient rejects ETH", async () => {
      const { p, bm, orchestrator } = await setup();
      await redeemFees(p, orchestrator.account.address, 100n);
      // The LPT contract has no receive function.
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.withdrawFees([p.token.address, 50n], { account: orchestrator.account }),
        p.minter,
        "EthTransferFailed",
        [p.token.address, 50n],
      );
    });
  });

  describe("inflation", () => {
    it("mints nothing in a round whose inflation is 0", async () => {
      const { p, bm, orchestrator } = await setup();
      await p.minter.write.setInflationParams([0n, 0n, PPB / 2n]);
      await advanceRounds(p, 1);
      await viem.assertions.emitWithArgs(bm.write.reward({ account: orchestrator.account }), bm, "Reward", [
        orchestrator.account.address,
        0n,
        await p.rounds.read.currentRound(),
      ]);
      assert.equal(await bm.read.pendingStake([orchestrator.account.address]), 1_000n * LPT);
    });
  });
});
