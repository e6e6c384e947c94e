// Specs for the per-round history rebuilt from events: each event's effect on an orchestrator's total stake, the
// stake after any sequence of bonds, moves, unbonds, rebonds, rewards and slashes, and what lands in which round.
import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { buildOrchestratorHistory, stakeDelta } from "./history.ts";
import { DELEGATOR, log, newRound, ORCH_A, ORCH_B, ZERO } from "./test-rows.ts";
import type { BondingLog } from "./events.ts";

describe("stakeDelta", () => {
  it("adds a new bond and a top-up by their amount", () => {
    const first = log("Bond", { newDelegate: ORCH_A, oldDelegate: ZERO, delegator: DELEGATOR, additionalAmount: 50n, bondedAmount: 50n });
    const topUp = log("Bond", { newDelegate: ORCH_A, oldDelegate: ORCH_A, delegator: DELEGATOR, additionalAmount: 20n, bondedAmount: 70n });
    expect([stakeDelta(first, ORCH_A), stakeDelta(topUp, ORCH_A), stakeDelta(first, ORCH_B)]).toEqual([50n, 20n, 0n]);
  });
  it("moves a whole bond from the old delegate to the new one, with any added amount", () => {
    const move = log("Bond", { newDelegate: ORCH_B, oldDelegate: ORCH_A, delegator: DELEGATOR, additionalAmount: 5n, bondedAmount: 75n });
    expect([stakeDelta(move, ORCH_A), stakeDelta(move, ORCH_B)]).toEqual([-70n, 75n]);
  });
  it("takes unbonds and slashes away and adds rebonds and rewards", () => {
    expect(stakeDelta(log("Unbond", { delegate: ORCH_A, delegator: DELEGATOR, unbondingLockId: 0n, amount: 7n, withdrawRound: 9n }), ORCH_A)).toBe(-7n);
    expect(stakeDelta(log("Rebond", { delegate: ORCH_A, delegator: DELEGATOR, unbondingLockId: 0n, amount: 7n }), ORCH_A)).toBe(7n);
    expect(stakeDelta(log("Reward", { transcoder: ORCH_A, amount: 3n, round: 4n }), ORCH_A)).toBe(3n);
    expect(stakeDelta(log("TranscoderSlashed", { transcoder: ORCH_A, finder: DELEGATOR, penalty: 4n, finderReward: 2n }), ORCH_A)).toBe(-4n);
  });
});

type Action =
  | { kind: "bond"; delegator: number; to: number; amount: bigint }
  | { kind: "unbond"; delegator: number; share: number }
  | { kind: "reward"; to: number; amount: bigint }
  | { kind: "slash"; of: number; share: number };

const ORCHESTRATORS: Address[] = [ORCH_A, ORCH_B, "0x00000000000000000000000000000000000000C3"];
const DELEGATORS: Address[] = ["0x00000000000000000000000000000000000000D1", "0x00000000000000000000000000000000000000D2"];

/** Plays `actions` on a model of the BondingManager's delegatedAmount and emits the events the contract would. */
function play(actions: Action[]): { logs: BondingLog[]; stakes: bigint[] } {
  const stakes = ORCHESTRATORS.map(() => 0n);
  const bonds = DELEGATORS.map(() => ({ to: -1, amount: 0n }));
  const logs: BondingLog[] = [];
  for (const a of actions) {
    if (a.kind === "bond") {
      const d = bonds[a.delegator]!;
      const old = d.to;
      if (old !== -1 && old !== a.to) stakes[old]! -= d.amount;
      stakes[a.to]! += old === a.to ? a.amount : d.amount + a.amount;
      d.to = a.to;
      d.amount += a.amount;
      logs.push(log("Bond", { newDelegate: ORCHESTRATORS[a.to]!, oldDelegate: old === -1 ? ZERO : ORCHESTRATORS[old]!, delegator: DELEGATORS[a.delegator]!, additionalAmount: a.amount, bondedAmount: d.amount }));
    } else if (a.kind === "unbond") {
      const d = bonds[a.delegator]!;
      if (d.to === -1) continue;
      const amount = (d.amount * BigInt(a.share)) / 100n;
      stakes[d.to]! -= amount;
      d.amount -= amount;
      logs.push(log("Unbond", { delegate: ORCHESTRATORS[d.to]!, delegator: DELEGATORS[a.delegator]!, unbondingLockId: 0n, amount, withdrawRound: 9n }));
    } else if (a.kind === "reward") {
      stakes[a.to]! += a.amount;
      logs.push(log("Reward", { transcoder: ORCHESTRATORS[a.to]!, amount: a.amount, round: 1n }));
    } else {
      const penalty = (stakes[a.of]! * BigInt(a.share)) / 100n;
      stakes[a.of]! -= penalty;
      logs.push(log("TranscoderSlashed", { transcoder: ORCHESTRATORS[a.of]!, finder: ZERO, penalty, finderReward: 0n }));
    }
  }
  return { logs, stakes };
}

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("bond" as const), delegator: fc.integer({ min: 0, max: 1 }), to: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 0n, max: 10n ** 21n }) }),
  fc.record({ kind: fc.constant("unbond" as const), delegator: fc.integer({ min: 0, max: 1 }), share: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ kind: fc.constant("reward" as const), to: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 0n, max: 10n ** 18n }) }),
  fc.record({ kind: fc.constant("slash" as const), of: fc.integer({ min: 0, max: 2 }), share: fc.integer({ min: 0, max: 100 }) }),
);

