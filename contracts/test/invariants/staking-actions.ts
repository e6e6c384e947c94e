// The staking side of the invariant suite's actions: bond (and move), unbond, rebond, withdraw stake, rewards, fees,
// cut changes, each checked against the model as it runs (slashing is in slash-actions.ts).
import assert from "node:assert/strict";
import { parseEventLogs, type Address, type Hash } from "viem";
import { PPM, type Action } from "./actions.ts";
import type { Model, UnbondingLockModel } from "./model.ts";
import { attempt, expectOutcome, type Tally } from "./outcome.ts";
import type { World } from "./world.ts";

type StakingAction = Extract<Action, { kind: "bond" | "moveStake" | "unbond" | "rebond" | "rebondFromUnbonded" | "withdrawStake" | "claimEarnings" | "cuts" | "reward" | "withdrawFees" | "overWithdrawFees" }>;

/** An open lock chosen by `pick` (random picks of account and id would almost never match one), or none. */
function pickLock(model: Model, pick: number): { account: Address; id: bigint; lock: UnbondingLockModel } | undefined {
  const open = [...model.locks.entries()].flatMap(([account, locks]) => [...locks.entries()].map(([id, lock]) => ({ account, id, lock })));
  return open.length === 0 ? undefined : open[pick % open.length];
}

export async function lptBalance(world: World, account: Address): Promise<bigint> {
  return world.p.token.read.balanceOf([account]);
}

export async function runStakingAction(world: World, model: Model, tally: Tally, action: StakingAction): Promise<void> {
  const { p } = world;
  const bm = p.bondingManager;
  const staker = (i: number) => world.stakers[i]!.account;
  const round = await p.rounds.read.currentRound();
  switch (action.kind) {
    case "bond": {
      const account = staker(action.who);
      const before = await lptBalance(world, account.address);
      const hash = await attempt(p, tally, action.kind, ["ZeroAmount", "CurrentRoundNotInitialized"], () =>
        bm.write.bond([action.amount, world.bondTargets[action.to]!], { account }),
      );
      if (hash) assert.equal(await lptBalance(world, account.address), before - action.amount, "bond takes exactly the amount");
      return;
    }
    case "moveStake": {
      const account = staker(action.who);
      await attempt(p, tally, action.kind, ["ZeroAmount", "CurrentRoundNotInitialized"], () =>
        bm.write.bond([0n, world.bondTargets[action.to]!], { account }),
      );
      return;
    }
    case "unbond": {
      const account = staker(action.who);
      const amount = ((await bm.read.pendingStake([account.address])) * action.ppm) / PPM;
      // InsufficientBond is not allowed: the amount never exceeds the stake the contract itself reports.
      const hash = await attempt(p, tally, action.kind, ["ZeroAmount", "NotBonded", "CurrentRoundNotInitialized"], () =>
        bm.write.unbond([amount], { account }),
      );
      if (hash) {
        const id = model.nextLockId.get(account.address)!;
        model.nextLockId.set(account.address, id + 1n);
        model.locks.get(account.address)!.set(id, { amount, withdrawRound: round + (await bm.read.unbondingPeriodRounds()) });
      }
      return;
    }
    case "rebond":
    case "rebondFromUnbonded": {
      const chosen = pickLock(model, action.pick);
      const account = chosen?.account ?? staker(action.pick % world.stakers.length).address;
      const id = chosen?.id ?? 0n;
      const allowed = [
        action.kind === "rebond" ? "NotBonded" : "AlreadyBonded",
        "CurrentRoundNotInitialized",
        ...(chosen ? [] : ["InvalidUnbondingLock"]),
      ];
      const hash = await attempt(p, tally, action.kind, allowed, () =>
        action.kind === "rebond"
          ? bm.write.rebond([id], { account })
          : bm.write.rebondFromUnbonded([world.bondTargets[action.to]!, id], { account }),
      );
      if (hash) model.locks.get(account)!.delete(id);
      return;
    }
    case "withdrawStake": {
      const chosen = pickLock(model, action.pick);
      const account = chosen?.account ?? staker(action.pick % world.stakers.length).address;
      const id = chosen?.id ?? 0n;
      const predicted = !chosen ? "InvalidUnbondingLock" : round < chosen.lock.withdrawRound ? "UnbondingPeriodNotOver" : undefined;
      const before = await lptBalance(world, account);
      const hash = await expectOutcome(p, tally, action.kind, predicted, () => bm.write.withdrawStake([id], { account }));
      if (hash && chosen) {
        assert.equal(await lptBalance(world, account), before + chosen.lock.amount, "withdrawStake pays exactly the lock");
        const [left] = await bm.read.getDelegatorUnbondingLock([account, id]);
        assert.equal(left, 0n, "a withdrawn lock is gone: it cannot pay twice");
        model.locks.get(account)!.delete(id);
      }
      return;
    }
    case "claimEarnings":
      await attempt(p, tally, action.kind, [], () => bm.write.claimEarnings({ account: staker(action.who) }));
      return;
    case "cuts":
      await attempt(p, tally, action.kind, ["NotRegisteredOrchestrator", "CurrentRoundNotInitialized"], () =>
        bm.write.transcoder([action.rewardCutPpm, action.feeSharePpm], { account: staker(action.who) }),
      );
      return;
    case "reward": {
      const allowed = ["NotRegisteredOrchestrator", "RewardAlreadyCalled", "NotActiveOrchestrator", "CurrentRoundNotInitialized"];
      const hash = await attempt(p, tally, action.kind, allowed, () => bm.write.reward({ account: staker(action.who) }));
      if (hash) await recordReward(world, model, hash, round);
      return;
    }
    case "withdrawFees": {
      const account = staker(action.who);
      const amount = ((await bm.read.pendingFees([account.address])) * action.ppm) / PPM;
      const hash = await attempt(p, tally, action.kind, [], () => bm.write.withdrawFees([account.address, amount], { account }));
      if (hash) model.feesOut += amount;
      return;
    }
    case "overWithdrawFees": {
      const account = staker(action.who);
      const amount = (await bm.read.pendingFees([account.address])) + 1n;
      await expectOutcome(p, tally, action.kind, "InsufficientFees", () => bm.write.withdrawFees([account.address, amount], { account }));
      return;
    }
  }
}

/** Books a reward's minting and checks it against the Minter's budget for the round. */
async function recordReward(world: World, model: Model, hash: Hash, round: bigint): Promise<void> {
  const { logs } = await world.client.waitForTransactionReceipt({ hash });
  const [event] = parseEventLogs({ abi: world.p.bondingManager.abi, logs, eventName: "Reward" });
  assert.ok(event, "a successful reward emits Reward");
  model.minted += event.args.amount;
  const inRound = (model.mintedInRound.get(round) ?? 0n) + event.args.amount;
  model.mintedInRound.set(round, inRound);
  assert.equal(await world.p.minter.read.currentMintedTokens(), inRound, "the Minter counts exactly the round's rewards");
  assert.ok(inRound <= (await world.p.minter.read.currentMintableTokens()), "rewards stay within the round's mintable LPT");
}
