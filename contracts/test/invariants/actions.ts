// The actions the invariant suite draws, as plain records with fast-check arbitraries, weighted so that a sequence of a
// few hundred reaches the states that matter: matured locks, rewards in many rounds, drained deposits, reserve claims,
// unlocks that complete, slashes.
import fc from "fast-check";
import { parseEther } from "viem";
import { LPT } from "../helpers/fixture.ts";

export const PPM = 1_000_000n;
/** Stakers (3 orchestrators, 3 delegators), bond targets (the orchestrators and delegator 0), senders. */
export const STAKERS = 6;
export const BOND_TARGETS = 4;
export const SENDERS = 2;

export type Action =
  | { kind: "bond"; who: number; to: number; amount: bigint }
  | { kind: "moveStake"; who: number; to: number }
  | { kind: "unbond"; who: number; ppm: bigint }
  | { kind: "rebond"; pick: number }
  | { kind: "rebondFromUnbonded"; pick: number; to: number }
  | { kind: "withdrawStake"; pick: number }
  | { kind: "claimEarnings"; who: number }
  | { kind: "cuts"; who: number; rewardCutPpm: bigint; feeSharePpm: bigint }
  | { kind: "reward"; who: number }
  | { kind: "newRound" }
  | { kind: "enterUninitializedRound" }
  | { kind: "initializeRound" }
  | { kind: "mineBlocks"; blocks: number }
  | { kind: "withdrawFees"; who: number; ppm: bigint }
  | { kind: "overWithdrawFees"; who: number }
  | { kind: "fundDeposit"; sender: number; amount: bigint }
  | { kind: "fundReserve"; sender: number; amount: bigint }
  | { kind: "fundFor"; sender: number; deposit: bigint; reserve: bigint }
  | { kind: "redeemNew"; sender: number; to: number; faceValue: bigint }
  | { kind: "signForLater"; sender: number; to: number; faceValue: bigint }
  | { kind: "redeemSigned"; pick: number }
  | { kind: "replay"; pick: number }
  | { kind: "batch"; sender: number; to: number; faceValues: bigint[]; replays: number }
  | { kind: "unlock"; sender: number }
  | { kind: "cancelUnlock"; sender: number }
  | { kind: "withdraw"; sender: number }
  | { kind: "slash"; who: number; faulty: boolean }
  | { kind: "challenge"; who: number }
  | { kind: "verdict"; pick: number; faulty: boolean }
  | { kind: "setMinActiveStake"; amount: bigint }
  | { kind: "refreshActivation"; who: number }
  | { kind: "setUnbondingPeriod"; rounds: bigint }
  | { kind: "setTicketPeriods"; unlockRounds: bigint; validityRounds: bigint };

export type ActionKind = Action["kind"];

const staker = fc.integer({ min: 0, max: STAKERS - 1 });
const target = fc.integer({ min: 0, max: BOND_TARGETS - 1 });
const sender = fc.integer({ min: 0, max: SENDERS - 1 });
/** Mostly the three registered orchestrators; now and then delegator 0, registered only if it bonded to itself. */
const orchestrator = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constant(3) });
const pick = fc.nat({ max: 1_000 });
/** A part of a stake or fee balance, now and then all of it (a whole unbond unregisters an orchestrator: not too often). */
const ppm = fc.oneof({ weight: 1, arbitrary: fc.constant(PPM) }, { weight: 6, arbitrary: fc.bigInt({ min: 1n, max: PPM }) });
/** Whole LPT, odd wei amounts (rounding) and a few wei. */
const lpt = fc.oneof(
  fc.bigInt({ min: 1n, max: 2_000n }).map((n) => n * LPT),
  fc.bigInt({ min: 1n, max: 2_000n * LPT }),
  fc.bigInt({ min: 0n, max: 1_000n }),
);
/** Face values from dust to more than a whole deposit and reserve, so tickets drain deposits and claim reserves. */
const faceValue = fc.oneof(
  fc.bigInt({ min: 1n, max: 1_000n }),
  fc.bigInt({ min: 1n, max: parseEther("0.5") }),
  fc.bigInt({ min: parseEther("0.5"), max: parseEther("4") }),
);
const eth = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: parseEther("2") }));

