// Properties of the staking core under random sequences of bond, unbond, rebond, withdraw, reward, cut changes, fees,
// slashing and round changes, checked with fast-check against one deployment restored from a snapshot for each run.
//
// (a) Stake is conserved: getTotalBonded() equals the sum of every address's transcoderTotalStake, and the sum of every
//     account's pendingStake never exceeds it, falling short by rounding dust only; and in an initialized round the
//     active orchestrators' round-start stakes add up to the round's total active stake.
// (b) Nothing is paid out that did not come in: pendingStake + unbonding + withdrawn LPT never exceeds the LPT bonded
//     in plus the LPT the Minter minted, and pendingFees + withdrawn fees never exceed the ETH the Minter received.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  maxUint256,
  parseEther,
  type Address,
  type Hash,
} from "viem";
import { advanceRounds, deployProtocol, LPT, type TestProtocol } from "../helpers/fixture.ts";
import { makeTicket, newSenderAccount } from "../helpers/tickets.ts";
import { enterUninitializedRound, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

/** Runs per property; PROPERTY_RUNS overrides it for a quick local check or a longer soak. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 1_000);
const MAX_ACTIONS = 16;
const PPM = 1_000_000n;
/** 100 LPT minted per round (0.001% of the 10M LPT supply), against active stakes of 100 LPT and more: a reward
 *  rate of at most 1 per round, which bounds how rounding dust compounds (see DUST_BOUND_WEI). */
const INFLATION_PPB = 10_000n;
/** The largest shortfall of sum(pendingStake) below getTotalBonded(), and of fees paid and owed below fees received,
 *  that counts as rounding dust. Every floor division loses less than 1 wei and a run has at most 16 actions over 7
 *  accounts: fewer than 30 such losses. Dust left in an orchestrator's total grows at each of its rewards by the
 *  reward rate (reward / stake delegated when reward() is called): at most 1 here unless most of the stake left
 *  during the round. 10^6 wei (10^-12 LPT) is far above the few wei runs reach and far below anything that matters. */
const DUST_BOUND_WEI = 1_000_000n;

// Participants: three orchestrators and three delegators; a delegator may also bond to itself and register.
const PARTICIPANTS = 6;
const ORCHESTRATOR_CHOICES = 4; // the three orchestrators, or the first delegator's address

type Action =
  | { kind: "bond"; who: number; to: number; amount: bigint }
  | { kind: "unbond"; who: number; ppm: bigint }
  | { kind: "rebond"; who: number; lock: number }
  | { kind: "rebondFromUnbonded"; who: number; to: number; lock: number }
  | { kind: "withdrawStake"; who: number; lock: number }
  | { kind: "claimEarnings"; who: number }
  | { kind: "reward"; orchestrator: number }
  | { kind: "cuts"; orchestrator: number; rewardCutPpm: bigint; feeSharePpm: bigint }
  | { kind: "advanceRound" }
  | { kind: "enterUninitializedRound" }
  | { kind: "initializeRound" }
  | { kind: "slash"; orchestrator: number; slashPpm: bigint; finderFeePpm: bigint }
  | { kind: "fees"; orchestrator: number; faceValue: bigint }
  | { kind: "withdrawFees"; who: number; ppm: bigint };

/** The revert errors each action may meet in a random sequence. Any other revert fails the property: for instance
 *  RewardExceedsMintable from a reward would mean round-start stakes no longer add up to the round's total. */
const EXPECTED_REVERTS: Record<Action["kind"], readonly string[]> = {
  bond: ["ZeroAmount", "CurrentRoundNotInitialized"],
  unbond: ["ZeroAmount", "NotBonded", "InsufficientBond", "CurrentRoundNotInitialized"],
  rebond: ["NotBonded", "InvalidUnbondingLock", "CurrentRoundNotInitialized"],
  rebondFromUnbonded: ["AlreadyBonded", "InvalidUnbondingLock", "CurrentRoundNotInitialized"],
  withdrawStake: ["InvalidUnbondingLock", "UnbondingPeriodNotOver"],
  claimEarnings: [],
  reward: ["NotRegisteredOrchestrator", "RewardAlreadyCalled", "NotActiveOrchestrator", "CurrentRoundNotInitialized"],
  cuts: ["NotRegisteredOrchestrator", "CurrentRoundNotInitialized"],
  advanceRound: [],
  enterUninitializedRound: [],
  initializeRound: ["RoundAlreadyInitialized"],
  slash: ["CurrentRoundNotInitialized"],
  fees: ["NotRegisteredOrchestrator", "RoundNotInitialized", "UnknownCreationRound"],
  withdrawFees: [],
};

const who = fc.integer({ min: 0, max: PARTICIPANTS - 1 });
const orchestrator = fc.integer({ min: 0, max: ORCHESTRATOR_CHOICES - 1 });
const lock = fc.integer({ min: 0, max: 2 });
const ppm = fc.bigInt({ min: 0n, max: PPM });
/** Whole LPT amounts and odd wei amounts, to hit rounding. */
const lptAmount = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 1n, max: 2_000n }).map((n) => n * LPT),
  fc.bigInt({ min: 1n, max: 2_000n * LPT }),
  fc.bigInt({ min: 1n, max: 1_000n }),
);

