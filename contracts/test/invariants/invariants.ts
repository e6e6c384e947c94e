// The money invariants, checked against chain state after every action of the invariant suite: no LPT or ETH created
// or lost, the BondingManager and TicketBroker hold what they owe, no ticket spent twice or lost, no reserve
// over-claimed, no fees withdrawable beyond those earned. Returns the rounding dust it saw. (Whether each ticket is
// spent is checked where it is redeemed, in ticket-actions.ts.)
import assert from "node:assert/strict";
import { zeroAddress } from "viem";
import type { Model } from "./model.ts";
import { reserveClaimKey, reserveRoundKey } from "./model.ts";
import type { World } from "./world.ts";
import { openBonds } from "./slash-actions.ts";

/**
 * The largest shortfall of what the BondingManager owes (every delegator's pendingStake, every delegator's pendingFees)
 * below what it holds that counts as rounding dust. Each floor division of an earnings claim or a reward/fee factor
 * loses under 1 wei, and dust left in an orchestrator's total grows with its rewards by the reward rate (0.1% a round
 * here); a sequence of a few hundred actions over 6 stakers and 4 orchestrators makes at most a few thousand such
 * divisions. 10^6 wei (10^-12 LPT), as in BondingManager.properties.test.ts, is orders of magnitude above the few dozen
 * wei sequences reach and far below anything that matters.
 */
export const DUST_BOUND_WEI = 1_000_000n;

export interface Dust {
  stakeWei: bigint;
  feeWei: bigint;
}

const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);

/** Everything the invariants read, in one parallel round of calls (a check runs after every action). */
async function readState(world: World, model: Model) {
  const { p, client } = world;
  const bm = p.bondingManager;
  const tb = p.ticketBroker;
  const stakers = world.stakers.map((s) => s.account.address);
  const all = <T>(items: readonly T[]) => Promise.all(items);
  const [round, supply, bmLpt, holderLpt, totalBonded, delegators, locks, targetStakes, pendingStakes, pendingFees] =
    await Promise.all([
      p.rounds.read.currentRound(),
      p.token.read.totalSupply(),
      p.token.read.balanceOf([bm.address]),
      all(world.lptHolders.map((a) => p.token.read.balanceOf([a]))),
      bm.read.getTotalBonded(),
      all(stakers.map((a) => bm.read.getDelegator([a]))),
      all(stakers.map((a) => all([...model.locks.get(a)!.keys()].map((id) => bm.read.getDelegatorUnbondingLock([a, id]))))),
      all(world.bondTargets.map((o) => bm.read.transcoderTotalStake([o]))),
      all(stakers.map((a) => bm.read.pendingStake([a]))),
      all(stakers.map((a) => bm.read.pendingFees([a]))),
    ]);
  const senders = [...model.senders.keys()];
  const [mintable, mintedNow, brokerEth, minterEth, verifierEth, poolSize, senderInfos, claims, roundInitialized, totalActive, active, roundStartStakes] =
    await Promise.all([
      p.minter.read.currentMintableTokens(),
      p.minter.read.currentMintedTokens(),
      client.getBalance({ address: tb.address }),
      client.getBalance({ address: p.minter.address }),
      client.getBalance({ address: p.faultVerifier.address }),
      bm.read.getTranscoderPoolSize(),
      all(senders.map((s) => tb.read.getSenderInfo([s]))),
      all(senders.map((s) => all(world.bondTargets.map((o) => tb.read.claimedReserve([s, o]))))),
      p.rounds.read.currentRoundInitialized(),
      bm.read.currentRoundTotalActiveStake(),
      all(world.bondTargets.map((o) => bm.read.isActiveTranscoder([o]))),
      all(world.bondTargets.map((o) => bm.read.transcoderStakeAtRoundStart([o]))),
    ]);
  return {
    stakers, round, supply, bmLpt, holderLpt, totalBonded, delegators, locks, targetStakes, pendingStakes, pendingFees,
    senders, mintable, mintedNow, brokerEth, minterEth, verifierEth, poolSize, senderInfos, claims, roundInitialized, totalActive,
    active, roundStartStakes,
  };
}

