// Spec of when stake starts and stops earning: stake bonded, rebonded or moved in during a round is pending and
// earns from the next round, at the factors of the end of the round it arrived in; stake that leaves during a round
// forfeits that round's reward instead of handing it to the stake that stays. This is what defeats stake hopping.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther } from "viem";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { redeemFees, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

/** 0.1% of the 10,000,000 LPT genesis supply: the first round mints exactly 10,000 LPT. */
const FIXED_INFLATION_PPB = 1_000_000n;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  await p.minter.write.setInflationParams([FIXED_INFLATION_PPB, 0n, p.params.targetBondingRatePpb]);
  const [orchestrator, delegator1, delegator2, newcomer] = await testWallets(viem, 4);
  // As the earnings spec's worked example: 1,000 + 3,000 + 6,000 LPT, rewardCut 10%, feeShare 50%.
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT, rewardCutPpm: 100_000n, feeSharePpm: 500_000n });
  await bondFrom(p, delegator1, 3_000n * LPT, orchestrator.account.address);
  await bondFrom(p, delegator2, 6_000n * LPT, orchestrator.account.address);
  await advanceRounds(p, 1);
  return { p, bm: p.bondingManager, orchestrator, delegator1, delegator2, newcomer };
}

const setup = () => networkHelpers.loadFixture(deploy);

/** a/b = c/d up to integer rounding of each side (a few wei on values of ~10^22). */
function assertSameRatio(a: bigint, b: bigint, c: bigint, d: bigint, what: string) {
  const diff = a * d > c * b ? a * d - c * b : c * b - a * d;
  assert.ok(diff <= 4n * (b > d ? b : d), `${what}: ${a}/${b} vs ${c}/${d}`);
}