type Weighted = { arbitrary: fc.Arbitrary<Action>; weight: number };
const weighted = (weight: number, arbitrary: fc.Arbitrary<Action>): Weighted => ({ arbitrary, weight });

/** Weighted so that a sequence of a dozen actions often bonds, unbonds, rewards and passes rounds enough for locks to
 *  mature. */
const stakeActions: Weighted[] = [
  weighted(4, fc.record({ kind: fc.constant("bond" as const), who, to: orchestrator, amount: lptAmount })),
  weighted(
    3,
    fc.record({
      kind: fc.constant("unbond" as const),
      who,
      ppm: fc.oneof(fc.constant(PPM), fc.bigInt({ min: 1n, max: PPM })), // everything, or a part
    }),
  ),
  weighted(2, fc.record({ kind: fc.constant("rebond" as const), who, lock })),
  weighted(1, fc.record({ kind: fc.constant("rebondFromUnbonded" as const), who, to: orchestrator, lock })),
  weighted(2, fc.record({ kind: fc.constant("withdrawStake" as const), who, lock })),
  weighted(1, fc.record({ kind: fc.constant("claimEarnings" as const), who })),
  weighted(3, fc.record({ kind: fc.constant("reward" as const), orchestrator })),
  weighted(1, fc.record({ kind: fc.constant("cuts" as const), orchestrator, rewardCutPpm: ppm, feeSharePpm: ppm })),
  weighted(3, fc.record({ kind: fc.constant("advanceRound" as const) })),
  weighted(1, fc.record({ kind: fc.constant("enterUninitializedRound" as const) })),
  weighted(1, fc.record({ kind: fc.constant("initializeRound" as const) })),
];
const slashAction = weighted(
  1,
  fc.record({ kind: fc.constant("slash" as const), orchestrator, slashPpm: ppm, finderFeePpm: ppm }),
);
const feeActions: Weighted[] = [
  weighted(
    3,
    fc.record({
      kind: fc.constant("fees" as const),
      orchestrator,
      faceValue: fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: parseEther("1") })),
    }),
  ),
  weighted(2, fc.record({ kind: fc.constant("withdrawFees" as const), who, ppm })),
];

const sequence = (actions: Weighted[]) => fc.array(fc.oneof(...actions), { minLength: 1, maxLength: MAX_ACTIONS });

