// One orchestrator's history, round by round, rebuilt from the BondingManager's events: total stake at each round's
// end, LPT minted by its reward calls, ETH fees, cut changes and slashes. What the orchestrator page charts.
import type { Address, PublicClient } from "viem";
import type { Deployments } from "../chain/deployments.ts";
import { initializedRounds, readStakingEvents, roundAtBlock, type BondingLog, type StakingEvents } from "./events.ts";

/** One round of an orchestrator's history. */
export interface HistoryRound {
  round: bigint;
  /** Total stake bonded to it at the end of the round (at the snapshot block for the current round), LPT wei. */
  stakeWei: bigint;
  /** LPT its reward() call minted in the round (0n when it made none). */
  rewardWei: bigint;
  rewardCalled: boolean;
  /** ETH fees credited to it for tickets of this round, and the part passed to delegators. */
  feesWei: bigint;
  delegatorsFeesWei: bigint;
}

export type CutEvent =
  | { kind: "set"; round: bigint; blockNumber: bigint; rewardCutPpm: bigint; feeSharePpm: bigint }
  | { kind: "announced"; round: bigint; blockNumber: bigint; rewardCutPpm: bigint; feeSharePpm: bigint; effectiveRound: bigint }
  | { kind: "took-effect"; round: bigint; blockNumber: bigint; rewardCutPpm: bigint; feeSharePpm: bigint; effectiveRound: bigint }
  | { kind: "cancelled"; round: bigint; blockNumber: bigint };

export interface SlashEvent {
  round: bigint;
  blockNumber: bigint;
  finder: Address;
  penaltyWei: bigint;
  finderRewardWei: bigint;
}

