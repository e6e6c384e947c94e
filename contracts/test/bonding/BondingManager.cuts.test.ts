// Spec of rewardCut/feeShare and the delegator-squeezing defence: a change worse for delegators is announced and takes
// effect only cutNoticePeriodRounds later; a change no worse takes effect at once and cancels any announcement.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther } from "viem";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { enterUninitializedRound, redeemFees, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

const REWARD_CUT = 100_000n; // 10%
const FEE_SHARE = 500_000n; // 50%

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, delegator, other] = await testWallets(viem, 3);
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT, rewardCutPpm: REWARD_CUT, feeSharePpm: FEE_SHARE });
  await bondFrom(p, delegator, 1_000n * LPT, orchestrator.account.address);
  await advanceRounds(p, 1);
  return { p, bm: p.bondingManager, orchestrator, delegator, other, o: orchestrator.account.address };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("BondingManager: cuts", () => {
  describe("transcoder", () => {
    it("applies an orchestrator's first cuts at once", async () => {
      const { p, bm, other } = await setup();
      await bondFrom(p, other, 500n * LPT, other.account.address);
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([250_000n, 750_000n], { account: other.account }),
        bm,
        "TranscoderUpdate",
        [other.account.address, 250_000n, 750_000n],
      );
      assert.deepEqual(await bm.read.transcoderCuts([other.account.address]), [250_000n, 750_000n]);
      const info = await bm.read.getTranscoder([other.account.address]);
      assert.deepEqual([info.rewardCutPpm, info.feeSharePpm], [250_000n, 750_000n]);
    });

    it("applies a lower rewardCut at once", async () => {
      const { bm, orchestrator, o } = await setup();
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([50_000n, FEE_SHARE], { account: orchestrator.account }),
        bm,
        "TranscoderUpdate",
        [o, 50_000n, FEE_SHARE],
      );
      assert.deepEqual(await bm.read.transcoderCuts([o]), [50_000n, FEE_SHARE]);
      assert.deepEqual(await bm.read.pendingCuts([o]), [0n, 0n, 0n]);
    });

    it("applies a higher feeShare at once", async () => {
      const { bm, orchestrator, o } = await setup();
      await bm.write.transcoder([REWARD_CUT, 900_000n], { account: orchestrator.account });
      assert.deepEqual(await bm.read.transcoderCuts([o]), [REWARD_CUT, 900_000n]);
    });

    it("announces a higher rewardCut and keeps the old cuts until the notice period is over", async () => {
      const { p, bm, orchestrator, o } = await setup();
      const effectiveRound = (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds;
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account }),
        bm,
        "CutChangeAnnounced",
        [o, 300_000n, FEE_SHARE, effectiveRound],
      );
      assert.deepEqual(await bm.read.transcoderCuts([o]), [REWARD_CUT, FEE_SHARE]);
      assert.deepEqual(await bm.read.pendingCuts([o]), [300_000n, FEE_SHARE, effectiveRound]);

      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds) - 1);
      assert.deepEqual(await bm.read.transcoderCuts([o]), [REWARD_CUT, FEE_SHARE], "one round before: still old");
      await advanceRounds(p, 1);
      assert.deepEqual(await bm.read.transcoderCuts([o]), [300_000n, FEE_SHARE], "in the effective round: new");
      assert.deepEqual(await bm.read.pendingCuts([o]), [0n, 0n, 0n]);
    });

    it("announces a lower feeShare, and a change that lowers both", async () => {
      const { p, bm, orchestrator, o } = await setup();
      const effectiveRound = (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds;
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([REWARD_CUT, 400_000n], { account: orchestrator.account }),
        bm,
        "CutChangeAnnounced",
        [o, REWARD_CUT, 400_000n, effectiveRound],
      );
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([0n, 0n], { account: orchestrator.account }),
        bm,
        "CutChangeAnnounced",
        [o, 0n, 0n, effectiveRound],
      );
      assert.deepEqual(await bm.read.transcoderCuts([o]), [REWARD_CUT, FEE_SHARE]);
    });

    it("restarts the notice period when a new worse change replaces an announced one", async () => {
      const { p, bm, orchestrator, o } = await setup();
      await bm.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account });
      await advanceRounds(p, 1);
      const effectiveRound = (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds;
      await bm.write.transcoder([400_000n, FEE_SHARE], { account: orchestrator.account });
      assert.deepEqual(await bm.read.pendingCuts([o]), [400_000n, FEE_SHARE, effectiveRound]);
    });

    it("cancels an announced change when a change no worse than the cuts in force is made", async () => {
      const { bm, orchestrator, o } = await setup();
      await bm.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account });
      const tx = await bm.write.transcoder([REWARD_CUT, FEE_SHARE], { account: orchestrator.account });
      await viem.assertions.emitWithArgs(tx, bm, "CutChangeCancelled", [o]);
      await viem.assertions.emitWithArgs(tx, bm, "TranscoderUpdate", [o, REWARD_CUT, FEE_SHARE]);
      assert.deepEqual(await bm.read.pendingCuts([o]), [0n, 0n, 0n]);
      assert.deepEqual(await bm.read.transcoderCuts([o]), [REWARD_CUT, FEE_SHARE]);
    });

    it("compares a new change with the cuts in force once an announced change has taken effect", async () => {
      const { p, bm, orchestrator, o } = await setup();
      await bm.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account });
      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds));
      // 200,000 is worse than the old 10% but better than the 30% now in force: it applies at once.
      const tx = await bm.write.transcoder([200_000n, FEE_SHARE], { account: orchestrator.account });
      await viem.assertions.emitWithArgs(tx, bm, "CutChangeTookEffect", [
        o,
        300_000n,
        FEE_SHARE,
        (await p.rounds.read.currentRound()),
      ]);
      await viem.assertions.emitWithArgs(tx, bm, "TranscoderUpdate", [o, 200_000n, FEE_SHARE]);
    });

    it("makes an orchestrator with delegators announce its first cuts when they are worse than (0%, 0%)", async () => {
      const { p, bm, delegator, other } = await setup();
      const me = other.account.address;
      // A delegator bonds to an orchestrator that has not set its cuts: they read rewardCut 0%.
      await bondFrom(p, other, 500n * LPT, me);
      await bm.write.bond([0n, me], { account: delegator.account });
      assert.deepEqual(await bm.read.transcoderCuts([me]), [0n, 0n]);

      const effectiveRound = (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds;
      await viem.assertions.emitWithArgs(
        bm.write.transcoder([1_000_000n, 0n], { account: other.account }),
        bm,
        "CutChangeAnnounced",
        [me, 1_000_000n, 0n, effectiveRound],
      );
      assert.deepEqual(await bm.read.transcoderCuts([me]), [0n, 0n], "the delegator keeps 0% until it can leave");
    });

    it("applies a worse change at once when the notice period is 0, even in round 0", async () => {
      // A chain of its own, so that the protocol starts in round 0 as on a fresh local chain.
      const fresh = await network.create();
      const p = await deployProtocol(fresh.viem, fresh.networkHelpers, { ...STAKING_TEST_PARAMS, cutNoticePeriodRounds: 0n });
      const [orchestrator] = await testWallets(fresh.viem, 1);
      const o = await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT, rewardCutPpm: REWARD_CUT });
      assert.equal(await p.rounds.read.currentRound(), 0n);
      await p.bondingManager.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account });
      assert.deepEqual(await p.bondingManager.read.transcoderCuts([o]), [300_000n, FEE_SHARE]);
      await advanceRounds(p, 1);
      assert.deepEqual(await p.bondingManager.read.transcoderCuts([o]), [300_000n, FEE_SHARE]);
    });

    it("rejects an account that is not a registered orchestrator", async () => {
      const { bm, delegator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.transcoder([0n, 0n], { account: delegator.account }),
        bm,
        "NotRegisteredOrchestrator",
        [delegator.account.address],
      );
    });

    it("rejects a rewardCut or a feeShare above 100%", async () => {
      const { bm, orchestrator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.transcoder([1_000_001n, 0n], { account: orchestrator.account }),
        bm,
        "InvalidPpm",
        [1_000_001n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.transcoder([0n, 1_000_001n], { account: orchestrator.account }),
        bm,
        "InvalidPpm",
        [1_000_001n],
      );
    });

    it("rejects a change while the current round is not initialized", async () => {
      const { p, bm, orchestrator } = await setup();
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomError(
        bm.write.transcoder([0n, 0n], { account: orchestrator.account }),
        bm,
        "CurrentRoundNotInitialized",
      );
    });
  });

  describe("applyPendingCuts", () => {
    it("does nothing before the effective round", async () => {
      const { p, bm, orchestrator, other, o } = await setup();
      await bm.write.transcoder([300_000n, FEE_SHARE], { account: orchestrator.account });
      const hash = await bm.write.applyPendingCuts([o], { account: other.account });
      const receipt = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash });
      assert.equal(receipt.logs.length, 0);
      assert.equal((await bm.read.pendingCuts([o]))[2], (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds);
    });

    it("lets anyone apply a due change, which emits CutChangeTookEffect once", async () => {
      const { p, bm, orchestrator, other, o } = await setup();
      const effectiveRound = (await p.rounds.read.currentRound()) + p.params.cutNoticePeriodRounds;
      await bm.write.transcoder([300_000n, 400_000n], { account: orchestrator.account });
      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds) + 1);
      await viem.assertions.emitWithArgs(
        bm.write.applyPendingCuts([o], { account: other.account }),
        bm,
        "CutChangeTookEffect",
        [o, 300_000n, 400_000n, effectiveRound],
      );
      const hash = await bm.write.applyPendingCuts([o], { account: other.account });
      const receipt = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash });
      assert.equal(receipt.logs.length, 0, "the second call has nothing to apply");
      assert.deepEqual(await bm.read.transcoderCuts([o]), [300_000n, 400_000n]);
    });

    it("happens by itself on the orchestrator's reward, which then uses the new rewardCut", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      await bm.write.transcoder([1_000_000n, FEE_SHARE], { account: orchestrator.account });
      // A reward during the notice period still uses 10%: the delegator's stake grows.
      const before = await bm.read.pendingStake([delegator.account.address]);
      await bm.write.reward({ account: orchestrator.account });
      const afterOld = await bm.read.pendingStake([delegator.account.address]);
      assert.ok(afterOld > before);

      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds));
      const tx = await bm.write.reward({ account: orchestrator.account });
      await viem.assertions.emit(tx, bm, "CutChangeTookEffect");
      assert.equal(await bm.read.pendingStake([delegator.account.address]), afterOld, "100%: nothing to delegators");
    });

    it("happens by itself when fees are credited, which then use the new feeShare", async () => {
      const { p, bm, orchestrator, delegator, o } = await setup();
      await bm.write.transcoder([REWARD_CUT, 0n], { account: orchestrator.account });
      await advanceRounds(p, Number(p.params.cutNoticePeriodRounds));
      const tx = await redeemFees(p, o, parseEther("1"));
      await viem.assertions.emitWithArgs(tx, bm, "TranscoderFees", [o, parseEther("1"), 0n, await p.rounds.read.currentRound()]);
      assert.equal(await bm.read.pendingFees([delegator.account.address]), 0n);
      assert.equal(await bm.read.pendingFees([o]), parseEther("1"));
    });
  });
});