const w = <A extends Action>(weight: number, arbitrary: fc.Arbitrary<A>) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<Action> });
const k = <K extends ActionKind>(kind: K) => fc.constant(kind);

/** Every action with its weight. */
export const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  w(5, fc.record({ kind: k("bond"), who: staker, to: target, amount: lpt })),
  w(1, fc.record({ kind: k("moveStake"), who: staker, to: target })),
  w(4, fc.record({ kind: k("unbond"), who: staker, ppm })),
  w(2, fc.record({ kind: k("rebond"), pick })),
  w(1, fc.record({ kind: k("rebondFromUnbonded"), pick, to: target })),
  w(3, fc.record({ kind: k("withdrawStake"), pick })),
  w(1, fc.record({ kind: k("claimEarnings"), who: staker })),
  w(1, fc.record({ kind: k("cuts"), who: orchestrator, rewardCutPpm: fc.bigInt({ min: 0n, max: PPM }), feeSharePpm: fc.bigInt({ min: 0n, max: PPM }) })),
  w(4, fc.record({ kind: k("reward"), who: orchestrator })),
  w(4, fc.record({ kind: k("newRound") })),
  w(1, fc.record({ kind: k("enterUninitializedRound") })),
  w(1, fc.record({ kind: k("initializeRound") })),
  w(1, fc.record({ kind: k("mineBlocks"), blocks: fc.integer({ min: 1, max: 50 }) })),
  w(3, fc.record({ kind: k("withdrawFees"), who: staker, ppm })),
  w(1, fc.record({ kind: k("overWithdrawFees"), who: staker })),
  w(2, fc.record({ kind: k("fundDeposit"), sender, amount: eth })),
  w(2, fc.record({ kind: k("fundReserve"), sender, amount: eth })),
  w(1, fc.record({ kind: k("fundFor"), sender, deposit: eth, reserve: eth })),
  w(6, fc.record({ kind: k("redeemNew"), sender, to: orchestrator, faceValue })),
  w(2, fc.record({ kind: k("signForLater"), sender, to: orchestrator, faceValue })),
  w(2, fc.record({ kind: k("redeemSigned"), pick })),
  w(2, fc.record({ kind: k("replay"), pick })),
  w(2, fc.record({ kind: k("batch"), sender, to: orchestrator, faceValues: fc.array(faceValue, { minLength: 1, maxLength: 4 }), replays: fc.integer({ min: 0, max: 2 }) })),
  w(2, fc.record({ kind: k("unlock"), sender })),
  w(1, fc.record({ kind: k("cancelUnlock"), sender })),
  w(2, fc.record({ kind: k("withdraw"), sender })),
  w(1, fc.record({ kind: k("slash"), who: orchestrator, faulty: fc.boolean() })),
  w(1, fc.record({ kind: k("challenge"), who: orchestrator })),
  w(1, fc.record({ kind: k("verdict"), pick, faulty: fc.boolean() })),
  w(1, fc.record({ kind: k("setMinActiveStake"), amount: fc.bigInt({ min: 1n, max: 1_500n }).map((n) => n * LPT) })),
  w(1, fc.record({ kind: k("refreshActivation"), who: orchestrator })),
  w(1, fc.record({ kind: k("setUnbondingPeriod"), rounds: fc.bigInt({ min: 1n, max: 4n }) })),
  w(1, fc.record({ kind: k("setTicketPeriods"), unlockRounds: fc.bigInt({ min: 2n, max: 5n }), validityRounds: fc.bigInt({ min: 1n, max: 4n }) })),
);

/** One line per action for a failing sequence's report (bigints as decimal). */
export function describeAction(a: Action): string {
  return JSON.stringify(a, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