export interface OrchestratorHistory {
  address: Address;
  /** Consecutive rounds from its first stake event (or fromRound) to the current round. */
  rounds: HistoryRound[];
  cutEvents: CutEvent[];
  slashes: SlashEvent[];
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The change a log makes to `orchestrator`'s total stake (its delegatedAmount), which only these change: a bond to it
 * (a moved bond arrives whole), a bond moved away, an unbond or rebond, its reward, a slash of its own bond.
 */
export function stakeDelta(log: BondingLog, orchestrator: Address): bigint {
  switch (log.eventName) {
    case "Bond": {
      const { newDelegate, oldDelegate, additionalAmount, bondedAmount } = log.args;
      const moving = !same(oldDelegate, "0x0000000000000000000000000000000000000000") && !same(oldDelegate, newDelegate);
      // bondedAmount is the delegator's whole bond afterwards; when moving, all of it but the new amount came along.
      if (same(newDelegate, orchestrator)) return moving ? bondedAmount : additionalAmount;
      if (moving && same(oldDelegate, orchestrator)) return -(bondedAmount - additionalAmount);
      return 0n;
    }
    case "Unbond":
      return same(log.args.delegate, orchestrator) ? -log.args.amount : 0n;
    case "Rebond":
      return same(log.args.delegate, orchestrator) ? log.args.amount : 0n;
    case "Reward":
      return same(log.args.transcoder, orchestrator) ? log.args.amount : 0n;
    case "TranscoderSlashed":
      return same(log.args.transcoder, orchestrator) ? -log.args.penalty : 0n;
    default:
      return 0n;
  }
}

/**
 * Folds the events into per-round points for `orchestrator`, up to `currentRound`. Pure: events in chain order.
 * @param fromRound first round to list (default: the round of its first stake event)
 */
export function buildOrchestratorHistory(
  events: Pick<StakingEvents, "bonding" | "newRounds">,
  orchestrator: Address,
  currentRound: bigint,
  fromRound?: bigint,
): OrchestratorHistory {
  const roundOf = roundAtBlock(initializedRounds(events.newRounds));
  // Logs that carry no round happen in an initialized round; one before any NewRound belongs to round 0.
  const blockRound = (block: bigint) => roundOf(block) ?? 0n;
  const perRound = new Map<bigint, { delta: bigint; rewardWei: bigint; rewardCalled: boolean; feesWei: bigint; delegatorsFeesWei: bigint }>();
  const at = (round: bigint) => {
    let p = perRound.get(round);
    if (!p) perRound.set(round, (p = { delta: 0n, rewardWei: 0n, rewardCalled: false, feesWei: 0n, delegatorsFeesWei: 0n }));
    return p;
  };
  const cutEvents: CutEvent[] = [];
  const slashes: SlashEvent[] = [];
  let firstRound: bigint | undefined;

  for (const log of events.bonding) {
    const delta = stakeDelta(log, orchestrator);
    // Reward carries its round; for the others the block's round is exact (stake changes need it initialized).
    const round = log.eventName === "Reward" ? log.args.round : blockRound(log.blockNumber);
    if (delta !== 0n) {
      at(round).delta += delta;
      firstRound ??= round;
    }
    if (log.eventName === "Reward" && same(log.args.transcoder, orchestrator)) {
      const p = at(round);
      p.rewardWei += log.args.amount;
      p.rewardCalled = true;
    } else if (log.eventName === "TranscoderFees" && same(log.args.transcoder, orchestrator)) {
      // Fees are booked to the round of the tickets, which is what a fee-per-round chart means.
      const p = at(log.args.round);
      p.feesWei += log.args.fees;
      p.delegatorsFeesWei += log.args.delegatorsFees;
    } else if (log.eventName === "TranscoderUpdate" && same(log.args.transcoder, orchestrator)) {
      cutEvents.push({ kind: "set", round, blockNumber: log.blockNumber, rewardCutPpm: log.args.rewardCut, feeSharePpm: log.args.feeShare });
    } else if (log.eventName === "CutChangeAnnounced" && same(log.args.transcoder, orchestrator)) {
      const { rewardCut, feeShare, effectiveRound } = log.args;
      cutEvents.push({ kind: "announced", round, blockNumber: log.blockNumber, rewardCutPpm: rewardCut, feeSharePpm: feeShare, effectiveRound });
    } else if (log.eventName === "CutChangeTookEffect" && same(log.args.transcoder, orchestrator)) {
      const { rewardCut, feeShare, effectiveRound } = log.args;
      cutEvents.push({ kind: "took-effect", round, blockNumber: log.blockNumber, rewardCutPpm: rewardCut, feeSharePpm: feeShare, effectiveRound });
    } else if (log.eventName === "CutChangeCancelled" && same(log.args.transcoder, orchestrator)) {
      cutEvents.push({ kind: "cancelled", round, blockNumber: log.blockNumber });
    } else if (log.eventName === "TranscoderSlashed" && same(log.args.transcoder, orchestrator)) {
      slashes.push({ round, blockNumber: log.blockNumber, finder: log.args.finder, penaltyWei: log.args.penalty, finderRewardWei: log.args.finderReward });
    }
  }

  const start = fromRound ?? firstRound ?? currentRound;
  const rounds: HistoryRound[] = [];
  let stakeWei = 0n;
  // Stake changes before the first listed round still count toward its starting stake.
  for (const [round, p] of perRound) if (round < start) stakeWei += p.delta;
  for (let round = start; round <= currentRound; round++) {
    const p = perRound.get(round);
    stakeWei += p?.delta ?? 0n;
    rounds.push({ round, stakeWei, rewardWei: p?.rewardWei ?? 0n, rewardCalled: p?.rewardCalled ?? false, feesWei: p?.feesWei ?? 0n, delegatorsFeesWei: p?.delegatorsFeesWei ?? 0n });
  }
  return { address: orchestrator, rounds, cutEvents, slashes };
}

/**
 * Reads the events (unless given) and builds `orchestrator`'s history up to `currentRound`.
 * @throws StakingEventsUnreadable
 */
export async function readOrchestratorHistory(
  client: Pick<PublicClient, "getContractEvents" | "getBlockNumber">,
  deployments: Pick<Deployments, "contracts" | "deployedAtBlock">,
  orchestrator: Address,
  currentRound: bigint,
  options: { events?: StakingEvents; fromRound?: bigint } = {},
): Promise<OrchestratorHistory> {
  const events = options.events ?? (await readStakingEvents(client, deployments));
  return buildOrchestratorHistory(events, orchestrator, currentRound, options.fromRound);
}