describe("buildOrchestratorHistory", () => {
  it("ends at each orchestrator's stake after any sequence of bonds, moves, unbonds, rewards and slashes", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const { logs, stakes } = play(actions);
        for (const [i, o] of ORCHESTRATORS.entries()) {
          const history = buildOrchestratorHistory({ bonding: logs, newRounds: [newRound(1n, 0n)] }, o, 1n, 1n);
          expect(history.rounds.at(-1)!.stakeWei).toBe(stakes[i]);
        }
      }),
    );
  });

  it("lists every round from the first stake to the current one, with each round's reward, fees and stake", () => {
    const events = {
      newRounds: [newRound(2n, 200n), newRound(3n, 300n), newRound(5n, 500n)],
      bonding: [
        log("Bond", { newDelegate: ORCH_A, oldDelegate: ZERO, delegator: ORCH_A, additionalAmount: 100n, bondedAmount: 100n }, 201n),
        log("Reward", { transcoder: ORCH_A, amount: 10n, round: 3n }, 301n),
        // Fees for round-3 tickets redeemed in round 5 count in round 3.
        log("TranscoderFees", { transcoder: ORCH_A, fees: 8n, delegatorsFees: 4n, round: 3n }, 502n),
        log("Unbond", { delegate: ORCH_A, delegator: ORCH_A, unbondingLockId: 0n, amount: 30n, withdrawRound: 7n }, 503n),
      ],
    };
    const history = buildOrchestratorHistory(events, ORCH_A, 6n);
    expect(history.rounds).toEqual([
      { round: 2n, stakeWei: 100n, rewardWei: 0n, rewardCalled: false, feesWei: 0n, delegatorsFeesWei: 0n },
      { round: 3n, stakeWei: 110n, rewardWei: 10n, rewardCalled: true, feesWei: 8n, delegatorsFeesWei: 4n },
      { round: 4n, stakeWei: 110n, rewardWei: 0n, rewardCalled: false, feesWei: 0n, delegatorsFeesWei: 0n },
      { round: 5n, stakeWei: 80n, rewardWei: 0n, rewardCalled: false, feesWei: 0n, delegatorsFeesWei: 0n },
      { round: 6n, stakeWei: 80n, rewardWei: 0n, rewardCalled: false, feesWei: 0n, delegatorsFeesWei: 0n },
    ]);
    // Starting later keeps the earlier stake in the first listed round.
    expect(buildOrchestratorHistory(events, ORCH_A, 6n, 4n).rounds[0]).toMatchObject({ round: 4n, stakeWei: 110n });
  });

  it("records cut changes and slashes in the round of their block", () => {
    const events = {
      newRounds: [newRound(4n, 400n)],
      bonding: [
        log("TranscoderUpdate", { transcoder: ORCH_A, rewardCut: 1n, feeShare: 2n }, 401n),
        log("CutChangeAnnounced", { transcoder: ORCH_A, rewardCut: 5n, feeShare: 1n, effectiveRound: 6n }, 402n),
        log("CutChangeCancelled", { transcoder: ORCH_A }, 403n),
        log("CutChangeAnnounced", { transcoder: ORCH_B, rewardCut: 9n, feeShare: 0n, effectiveRound: 6n }, 404n),
        log("TranscoderSlashed", { transcoder: ORCH_A, finder: DELEGATOR, penalty: 6n, finderReward: 3n }, 405n),
      ],
    };
    const history = buildOrchestratorHistory(events, ORCH_A, 4n);
    expect(history.cutEvents.map((e) => e.kind)).toEqual(["set", "announced", "cancelled"]);
    expect(history.cutEvents[1]).toEqual({ kind: "announced", round: 4n, blockNumber: 402n, rewardCutPpm: 5n, feeSharePpm: 1n, effectiveRound: 6n });
    expect(history.slashes).toEqual([{ round: 4n, blockNumber: 405n, finder: DELEGATOR, penaltyWei: 6n, finderRewardWei: 3n }]);
  });
});
