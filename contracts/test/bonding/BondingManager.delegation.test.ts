// Spec of delegation in the BondingManager: bond (and moving a bond), unbond, rebond, rebondFromUnbonded and
// withdrawStake, with their events, unbonding locks and every revert.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroAddress } from "viem";
import { advanceRounds, bondFrom, deployProtocol, giveLpt, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { enterUninitializedRound, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, orchestrator2, delegator, delegator2] = await testWallets(viem, 4);
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
  await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT });
  await advanceRounds(p, 1);
  return { p, bm: p.bondingManager, orchestrator, orchestrator2, delegator, delegator2 };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("BondingManager: delegation", () => {
  describe("bond", () => {
    it("registers an orchestrator that bonds to itself, active from the next round", async () => {
      const { p, bm } = await setup();
      const [, , , , newcomer] = await testWallets(viem, 5);
      const me = newcomer.account.address;
      const round = await p.rounds.read.currentRound();
      await giveLpt(p, me, 500n * LPT);
      await p.token.write.approve([bm.address, 500n * LPT], { account: newcomer.account });

      const tx = await bm.write.bond([500n * LPT, me], { account: newcomer.account });
      await viem.assertions.emitWithArgs(tx, bm, "Bond", [me, zeroAddress, me, 500n * LPT, 500n * LPT]);
      await viem.assertions.emitWithArgs(tx, bm, "TranscoderActivated", [me, round + 1n]);

      assert.equal(await bm.read.isRegisteredTranscoder([me]), true);
      assert.equal(await bm.read.isActiveTranscoder([me]), false, "not active in the round it registered");
      assert.equal(await bm.read.transcoderTotalStake([me]), 500n * LPT);
      assert.equal(await p.token.read.balanceOf([me]), 0n, "its LPT moved to the BondingManager");
      const [bonded, fees, delegate, startRound] = await bm.read.getDelegator([me]);
      assert.deepEqual([bonded, fees, delegate.toLowerCase(), startRound], [500n * LPT, 0n, me, round + 1n]);

      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([me]), true);
    });

    it("adds a delegator's stake to its orchestrator and to the total bonded", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const o = orchestrator.account.address;
      const totalBefore = await bm.read.getTotalBonded();
      await giveLpt(p, delegator.account.address, 300n * LPT);
      await p.token.write.approve([bm.address, 300n * LPT], { account: delegator.account });

      await viem.assertions.emitWithArgs(
        bm.write.bond([300n * LPT, o], { account: delegator.account }),
        bm,
        "Bond",
        [o, zeroAddress, delegator.account.address, 300n * LPT, 300n * LPT],
      );
      assert.equal(await bm.read.transcoderTotalStake([o]), 1_300n * LPT);
      assert.equal(await bm.read.getTotalBonded(), totalBefore + 300n * LPT);
      assert.equal(await bm.read.pendingStake([delegator.account.address]), 300n * LPT);
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 2_300n * LPT, "counted in the next round's active stake");
      assert.equal(await bm.read.currentRoundTotalActiveStake(), 2_000n * LPT, "not in this round's");
    });

    it("adds to an existing bond with the same delegate without restarting it", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const o = orchestrator.account.address;
      await bondFrom(p, delegator, 100n * LPT, o);
      const [, , , startRound] = await bm.read.getDelegator([delegator.account.address]);
      await advanceRounds(p, 1);

      await viem.assertions.emitWithArgs(
        (async () => {
          await giveLpt(p, delegator.account.address, 50n * LPT);
          await p.token.write.approve([bm.address, 50n * LPT], { account: delegator.account });
          return bm.write.bond([50n * LPT, o], { account: delegator.account });
        })(),
        bm,
        "Bond",
        [o, o, delegator.account.address, 50n * LPT, 150n * LPT],
      );
      const [bonded, , , startRoundAfter] = await bm.read.getDelegator([delegator.account.address]);
      assert.equal(bonded, 150n * LPT);
      assert.equal(startRoundAfter, startRound);
      assert.equal(await bm.read.transcoderTotalStake([o]), 1_150n * LPT);
    });

    it("moves the whole bond to a new delegate with amount 0", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator } = await setup();
      const [o1, o2, d] = [orchestrator.account.address, orchestrator2.account.address, delegator.account.address];
      await bondFrom(p, delegator, 200n * LPT, o1);
      const totalBefore = await bm.read.getTotalBonded();
      const round = await p.rounds.read.currentRound();

      await viem.assertions.emitWithArgs(
        bm.write.bond([0n, o2], { account: delegator.account }),
        bm,
        "Bond",
        [o2, o1, d, 0n, 200n * LPT],
      );
      assert.equal(await bm.read.transcoderTotalStake([o1]), 1_000n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o2]), 1_200n * LPT);
      assert.equal(await bm.read.getTotalBonded(), totalBefore, "moving bonds no new LPT");
      const [bonded, , delegate, startRound] = await bm.read.getDelegator([d]);
      assert.deepEqual([bonded, delegate.toLowerCase(), startRound], [200n * LPT, o2, round + 1n]);
    });

    it("moves the bond and adds to it in one call", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator } = await setup();
      const [o1, o2] = [orchestrator.account.address, orchestrator2.account.address];
      await bondFrom(p, delegator, 200n * LPT, o1);
      await bondFrom(p, delegator, 50n * LPT, o2);
      assert.equal(await bm.read.transcoderTotalStake([o1]), 1_000n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o2]), 1_250n * LPT);
      assert.equal(await bm.read.pendingStake([delegator.account.address]), 250n * LPT);
    });

    it("counts stake bonded to an unregistered address without making it active", async () => {
      const { p, bm, delegator, delegator2 } = await setup();
      const target = delegator2.account.address;
      await bondFrom(p, delegator, 500n * LPT, target);
      assert.equal(await bm.read.transcoderTotalStake([target]), 500n * LPT);
      assert.equal(await bm.read.isRegisteredTranscoder([target]), false);
      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([target]), false);

      // Once it bonds to itself, the stake already delegated to it counts.
      await bondFrom(p, delegator2, 1n, target);
      assert.equal(await bm.read.isRegisteredTranscoder([target]), true);
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 2_000n * LPT + 500n * LPT + 1n);
    });

    it("unregisters and deactivates an orchestrator that moves its self-bond away", async () => {
      const { p, bm, orchestrator, orchestrator2 } = await setup();
      const [o1, o2] = [orchestrator.account.address, orchestrator2.account.address];
      const round = await p.rounds.read.currentRound();
      await viem.assertions.emitWithArgs(
        bm.write.bond([0n, o2], { account: orchestrator.account }),
        bm,
        "TranscoderDeactivated",
        [o1, round + 1n],
      );
      assert.equal(await bm.read.isRegisteredTranscoder([o1]), false);
      assert.equal(await bm.read.isActiveTranscoder([o1]), true, "still active until the round ends");
      assert.equal(await bm.read.nextRoundActiveCount(), 1n);
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 2_000n * LPT, "o2 now holds both bonds");
    });

    it("rejects a bond of 0 that moves nothing", async () => {
      const { bm, orchestrator, delegator } = await setup();
      await viem.assertions.revertWithCustomError(
        bm.write.bond([0n, orchestrator.account.address], { account: delegator.account }),
        bm,
        "ZeroAmount",
      );
      await viem.assertions.revertWithCustomError(
        bm.write.bond([0n, orchestrator.account.address], { account: orchestrator.account }),
        bm,
        "ZeroAmount",
      );
    });

    it("rejects bonding to the zero address", async () => {
      const { bm, delegator } = await setup();
      await viem.assertions.revertWithCustomError(
        bm.write.bond([1n, zeroAddress], { account: delegator.account }),
        bm,
        "ZeroAddress",
      );
    });

    it("rejects bonding without an approved LPT allowance", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      await giveLpt(p, delegator.account.address, 10n * LPT);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.bond([10n * LPT, orchestrator.account.address], { account: delegator.account }),
        p.token,
        "ERC20InsufficientAllowance",
        [bm.address, 0n, 10n * LPT],
      );
    });

    it("rejects bonding while the current round is not initialized", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.bond([1n, orchestrator.account.address], { account: delegator.account }),
        bm,
        "CurrentRoundNotInitialized",
        [await p.rounds.read.currentRound()],
      );
    });
  });

  describe("unbond", () => {
    it("moves stake into an unbonding lock withdrawable after the unbonding period", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const [o, d] = [orchestrator.account.address, delegator.account.address];
      await bondFrom(p, delegator, 300n * LPT, o);
      const round = await p.rounds.read.currentRound();
      const withdrawRound = round + p.params.unbondingPeriodRounds;
      const totalBefore = await bm.read.getTotalBonded();

      await viem.assertions.emitWithArgs(
        bm.write.unbond([100n * LPT], { account: delegator.account }),
        bm,
        "Unbond",
        [o, d, 0n, 100n * LPT, withdrawRound],
      );
      assert.deepEqual(await bm.read.getDelegatorUnbondingLock([d, 0n]), [100n * LPT, withdrawRound]);
      assert.equal(await bm.read.pendingStake([d]), 200n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o]), 1_200n * LPT);
      assert.equal(await bm.read.getTotalBonded(), totalBefore - 100n * LPT);

      await viem.assertions.emitWithArgs(
        bm.write.unbond([50n * LPT], { account: delegator.account }),
        bm,
        "Unbond",
        [o, d, 1n, 50n * LPT, withdrawRound],
      );
      const [, , , , , , nextLockId] = await bm.read.getDelegator([d]);
      assert.equal(nextLockId, 2n, "each unbond opens a new lock");
    });

    it("clears the delegate of a delegator that unbonds everything", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const d = delegator.account.address;
      await bondFrom(p, delegator, 300n * LPT, orchestrator.account.address);
      await bm.write.unbond([300n * LPT], { account: delegator.account });
      const [bonded, , delegate, startRound] = await bm.read.getDelegator([d]);
      assert.deepEqual([bonded, delegate, startRound], [0n, zeroAddress, 0n]);
    });

    it("unregisters and deactivates an orchestrator that unbonds its whole self-bond", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const o = orchestrator.account.address;
      await bondFrom(p, delegator, 300n * LPT, o);
      const round = await p.rounds.read.currentRound();
      await viem.assertions.emitWithArgs(
        bm.write.unbond([1_000n * LPT], { account: orchestrator.account }),
        bm,
        "TranscoderDeactivated",
        [o, round + 1n],
      );
      assert.equal(await bm.read.isRegisteredTranscoder([o]), false);
      assert.equal(await bm.read.transcoderTotalStake([o]), 300n * LPT, "its delegators' stake stays with it");
      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([o]), false);
      assert.equal(await bm.read.getTranscoderPoolSize(), 1n);
    });

    it("deactivates an orchestrator whose stake falls below minActiveStake, from the next round", async () => {
      const { p, bm, orchestrator } = await setup();
      const o = orchestrator.account.address;
      const round = await p.rounds.read.currentRound();
      const drop = 1_000n * LPT - p.params.minActiveStake + 1n;
      await viem.assertions.emitWithArgs(
        bm.write.unbond([drop], { account: orchestrator.account }),
        bm,
        "TranscoderDeactivated",
        [o, round + 1n],
      );
      assert.equal(await bm.read.isRegisteredTranscoder([o]), true, "still registered");
      assert.equal(await bm.read.isActiveTranscoder([o]), true, "active for the rest of this round");
      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([o]), false);
    });

    it("rejects unbonding 0", async () => {
      const { bm, orchestrator } = await setup();
      await viem.assertions.revertWithCustomError(
        bm.write.unbond([0n], { account: orchestrator.account }),
        bm,
        "ZeroAmount",
      );
    });

    it("rejects unbonding by an account that is not bonded", async () => {
      const { bm, delegator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.unbond([1n], { account: delegator.account }),
        bm,
        "NotBonded",
        [delegator.account.address],
      );
    });

    it("rejects unbonding more than the bond", async () => {
      const { bm, orchestrator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.unbond([1_000n * LPT + 1n], { account: orchestrator.account }),
        bm,
        "InsufficientBond",
        [1_000n * LPT, 1_000n * LPT + 1n],
      );
    });

    it("rejects unbonding while the current round is not initialized", async () => {
      const { p, bm, orchestrator } = await setup();
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomError(
        bm.write.unbond([1n], { account: orchestrator.account }),
        bm,
        "CurrentRoundNotInitialized",
      );
    });
  });

  describe("rebond", () => {
    it("bonds an unbonding lock back to the current delegate and spends the lock", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const [o, d] = [orchestrator.account.address, delegator.account.address];
      await bondFrom(p, delegator, 300n * LPT, o);
      await bm.write.unbond([100n * LPT], { account: delegator.account });
      const totalBefore = await bm.read.getTotalBonded();

      await viem.assertions.emitWithArgs(
        bm.write.rebond([0n], { account: delegator.account }),
        bm,
        "Rebond",
        [o, d, 0n, 100n * LPT],
      );
      assert.equal(await bm.read.pendingStake([d]), 300n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o]), 1_300n * LPT);
      assert.equal(await bm.read.getTotalBonded(), totalBefore + 100n * LPT);
      assert.deepEqual(await bm.read.getDelegatorUnbondingLock([d, 0n]), [0n, 0n]);
    });

    it("rebonds a lock whose unbonding period is already over", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      await bondFrom(p, delegator, 300n * LPT, orchestrator.account.address);
      await bm.write.unbond([100n * LPT], { account: delegator.account });
      await advanceRounds(p, Number(p.params.unbondingPeriodRounds) + 1);
      await bm.write.rebond([0n], { account: delegator.account });
      assert.equal(await bm.read.pendingStake([delegator.account.address]), 300n * LPT);
    });

    it("re-registers an orchestrator that rebonds its self-bond", async () => {
      const { bm, orchestrator } = await setup();
      const o = orchestrator.account.address;
      await bm.write.unbond([1_000n * LPT], { account: orchestrator.account });
      assert.equal(await bm.read.isRegisteredTranscoder([o]), false);
      await bm.write.rebondFromUnbonded([o, 0n], { account: orchestrator.account });
      assert.equal(await bm.read.isRegisteredTranscoder([o]), true);
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 2_000n * LPT);
    });

    it("rejects rebonding by an account that is fully unbonded", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      await bondFrom(p, delegator, 100n * LPT, orchestrator.account.address);
      await bm.write.unbond([100n * LPT], { account: delegator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.rebond([0n], { account: delegator.account }),
        bm,
        "NotBonded",
        [delegator.account.address],
      );
    });

    it("rejects an unknown or already spent unbonding lock", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const d = delegator.account.address;
      await bondFrom(p, delegator, 100n * LPT, orchestrator.account.address);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.rebond([0n], { account: delegator.account }),
        bm,
        "InvalidUnbondingLock",
        [d, 0n],
      );
      await bm.write.unbond([10n * LPT], { account: delegator.account });
      await bm.write.rebond([0n], { account: delegator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.rebond([0n], { account: delegator.account }),
        bm,
        "InvalidUnbondingLock",
        [d, 0n],
      );
    });

    it("rejects rebonding while the current round is not initialized", async () => {
      const { p, bm, orchestrator } = await setup();
      await bm.write.unbond([1n], { account: orchestrator.account });
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomError(
        bm.write.rebond([0n], { account: orchestrator.account }),
        bm,
        "CurrentRoundNotInitialized",
      );
    });
  });

  describe("rebondFromUnbonded", () => {
    it("bonds a fully unbonded delegator's lock to a new delegate", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator } = await setup();
      const [o1, o2, d] = [orchestrator.account.address, orchestrator2.account.address, delegator.account.address];
      await bondFrom(p, delegator, 100n * LPT, o1);
      await bm.write.unbond([100n * LPT], { account: delegator.account });
      const round = await p.rounds.read.currentRound();

      await viem.assertions.emitWithArgs(
        bm.write.rebondFromUnbonded([o2, 0n], { account: delegator.account }),
        bm,
        "Rebond",
        [o2, d, 0n, 100n * LPT],
      );
      const [bonded, , delegate, startRound] = await bm.read.getDelegator([d]);
      assert.deepEqual([bonded, delegate.toLowerCase(), startRound], [100n * LPT, o2, round + 1n]);
      assert.equal(await bm.read.transcoderTotalStake([o1]), 1_000n * LPT);
      assert.equal(await bm.read.transcoderTotalStake([o2]), 1_100n * LPT);
    });

    it("rejects a delegator that is still bonded", async () => {
      const { p, bm, orchestrator, orchestrator2, delegator } = await setup();
      const o1 = orchestrator.account.address;
      await bondFrom(p, delegator, 100n * LPT, o1);
      await bm.write.unbond([50n * LPT], { account: delegator.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.rebondFromUnbonded([orchestrator2.account.address, 0n], { account: delegator.account }),
        bm,
        "AlreadyBonded",
        [delegator.account.address, o1],
      );
    });

    it("rejects the zero address as the new delegate", async () => {
      const { bm, delegator } = await setup();
      await viem.assertions.revertWithCustomError(
        bm.write.rebondFromUnbonded([zeroAddress, 0n], { account: delegator.account }),
        bm,
        "ZeroAddress",
      );
    });

    it("rejects an unknown unbonding lock and leaves the delegator unbonded", async () => {
      const { bm, orchestrator, delegator } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.rebondFromUnbonded([orchestrator.account.address, 7n], { account: delegator.account }),
        bm,
        "InvalidUnbondingLock",
        [delegator.account.address, 7n],
      );
      const [, , delegate] = await bm.read.getDelegator([delegator.account.address]);
      assert.equal(delegate, zeroAddress);
    });

    it("rejects rebonding while the current round is not initialized", async () => {
      const { p, bm, orchestrator, orchestrator2 } = await setup();
      await bm.write.unbond([1_000n * LPT], { account: orchestrator.account });
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomError(
        bm.write.rebondFromUnbonded([orchestrator2.account.address, 0n], { account: orchestrator.account }),
        bm,
        "CurrentRoundNotInitialized",
      );
    });
  });

  describe("withdrawStake", () => {
    it("pays out an unbonding lock once its withdraw round has come, and only once", async () => {
      const { p, bm, orchestrator, delegator } = await setup();
      const d = delegator.account.address;
      await bondFrom(p, delegator, 100n * LPT, orchestrator.account.address);
      await bm.write.unbond([40n * LPT], { account: delegator.account });
      const [, withdrawRound] = await bm.read.getDelegatorUnbondingLock([d, 0n]);
      await advanceRounds(p, Number(p.params.unbondingPeriodRounds));

      await viem.assertions.emitWithArgs(
        bm.write.withdrawStake([0n], { account: delegator.account }),
        bm,
        "WithdrawStake",
        [d, 0n, 40n * LPT, withdrawRound],
      );
      assert.equal(await p.token.read.balanceOf([d]), 40n * LPT);
      assert.deepEqual(await bm.read.getDelegatorUnbondingLock([d, 0n]), [0n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.withdrawStake([0n], { account: delegator.account }),
        bm,
        "InvalidUnbondingLock",
        [d, 0n],
      );
    });

    it("rejects a withdrawal before the unbonding period is over", async () => {
      const { p, bm, orchestrator } = await setup();
      await bm.write.unbond([10n * LPT], { account: orchestrator.account });
      const round = await p.rounds.read.currentRound();
      await advanceRounds(p, Number(p.params.unbondingPeriodRounds) - 1);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.withdrawStake([0n], { account: orchestrator.account }),
        bm,
        "UnbondingPeriodNotOver",
        [round + p.params.unbondingPeriodRounds, round + p.params.unbondingPeriodRounds - 1n],
      );
    });

    it("works in a round nobody has initialized yet (it changes no stake)", async () => {
      const { p, bm, orchestrator } = await setup();
      await bm.write.unbond([10n * LPT], { account: orchestrator.account });
      await advanceRounds(p, Number(p.params.unbondingPeriodRounds) - 1);
      await enterUninitializedRound(p);
      await bm.write.withdrawStake([0n], { account: orchestrator.account });
      assert.equal(await p.token.read.balanceOf([orchestrator.account.address]), 10n * LPT);
    });

    it("keeps the lock for rebonding when it is rebonded instead of withdrawn", async () => {
      const { p, bm, orchestrator } = await setup();
      await bm.write.unbond([10n * LPT], { account: orchestrator.account });
      await bm.write.rebond([0n], { account: orchestrator.account });
      await advanceRounds(p, Number(p.params.unbondingPeriodRounds));
      await viem.assertions.revertWithCustomError(
        bm.write.withdrawStake([0n], { account: orchestrator.account }),
        bm,
        "InvalidUnbondingLock",
      );
    });
  });
});
