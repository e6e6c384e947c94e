// Spec of the open active set and the BondingManager's views: membership from the next round, next-round totals that
// become current at round initialization, refreshActivation after a new minActiveStake, and what getTranscoder,
// getDelegator and transcoderStakeAtRoundStart report.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroAddress } from "viem";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { enterUninitializedRound, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

const FACTOR_ONE = 10n ** 27n;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, orchestrator2, delegator, other] = await testWallets(viem, 4);
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
  await registerOrchestrator(p, orchestrator2, { stake: 300n * LPT });
  await advanceRounds(p, 1);
  return {
    p,
    bm: p.bondingManager,
    orchestrator,
    orchestrator2,
    delegator,
    other,
    o1: orchestrator.account.address,
    o2: orchestrator2.account.address,
  };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("BondingManager: active set", () => {
  it("makes every registered orchestrator at or above minActiveStake active, with no cap on the set's size", async () => {
    const { p, bm, o1, o2 } = await setup();
    assert.equal(await bm.read.isActiveTranscoder([o1]), true);
    assert.equal(await bm.read.isActiveTranscoder([o2]), true);
    assert.equal(await bm.read.getTranscoderPoolSize(), 2n);
    assert.equal(await bm.read.currentRoundTotalActiveStake(), 1_300n * LPT);
    assert.equal(await bm.read.currentRoundActiveCount(), 2n);

    const wallets = (await testWallets(viem, 14)).slice(4);
    for (const w of wallets) await registerOrchestrator(p, w, { stake: p.params.minActiveStake });
    assert.equal(await bm.read.nextRoundActiveCount(), 12n);
    await advanceRounds(p, 1);
    assert.equal(await bm.read.getTranscoderPoolSize(), 12n);
  });

  it("keeps a registered orchestrator below minActiveStake out of the set", async () => {
    const { p, bm, other } = await setup();
    await registerOrchestrator(p, other, { stake: p.params.minActiveStake - 1n });
    await advanceRounds(p, 1);
    assert.equal(await bm.read.isRegisteredTranscoder([other.account.address]), true);
    assert.equal(await bm.read.isActiveTranscoder([other.account.address]), false);
    assert.equal(await bm.read.getTranscoderPoolSize(), 2n);
  });

  it("activates an orchestrator that delegation lifts to minActiveStake, from the next round", async () => {
    const { p, bm, delegator, other } = await setup();
    const me = other.account.address;
    await registerOrchestrator(p, other, { stake: 60n * LPT });
    await advanceRounds(p, 1);
    const round = await p.rounds.read.currentRound();
    await p.token.write.transfer([delegator.account.address, 40n * LPT]);
    await p.token.write.approve([bm.address, 40n * LPT], { account: delegator.account });
    await viem.assertions.emitWithArgs(
      bm.write.bond([40n * LPT, me], { account: delegator.account }),
      bm,
      "TranscoderActivated",
      [me, round + 1n],
    );
    assert.equal(await bm.read.isActiveTranscoder([me]), false);
    await advanceRounds(p, 1);
    assert.equal(await bm.read.isActiveTranscoder([me]), true);
  });

  it("moves the next round's totals at once and the current round's only at initialization", async () => {
    const { p, bm, delegator, o1 } = await setup();
    await bondFrom(p, delegator, 200n * LPT, o1);
    assert.equal(await bm.read.nextRoundTotalActiveStake(), 1_500n * LPT);
    assert.equal(await bm.read.currentRoundTotalActiveStake(), 1_300n * LPT);
    await enterUninitializedRound(p);
    assert.equal(await bm.read.currentRoundTotalActiveStake(), 1_300n * LPT, "still the last initialized round's");
    await p.rounds.write.initializeRound();
    assert.equal(await bm.read.currentRoundTotalActiveStake(), 1_500n * LPT);
  });

  it("lets only the RoundsManager roll the totals over", async () => {
    const { bm, other } = await setup();
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.setCurrentRoundTotalActiveStake({ account: other.account }),
      bm,
      "OnlyRoundsManager",
      [other.account.address],
    );
  });

  it("keeps an orchestrator active, with its round-start stake, for the rest of a round in which it left", async () => {
    const { p, bm, orchestrator, o1 } = await setup();
    await bm.write.unbond([1_000n * LPT], { account: orchestrator.account });
    assert.equal(await bm.read.isActiveTranscoder([o1]), true);
    assert.equal(await bm.read.transcoderStakeAtRoundStart([o1]), 1_000n * LPT);
    assert.equal(await bm.read.transcoderTotalStake([o1]), 0n);
    await advanceRounds(p, 1);
    assert.equal(await bm.read.isActiveTranscoder([o1]), false);
    assert.equal(await bm.read.transcoderStakeAtRoundStart([o1]), 0n);
  });

  describe("refreshActivation", () => {
    it("deactivates orchestrators under a raised minActiveStake, from the next round", async () => {
      const { p, bm, other, o2 } = await setup();
      await bm.write.setMinActiveStake([500n * LPT]);
      assert.equal(await bm.read.isActiveTranscoder([o2]), true, "nothing changes by itself");
      const round = await p.rounds.read.currentRound();
      await viem.assertions.emitWithArgs(
        bm.write.refreshActivation([o2], { account: other.account }),
        bm,
        "TranscoderDeactivated",
        [o2, round + 1n],
      );
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 1_000n * LPT);
      assert.equal(await bm.read.isActiveTranscoder([o2]), true, "active until the round ends");
      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([o2]), false);
      assert.equal(await bm.read.getTranscoderPoolSize(), 1n);
    });

    it("activates orchestrators that a lowered minActiveStake admits", async () => {
      const { p, bm, other } = await setup();
      const me = other.account.address;
      await registerOrchestrator(p, other, { stake: 50n * LPT });
      await bm.write.setMinActiveStake([50n * LPT]);
      await viem.assertions.emitWithArgs(bm.write.refreshActivation([me]), bm, "TranscoderActivated", [
        me,
        (await p.rounds.read.currentRound()) + 1n,
      ]);
      await advanceRounds(p, 1);
      assert.equal(await bm.read.isActiveTranscoder([me]), true);
      assert.equal(await bm.read.currentRoundTotalActiveStake(), 1_350n * LPT);
    });

    it("changes nothing for an orchestrator whose membership still holds, or for a plain account", async () => {
      const { bm, other, o1 } = await setup();
      const client = await viem.getPublicClient();
      for (const addr of [o1, other.account.address]) {
        const hash = await bm.write.refreshActivation([addr]);
        assert.equal((await client.waitForTransactionReceipt({ hash })).logs.length, 0);
      }
      assert.equal(await bm.read.nextRoundTotalActiveStake(), 1_300n * LPT);
      assert.equal(await bm.read.nextRoundActiveCount(), 2n);
    });

    it("rejects a refresh while the current round is not initialized", async () => {
      const { p, bm, o1 } = await setup();
      await enterUninitializedRound(p);
      await viem.assertions.revertWithCustomError(bm.write.refreshActivation([o1]), bm, "CurrentRoundNotInitialized");
    });
  });

  describe("views", () => {
    it("getTranscoder reports an orchestrator's stake, cuts, last reward, factors, standing and slashes", async () => {
      const { p, bm, orchestrator, o1 } = await setup();
      const fresh = await bm.read.getTranscoder([o1]);
      assert.deepEqual(fresh, {
        totalStake: 1_000n * LPT,
        rewardCutPpm: 100_000n,
        feeSharePpm: 500_000n,
        lastRewardRound: 0n,
        cumulativeRewardFactor: FACTOR_ONE,
        cumulativeFeeFactor: 0n,
        active: true,
        registered: true,
        slashCount: 0n,
      });
      await bm.write.reward({ account: orchestrator.account });
      const after = await bm.read.getTranscoder([o1]);
      assert.equal(after.lastRewardRound, await p.rounds.read.currentRound());
      assert.ok(after.cumulativeRewardFactor > FACTOR_ONE);
      assert.ok(after.totalStake > 1_000n * LPT);
    });

    it("getTranscoder reports an address nobody bonded to as empty", async () => {
      const { bm, other } = await setup();
      const info = await bm.read.getTranscoder([other.account.address]);
      assert.deepEqual(
        [info.totalStake, info.active, info.registered, info.cumulativeRewardFactor],
        [0n, false, false, FACTOR_ONE],
      );
    });

    it("getDelegator reports the stored bond, fees, delegate, start round, claim factors and next lock id", async () => {
      const { p, bm, delegator, o1 } = await setup();
      assert.deepEqual(await bm.read.getDelegator([delegator.account.address]), [0n, 0n, zeroAddress, 0n, 0n, 0n, 0n]);
      await bondFrom(p, delegator, 10n * LPT, o1);
      await bm.write.unbond([1n * LPT], { account: delegator.account });
      const round = await p.rounds.read.currentRound();
      const [bonded, fees, delegate, startRound, rewardFactor, feeFactor, nextLockId] = await bm.read.getDelegator([
        delegator.account.address,
      ]);
      assert.deepEqual(
        [bonded, fees, delegate.toLowerCase(), startRound, rewardFactor, feeFactor, nextLockId],
        [9n * LPT, 0n, o1, round + 1n, FACTOR_ONE, 0n, 1n],
      );
    });

    it("transcoderStakeAtRoundStart ignores this round's changes until the next round", async () => {
      const { p, bm, delegator, o1 } = await setup();
      await bondFrom(p, delegator, 100n * LPT, o1);
      await bondFrom(p, delegator, 100n * LPT, o1);
      assert.equal(await bm.read.transcoderStakeAtRoundStart([o1]), 1_000n * LPT);
      await advanceRounds(p, 1);
      assert.equal(await bm.read.transcoderStakeAtRoundStart([o1]), 1_200n * LPT);
    });

    it("isRegisteredTranscoder is true only for an address bonded to itself with a non-zero bond", async () => {
      const { p, bm, delegator, o1 } = await setup();
      await bondFrom(p, delegator, 10n * LPT, o1);
      assert.equal(await bm.read.isRegisteredTranscoder([o1]), true);
      assert.equal(await bm.read.isRegisteredTranscoder([delegator.account.address]), false);
    });
  });
});