/** The deployment every run starts from: three active orchestrators with different cuts, funded delegators. */
async function baseState() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const wallets = await testWallets(viem, 8); // the participants, the verifier and the finder
  const participants = wallets.slice(0, PARTICIPANTS).map((w) => w.account.address);
  const [verifier, finder] = wallets.slice(PARTICIPANTS).map((w) => w.account.address) as [Address, Address];
  await p.minter.write.setInflationParams([INFLATION_PPB, 0n, p.params.targetBondingRatePpb]);
  await p.bondingManager.write.setVerifier([verifier]);
  // One round of unbonding, so that short sequences also withdraw.
  await p.bondingManager.write.setUnbondingPeriod([1n]);
  for (const account of participants) {
    await p.token.write.transfer([account, 100_000n * LPT]);
    await p.token.write.approve([p.bondingManager.address, maxUint256], { account });
  }
  const cuts: [bigint, bigint][] = [
    [100_000n, 500_000n],
    [0n, 1_000_000n],
    [1_000_000n, 0n],
  ];
  for (const [i, [rewardCutPpm, feeSharePpm]] of cuts.entries()) {
    const account = participants[i]!;
    await p.bondingManager.write.bond([1_000n * LPT, account], { account });
    await p.bondingManager.write.transcoder([rewardCutPpm, feeSharePpm], { account });
  }
  // One sender with a deposit large enough for every ticket of a run.
  const sender = newSenderAccount();
  await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, parseEther("100"), 0n], {
    value: parseEther("100"),
  });
  await advanceRounds(p, 1);
  const supply = await p.token.read.totalSupply();
  return { p, participants, verifier, finder, sender, supply };
}

type Base = Awaited<ReturnType<typeof baseState>>;

/** What a run moved, counted from the calls that succeeded. */
interface Ledger {
  actions: number;
  bondedIn: bigint;
  withdrawnStake: bigint;
  feesReceived: bigint;
  feesWithdrawn: bigint;
  /** Open unbonding locks per account: lock id -> amount. */
  locks: Map<Address, Map<number, bigint>>;
  nextLockId: Map<Address, number>;
  succeeded: Map<Action["kind"], number>;
}

const errorAbi = (p: TestProtocol) => [
  ...p.bondingManager.abi,
  ...p.ticketBroker.abi,
  ...p.minter.abi,
  ...p.rounds.abi,
  ...p.token.abi,
];

/** The custom error's name from a reverted write, decoded with every protocol ABI (a TicketBroker call may revert
 *  with the BondingManager's error). */
function revertName(p: TestProtocol, error: unknown): string {
  if (!(error instanceof BaseError)) throw error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  const raw = reverted instanceof ContractFunctionRevertedError ? reverted.raw : undefined;
  if (!raw) throw error;
  return decodeErrorResult({ abi: errorAbi(p), data: raw }).errorName;
}

/** Runs `write`; a revert must be one of the action's expected errors. Returns whether the call succeeded. */
async function attempt(base: Base, kind: Action["kind"], write: () => Promise<Hash>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    const name = revertName(base.p, error);
    if (!EXPECTED_REVERTS[kind].includes(name)) throw new Error(`${kind} reverted with ${name}`, { cause: error });
    return false;
  }
}

/** Steers a lock action to an open lock when there is one (random picks would almost never match one), and to a
 *  random account and id otherwise, which exercises the reverts. */
function pickLock(ledger: Ledger, participants: Address[], who: number, lock: number): [Address, number] {
  const holders = participants.filter((a) => ledger.locks.get(a)!.size > 0);
  if (holders.length === 0) return [participants[who]!, lock];
  const account = holders[who % holders.length]!;
  const ids = [...ledger.locks.get(account)!.keys()];
  return [account, ids[lock % ids.length]!];
}

