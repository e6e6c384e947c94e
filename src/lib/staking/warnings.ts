// What a delegator should be warned of before bonding to (or staying with) an orchestrator: an announced cut change
// that is worse for delegators, missed reward calls, slashes, and not earning at all. Named kinds, plain words.
import { formatUnits } from "viem";
import type { OrchestratorRow } from "./orchestrators.ts";

export type DelegatorWarning =
  | {
      kind: "worse-cut-announced";
      text: string;
      rewardCutPpm: bigint;
      feeSharePpm: bigint;
      effectiveRound: bigint;
      /** Rounds left before it applies (1 or more). */
      roundsLeft: bigint;
    }
  | { kind: "missed-reward-calls"; text: string; missed: number; due: number; sinceRound: bigint }
  | { kind: "slashed"; text: string; count: number; penaltyTotalWei: bigint }
  | { kind: "not-active"; text: string; registered: boolean };

export type DelegatorWarningKind = DelegatorWarning["kind"];

/** A ppm value as a percentage with up to 4 decimals (100000 → "10%"). */
export function ppmAsPercent(ppm: bigint): string {
  const whole = ppm / 10_000n;
  const fraction = (ppm % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
  return fraction === "" ? `${whole}%` : `${whole}.${fraction}%`;
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${BigInt(n) === 1n ? one : many}`;
}

/** The warnings for `row`, most urgent first: an announced worse cut, slashes, missed reward calls, not active. */
export function delegatorWarnings(row: OrchestratorRow, currentRound: bigint): DelegatorWarning[] {
  const warnings: DelegatorWarning[] = [];
  const cut = row.pendingCut;
  // From its effective round on the change is in force (the contract applies it), so it is no longer a warning of it.
  if (cut && cut.worseForDelegators && cut.effectiveRound > currentRound) {
    const roundsLeft = cut.effectiveRound - currentRound;
    const changes: string[] = [];
    if (cut.rewardCutPpm !== row.rewardCutPpm) changes.push(`its reward cut rises from ${ppmAsPercent(row.rewardCutPpm)} to ${ppmAsPercent(cut.rewardCutPpm)}`);
    if (cut.feeSharePpm !== row.feeSharePpm) changes.push(`the fee share it passes on falls from ${ppmAsPercent(row.feeSharePpm)} to ${ppmAsPercent(cut.feeSharePpm)}`);
    const when = `in ${plural(roundsLeft, "round", "rounds")}`;
    warnings.push({
      kind: "worse-cut-announced",
      text:
        `Worse terms announced: from round ${cut.effectiveRound} (${when}) ${changes.join(" and ")}. ` +
        "Delegators who do not want them can unbond or move their stake before then.",
      rewardCutPpm: cut.rewardCutPpm,
      feeSharePpm: cut.feeSharePpm,
      effectiveRound: cut.effectiveRound,
      roundsLeft,
    });
  }
  if (row.slashes.count > 0) {
    warnings.push({
      kind: "slashed",
      text:
        `Slashed ${plural(row.slashes.count, "time", "times")} for faulty work (${formatUnits(row.slashes.penaltyTotal, 18)} LPT of its own bond taken). ` +
        "A slash takes from the orchestrator's own stake; it says the work it was paid for was found faulty.",
      count: row.slashes.count,
      penaltyTotalWei: row.slashes.penaltyTotal,
    });
  }
  const calls = row.rewardCalls;
  if (calls.missed > 0) {
    warnings.push({
      kind: "missed-reward-calls",
      text:
        `Missed ${calls.missed} of ${plural(calls.due, "reward call", "reward calls")} due since round ${calls.sinceRound}: ` +
        "its delegators earned no LPT in those rounds.",
      missed: calls.missed,
      due: calls.due,
      sinceRound: calls.sinceRound,
    });
  }
  if (!row.active) {
    warnings.push({
      kind: "not-active",
      text: row.registered
        ? "Not in the active set this round: it earns no rewards until its stake reaches the minimum and a new round starts."
        : "Not registered (it has no bond to itself): stake bonded to it earns nothing.",
      registered: row.registered,
    });
  }
  return warnings;
}