describe("BondingManager: stake earns from the round after it arrives", () => {
  it("reports stake bonded this round as pending, and gives it no share of this round's reward or fees", async () => {
    const { p, bm, orchestrator, delegator1, newcomer } = await setup();
    const [o, d1, n] = [orchestrator.account.address, delegator1.account.address, newcomer.account.address];
    const round = await p.rounds.read.currentRound();
    await bondFrom(p, newcomer, 10_000n * LPT, o);
    assert.deepEqual(await bm.read.getDelegatorPendingBond([n]), [10_000n * LPT, round]);
    assert.equal(await bm.read.transcoderTotalStake([o]), 20_000n * LPT, "pending stake counts for the next round");

    await bm.write.reward({ account: orchestrator.account });
    assert.equal(await p.minter.read.currentMintedTokens(), 10_000n * LPT, "minted for the round-start stake");
    assert.equal(await bm.read.pendingStake([d1]), 5_700n * LPT, "not diluted: 3,000 × 1.9, as without the newcomer");
    assert.equal(await bm.read.pendingStake([n]), 10_000n * LPT, "the newcomer earns nothing this round");

    await redeemFees(p, o, parseEther("1"));
    assert.equal(await bm.read.pendingFees([n]), 0n);
    assert.equal(await bm.read.pendingFees([d1]), parseEther("0.1425"), "5,700 / 20,000 of the 0.5 ETH delegators' part");
  });

  it("lets pending stake earn from the next round exactly like stake that was there before", async () => {
    const { p, bm, orchestrator, delegator1, newcomer } = await setup();
    const [o, d1, n] = [orchestrator.account.address, delegator1.account.address, newcomer.account.address];
    await bm.write.reward({ account: orchestrator.account }); // the round's reward comes first, then the newcomer
    await bondFrom(p, newcomer, 10_000n * LPT, o);
    await advanceRounds(p, 1);
    assert.deepEqual((await bm.read.getDelegatorPendingBond([n]))[0], 10_000n * LPT, "matures lazily, at a claim");

    const d1Before = await bm.read.pendingStake([d1]);
    await bm.write.reward({ account: orchestrator.account });
    const d1After = await bm.read.pendingStake([d1]);
    const nAfter = await bm.read.pendingStake([n]);
    // Same growth factor for both, to rounding: nAfter / 10,000 = d1After / d1Before.
    assertSameRatio(nAfter, 10_000n * LPT, d1After, d1Before, "growth");
    assert.ok(nAfter > 10_000n * LPT, "it did earn");

    await bm.write.claimEarnings({ account: newcomer.account });
    assert.deepEqual(await bm.read.getDelegatorPendingBond([n]), [0n, (await p.rounds.read.currentRound()) - 1n]);
    assert.equal(await bm.read.pendingStake([n]), nAfter, "claiming changes nothing but where the stake is kept");
  });

  it("starts a pending bond at the end of its round even when the reward came after the bond (checkpoint)", async () => {
    const { p, bm, orchestrator, delegator1, newcomer } = await setup();
    const [o, d1, n] = [orchestrator.account.address, delegator1.account.address, newcomer.account.address];
    await bondFrom(p, newcomer, 10_000n * LPT, o); // before this round's reward
    await bm.write.reward({ account: orchestrator.account });
    const d1EndOfRound = await bm.read.pendingStake([d1]);
    await advanceRounds(p, 1);
    await bm.write.reward({ account: orchestrator.account }); // factors change: the bond's round is checkpointed
    await redeemFees(p, o, parseEther("1"));
    await advanceRounds(p, 1);
    await bm.write.reward({ account: orchestrator.account });

    const d1Now = await bm.read.pendingStake([d1]);
    const nNow = await bm.read.pendingStake([n]);
    // The newcomer grew from the end of its round on by the same factor as delegator1 did.
    assertSameRatio(nNow, 10_000n * LPT, d1Now, d1EndOfRound, "growth since the end of the bond's round");
    // Fees likewise: delegator1 had fees only from this fee (none before), so the two split it by stake.
    const [nFees, d1Fees] = [await bm.read.pendingFees([n]), await bm.read.pendingFees([d1])];
    assertSameRatio(nFees, 10_000n * LPT, d1Fees, d1EndOfRound, "fees per unit of stake at the end of the bond's round");
  });

  it("does not hand the reward of stake that left during the round to the stake that stayed", async () => {
    const { p, bm, orchestrator, delegator1, delegator2 } = await setup();
    await bm.write.unbond([6_000n * LPT], { account: delegator2.account });
    await bm.write.reward({ account: orchestrator.account });
    // 4,000 of the 10,000 LPT active at the round's start stayed: 4,000 LPT are minted, not 10,000.
    assert.equal(await p.minter.read.currentMintedTokens(), 4_000n * LPT);
    assert.equal(await bm.read.pendingStake([delegator1.account.address]), 5_700n * LPT, "3,000 × 1.9, no windfall");
    assert.equal(await bm.read.getTotalBonded(), 8_000n * LPT);
  });

  it("takes an unbond from this round's pending stake first, leaving the earning stake earning", async () => {
    const { p, bm, orchestrator, delegator1 } = await setup();
    const d1 = delegator1.account.address;
    await bondFrom(p, delegator1, 1_000n * LPT, orchestrator.account.address);
    assert.equal((await bm.read.getDelegatorPendingBond([d1]))[0], 1_000n * LPT);
    await bm.write.unbond([1_000n * LPT], { account: delegator1.account });
    assert.equal((await bm.read.getDelegatorPendingBond([d1]))[0], 0n);
    await bm.write.reward({ account: orchestrator.account });
    assert.equal(await bm.read.pendingStake([d1]), 5_700n * LPT, "the 3,000 earning LPT earned in full");
  });

  it("makes a rebonded lock pending again", async () => {
    const { p, bm, orchestrator, delegator1 } = await setup();
    const d1 = delegator1.account.address;
    await bm.write.unbond([3_000n * LPT], { account: delegator1.account });
    await bm.write.rebondFromUnbonded([orchestrator.account.address, 0n], { account: delegator1.account });
    assert.deepEqual(await bm.read.getDelegatorPendingBond([d1]), [3_000n * LPT, await p.rounds.read.currentRound()]);
    await bm.write.reward({ account: orchestrator.account });
    assert.equal(await bm.read.pendingStake([d1]), 3_000n * LPT, "left and came back in the same round: no reward");
  });
});
