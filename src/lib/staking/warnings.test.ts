// Specs for the warnings a delegator sees: announced worse cuts, slashes, missed reward calls, not being active.
import { describe, expect, it } from "vitest";
import { delegatorWarnings, ppmAsPercent } from "./warnings.ts";
import { row } from "./test-rows.ts";

describe("delegatorWarnings", () => {
  it("says nothing about a healthy active orchestrator", () => {
    expect(delegatorWarnings(row(), 11n)).toEqual([]);
  });

  it("warns of an announced worse cut with its effective round and the rounds left", () => {
    const r = row({ rewardCutPpm: 100_000n, feeSharePpm: 500_000n, pendingCut: { rewardCutPpm: 250_000n, feeSharePpm: 500_000n, effectiveRound: 14n, worseForDelegators: true } });
    const [w] = delegatorWarnings(r, 11n);
    expect(w).toMatchObject({ kind: "worse-cut-announced", rewardCutPpm: 250_000n, effectiveRound: 14n, roundsLeft: 3n });
    expect(w?.text).toBe(
      "Worse terms announced: from round 14 (in 3 rounds) its reward cut rises from 10% to 25%. " +
        "Delegators who do not want them can unbond or move their stake before then.",
    );
  });

  it("drops the cut warning once its round has come, and ignores a change that is not worse", () => {
    const pendingCut = { rewardCutPpm: 250_000n, feeSharePpm: 500_000n, effectiveRound: 14n, worseForDelegators: true };
    expect(delegatorWarnings(row({ pendingCut }), 14n)).toEqual([]);
    expect(delegatorWarnings(row({ pendingCut: { ...pendingCut, worseForDelegators: false } }), 11n)).toEqual([]);
  });

  it("warns of missed reward calls and of slashes, the slash first", () => {
    const r = row({ rewardCalls: { made: 3, missed: 2, due: 5, sinceRound: 6n, throughRound: 10n, calledThisRound: false }, slashes: { count: 1, penaltyTotal: 5n * 10n ** 17n } });
    const warnings = delegatorWarnings(r, 11n);
    expect(warnings.map((w) => w.kind)).toEqual(["slashed", "missed-reward-calls"]);
    expect(warnings[0]?.text).toContain("Slashed 1 time for faulty work (0.5 LPT of its own bond taken)");
    expect(warnings[1]?.text).toBe("Missed 2 of 5 reward calls due since round 6: its delegators earned no LPT in those rounds.");
  });

  it("warns that stake on an inactive or unregistered orchestrator earns no rewards", () => {
    expect(delegatorWarnings(row({ active: false }), 11n)).toMatchObject([{ kind: "not-active", registered: true }]);
    expect(delegatorWarnings(row({ active: false, registered: false }), 11n)[0]?.text).toMatch(/^Not registered/);
  });
});

describe("ppmAsPercent", () => {
  it("writes ppm as a percentage without trailing zeros", () => {
    expect(ppmAsPercent(100_000n)).toBe("10%");
    expect(ppmAsPercent(125_500n)).toBe("12.55%");
    expect(ppmAsPercent(1n)).toBe("0.0001%");
    expect(ppmAsPercent(1_000_000n)).toBe("100%");
  });
});