async function run(base: Base, actions: Action[]): Promise<Ledger> {
  const { p, participants } = base;
  const bm = p.bondingManager;
  const ledger: Ledger = {
    actions: actions.length,
    bondedIn: 0n,
    withdrawnStake: 0n,
    feesReceived: 0n,
    feesWithdrawn: 0n,
    locks: new Map(participants.map((a) => [a, new Map()])),
    nextLockId: new Map(participants.map((a) => [a, 0])),
    succeeded: new Map(),
  };
  const delegate = (i: number) => participants[i]!;

  for (const action of actions) {
    let ok: boolean;
    switch (action.kind) {
      case "bond": {
        const account = delegate(action.who);
        ok = await attempt(base, action.kind, () => bm.write.bond([action.amount, delegate(action.to)], { account }));
        if (ok) ledger.bondedIn += action.amount;
        break;
      }
      case "unbond": {
        const account = delegate(action.who);
        const amount = ((await bm.read.pendingStake([account])) * action.ppm) / PPM;
        ok = await attempt(base, action.kind, () => bm.write.unbond([amount], { account }));
        if (ok) {
          const id = ledger.nextLockId.get(account)!;
          ledger.nextLockId.set(account, id + 1);
          ledger.locks.get(account)!.set(id, amount);
        }
        break;
      }
      case "rebond":
      case "rebondFromUnbonded": {
        const [account, lockId] = pickLock(ledger, participants, action.who, action.lock);
        ok = await attempt(base, action.kind, () =>
          action.kind === "rebond"
            ? bm.write.rebond([BigInt(lockId)], { account })
            : bm.write.rebondFromUnbonded([delegate(action.to), BigInt(lockId)], { account }),
        );
        if (ok) ledger.locks.get(account)!.delete(lockId);
        break;
      }
      case "withdrawStake": {
        const [account, lockId] = pickLock(ledger, participants, action.who, action.lock);
        ok = await attempt(base, action.kind, () => bm.write.withdrawStake([BigInt(lockId)], { account }));
        if (ok) {
          ledger.withdrawnStake += ledger.locks.get(account)!.get(lockId)!;
          ledger.locks.get(account)!.delete(lockId);
        }
        break;
      }
      case "claimEarnings":
        ok = await attempt(base, action.kind, () => bm.write.claimEarnings({ account: delegate(action.who) }));
        break;
      case "reward":
        ok = await attempt(base, action.kind, () => bm.write.reward({ account: delegate(action.orchestrator) }));
        break;
      case "cuts":
        ok = await attempt(base, action.kind, () =>
          bm.write.transcoder([action.rewardCutPpm, action.feeSharePpm], { account: delegate(action.orchestrator) }),
        );
        break;
      case "advanceRound":
        await advanceRounds(p, 1);
        ok = true;
        break;
      case "enterUninitializedRound":
        await enterUninitializedRound(p);
        ok = true;
        break;
      case "initializeRound":
        ok = await attempt(base, action.kind, () => p.rounds.write.initializeRound());
        break;
      case "slash": {
        const orchestratorAddress = delegate(action.orchestrator);
        ok = await attempt(base, action.kind, () =>
          bm.write.slashTranscoder([orchestratorAddress, base.finder, action.slashPpm, action.finderFeePpm], {
            account: base.verifier,
          }),
        );
        break;
      }
      case "fees": {
        const recipient = delegate(action.orchestrator);
        ok = await attempt(base, action.kind, async () => {
          const t = await makeTicket(p, base.sender, { recipient, faceValue: action.faceValue });
          return p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]);
        });
        if (ok) ledger.feesReceived += action.faceValue;
        break;
      }
      case "withdrawFees": {
        const account = delegate(action.who);
        const amount = ((await bm.read.pendingFees([account])) * action.ppm) / PPM;
        ok = await attempt(base, action.kind, () => bm.write.withdrawFees([account, amount], { account }));
        if (ok) ledger.feesWithdrawn += amount;
        break;
      }
    }
    if (ok) ledger.succeeded.set(action.kind, (ledger.succeeded.get(action.kind) ?? 0) + 1);
  }
  return ledger;
}

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

/** Counts successful actions over all runs, to show the sequences reached the states that matter. */
function tally(total: Map<string, number>, ledger: Ledger) {
  for (const [kind, n] of ledger.succeeded) total.set(kind, (total.get(kind) ?? 0) + n);
}