export async function checkInvariants(world: World, model: Model): Promise<Dust> {
  const s = await readState(world, model);
  const { stakers, round, delegators } = s;

  // ---- LPT: nothing created but rewards, nothing destroyed but slashes
  assert.equal(s.supply, world.genesisSupply + model.minted - model.burned, "LPT supply = genesis + rewards minted - slashes burned");
  assert.equal(sum(s.holderLpt) + s.bmLpt, s.supply, "every LPT is held by a participant or the BondingManager");
  const lockedLpt = sum([...model.locks.values()].flatMap((locks) => [...locks.values()].map((l) => l.amount)));
  assert.equal(s.bmLpt, s.totalBonded + lockedLpt, "the BondingManager holds exactly the bonded stake plus the unbonding locks");

  // ---- unbonding locks: the chain's match the model's, ids included
  for (const [i, a] of stakers.entries()) {
    assert.equal(delegators[i]![6], model.nextLockId.get(a), `${a}: next unbonding lock id`);
    for (const [j, [id, lock]] of [...model.locks.get(a)!].entries()) {
      const [amount, withdrawRound] = s.locks[i]![j]!;
      assert.deepEqual({ amount, withdrawRound }, lock, `${a}: unbonding lock ${id}`);
    }
  }

  // ---- stake: orchestrators' totals add up, and cover what their delegators are owed, short by dust only
  assert.equal(sum(s.targetStakes), s.totalBonded, "total bonded = sum of the orchestrators' total stakes");
  let stakeDust = 0n;
  for (const [j, o] of world.bondTargets.entries()) {
    const owed = sum(stakers.flatMap((_, i) => (delegators[i]![2].toLowerCase() === o.toLowerCase() ? [s.pendingStakes[i]!] : [])));
    const total = s.targetStakes[j]!;
    assert.ok(owed <= total, `${o}: its delegators are owed ${owed}, more than its total stake ${total}`);
    assert.ok(total - owed <= DUST_BOUND_WEI, `${o}: ${total - owed} wei of its stake belongs to no delegator`);
    if (total - owed > stakeDust) stakeDust = total - owed;
  }
  for (const [i, a] of stakers.entries()) {
    if (delegators[i]![2] === zeroAddress) assert.equal(s.pendingStakes[i], 0n, `${a} is bonded to no one yet has stake`);
  }

  // ---- rewards: never beyond the round's mintable LPT, because the round's active stakes add up to the total they
  //      are shared over, and the pool reserves are split by is the number of those orchestrators
  if (s.roundInitialized) {
    const activeStake = sum(s.roundStartStakes.filter((_, j) => s.active[j]));
    assert.equal(activeStake, s.totalActive, "the active orchestrators' round-start stakes = the round's total active stake");
    assert.equal(BigInt(s.active.filter(Boolean).length), s.poolSize, "active orchestrators = the round's pool size");
  }
  assert.ok(s.mintedNow <= s.mintable, `the Minter minted ${s.mintedNow} of ${s.mintable} mintable this round`);

  // ---- ETH: the TicketBroker holds exactly the senders' funds, the Minter the fees not yet withdrawn
  const senderFunds = sum([...model.senders.values()].map((m) => m.deposit + m.reserve));
  assert.equal(s.brokerEth, senderFunds, "the TicketBroker holds exactly the senders' deposits and reserves");
  assert.equal(s.minterEth, model.feesIn - model.feesOut, "the Minter holds exactly the fees redeemed less those withdrawn");
  assert.equal(s.verifierEth, openBonds(model), "the FaultVerifier holds exactly the open challenges' bonds");
  const feesOwed = sum(s.pendingFees);
  assert.ok(feesOwed <= s.minterEth, `fees withdrawable ${feesOwed} exceed the fees held ${s.minterEth}`);
  assert.ok(s.minterEth - feesOwed <= DUST_BOUND_WEI, `${s.minterEth - feesOwed} wei of fees belong to no one`);

  // ---- senders and reserves: as the model says, and no claimant above its allocation
  for (const [k, sender] of s.senders.entries()) {
    const m = model.senders.get(sender)!;
    const [info, reserve] = s.senderInfos[k]!;
    assert.deepEqual(
      { deposit: info.deposit, withdrawRound: info.withdrawRound, reserve: reserve.fundsRemaining },
      { deposit: m.deposit, withdrawRound: m.withdrawRound, reserve: m.reserve },
      `${sender}: deposit, unlock and reserve`,
    );
    const claimedInRound = model.reserveClaimedInRound.get(reserveRoundKey(sender, round)) ?? 0n;
    const claims = s.claims[k]!;
    assert.equal(reserve.claimedInCurrentRound, claimedInRound, `${sender}: reserve claimed this round`);
    assert.equal(sum(claims), claimedInRound, `${sender}: claims by orchestrator add up to the round's claims`);
    for (const [j, o] of world.bondTargets.entries()) {
      const claimed = claims[j]!;
      assert.equal(claimed, model.reserveClaims.get(reserveClaimKey(sender, round, o)) ?? 0n, `${sender}: ${o}'s claims`);
      if (claimed === 0n) continue;
      const allocation = s.poolSize === 0n ? 0n : (m.reserve + claimedInRound) / s.poolSize;
      assert.ok(claimed <= allocation, `${o} claimed ${claimed} of ${sender}'s reserve, above its allocation ${allocation}`);
    }
  }
  return { stakeWei: stakeDust, feeWei: s.minterEth - feesOwed };
}