describe("BondingManager: properties", () => {
  it("(a) conserves stake: total bonded = sum of orchestrators' totals >= sum of pendingStake, short by dust only", async () => {
    const succeeded = new Map<string, number>();
    let maxDust = 0n;
    await fc.assert(
      fc.asyncProperty(sequence([...stakeActions, slashAction]), async (actions) => {
        const base = await networkHelpers.loadFixture(baseState);
        const bm = base.p.bondingManager;
        tally(succeeded, await run(base, actions));

        const totalBonded = await bm.read.getTotalBonded();
        const delegated = sum(await Promise.all(base.participants.map((a) => bm.read.transcoderTotalStake([a]))));
        const pending = sum(await Promise.all(base.participants.map((a) => bm.read.pendingStake([a]))));
        assert.equal(totalBonded, delegated, "getTotalBonded() = sum of transcoderTotalStake");
        assert.ok(pending <= totalBonded, `sum of pendingStake ${pending} exceeds total bonded ${totalBonded}`);
        const dust = totalBonded - pending;
        assert.ok(dust <= DUST_BOUND_WEI, `sum of pendingStake is ${dust} wei short of the total bonded`);
        if (dust > maxDust) maxDust = dust;

        // The round's snapshot: the active orchestrators' round-start stakes add up to the round's total active stake
        // (what rewards are shared over), and there are as many of them as the pool size.
        if (await base.p.rounds.read.currentRoundInitialized()) {
          const active = (
            await Promise.all(base.participants.map(async (a) => ((await bm.read.isActiveTranscoder([a])) ? a : null)))
          ).filter((a): a is Address => a !== null);
          const roundStart = sum(await Promise.all(active.map((a) => bm.read.transcoderStakeAtRoundStart([a]))));
          assert.equal(roundStart, await bm.read.currentRoundTotalActiveStake(), "round-start stakes = total active stake");
          assert.equal(BigInt(active.length), await bm.read.getTranscoderPoolSize(), "active orchestrators = pool size");
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`    largest dust seen: ${maxDust} wei; successful actions:`, Object.fromEntries(succeeded));
  });

  it("(b) pays out no more LPT than bonded in and minted, and no more ETH than the Minter received", async () => {
    const succeeded = new Map<string, number>();
    let maxFeeDust = 0n;
    await fc.assert(
      fc.asyncProperty(sequence([...stakeActions, ...feeActions]), async (actions) => {
        const base = await networkHelpers.loadFixture(baseState);
        const { p, participants } = base;
        const bm = p.bondingManager;
        const client = await viem.getPublicClient();
        const bondedBefore = await bm.read.getTotalBonded();
        const minterEthBefore = await client.getBalance({ address: p.minter.address });
        const ledger = await run(base, actions);
        tally(succeeded, ledger);

        // LPT: what the accounts hold in the BondingManager, staked or unbonding, plus what they took out, against
        // what they put in plus what the Minter minted.
        const minted = (await p.token.read.totalSupply()) - base.supply;
        const pendingStake = sum(await Promise.all(participants.map((a) => bm.read.pendingStake([a]))));
        const unbonding = sum([...ledger.locks.values()].flatMap((locks) => [...locks.values()]));
        const owedAndPaid = pendingStake + unbonding + ledger.withdrawnStake;
        assert.ok(
          owedAndPaid <= bondedBefore + ledger.bondedIn + minted,
          `LPT owed and paid ${owedAndPaid} exceeds bonded in ${bondedBefore + ledger.bondedIn} + minted ${minted}`,
        );
        assert.equal(
          await p.token.read.balanceOf([bm.address]),
          bondedBefore + ledger.bondedIn + minted - ledger.withdrawnStake,
          "the BondingManager holds exactly what came in less what went out",
        );

        // ETH: fees owed and paid against the fees the Minter received.
        const pendingFees = sum(await Promise.all(participants.map((a) => bm.read.pendingFees([a]))));
        const feesOwedAndPaid = pendingFees + ledger.feesWithdrawn;
        assert.ok(
          feesOwedAndPaid <= ledger.feesReceived,
          `fees owed and paid ${feesOwedAndPaid} exceed fees received ${ledger.feesReceived}`,
        );
        assert.ok(ledger.feesReceived - feesOwedAndPaid <= DUST_BOUND_WEI, "fees lost beyond rounding dust");
        assert.equal(
          await client.getBalance({ address: p.minter.address }),
          minterEthBefore + ledger.feesReceived - ledger.feesWithdrawn,
          "the Minter holds exactly the fees received less those withdrawn",
        );
        const feeDust = ledger.feesReceived - feesOwedAndPaid;
        if (feeDust > maxFeeDust) maxFeeDust = feeDust;
      }),
      { numRuns: RUNS },
    );
    console.log(`    largest fee dust seen: ${maxFeeDust} wei; successful actions:`, Object.fromEntries(succeeded));
  });
});
