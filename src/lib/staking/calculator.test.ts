// Specs for the staking calculator: the formula on numbers worked by hand, the split that always adds up, the active
// set's threshold, and the Minter's inflation step.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectedEarningsPerRound, feesPerRoundWei, InvalidCalculatorInput, nextInflationPpb, type CalculatorInputs } from "./calculator.ts";

const LPT = 10n ** 18n;

/** Supply 1,000,000 LPT, 40% bonded (below the 50% target: inflation steps up from 1000 to 1500 ppb). */
const inputs = (overrides: Partial<CalculatorInputs> = {}): CalculatorInputs => ({
  round: 11n,
  orchestratorStakeWei: 9_000n * LPT,
  registered: true,
  rewardCutPpm: 100_000n,
  feeSharePpm: 500_000n,
  nextRoundTotalActiveStakeWei: 99_000n * LPT,
  minActiveStakeWei: 100n * LPT,
  totalSupplyWei: 1_000_000n * LPT,
  totalBondedWei: 400_000n * LPT,
  inflationPpb: 1_000n,
  inflationChangePpb: 500n,
  targetBondingRatePpb: 500_000_000n,
  feesWeiPerRound: 10n ** 16n,
  ...overrides,
});

describe("expectedEarningsPerRound", () => {
  it("works out a bond of 1000 LPT on numbers checked by hand", () => {
    const e = expectedEarningsPerRound(inputs(), 1_000n * LPT);
    // M = 1e6 LPT * 1500 / 1e9 = 1.5 LPT; S = 10,000; T = 100,000; reward = 0.15 LPT; cut 10% = 0.015; pool 0.135.
    expect(e.mintableWei).toBe(15n * LPT / 10n);
    expect([e.orchestratorStakeWei, e.totalActiveStakeWei]).toEqual([10_000n * LPT, 100_000n * LPT]);
    expect(e.rewardWei).toBe(15n * LPT / 100n);
    expect(e.orchestratorRewardCutWei).toBe(15n * LPT / 1000n);
    // Yours: a tenth of the pool = 0.0135 LPT; fees 0.01 ETH, half to delegators, a tenth of that = 0.0005 ETH.
    expect(e.yourLptWei).toBe(135n * LPT / 10_000n);
    expect(e.yourEthWei).toBe(5n * 10n ** 14n);
    expect(e.orchestratorFeeCutWei).toBe(5n * 10n ** 15n);
    expect(e).toMatchObject({ round: 11n, active: true });
  });

  it("leaves stakes and totals as read for an amount already bonded there", () => {
    const e = expectedEarningsPerRound(inputs({ orchestratorStakeWei: 10_000n * LPT, nextRoundTotalActiveStakeWei: 100_000n * LPT, totalBondedWei: 401_000n * LPT }), 1_000n * LPT, { bondedAlready: true });
    expect(e.yourLptWei).toBe(135n * LPT / 10_000n);
  });

  it("pays no LPT on an orchestrator outside the active set, and adds one the bond lifts over the minimum to the total", () => {
    expect(expectedEarningsPerRound(inputs({ registered: false }), LPT)).toMatchObject({ active: false, rewardWei: 0n, yourLptWei: 0n });
    const lifted = expectedEarningsPerRound(inputs({ orchestratorStakeWei: 50n * LPT, nextRoundTotalActiveStakeWei: 90_000n * LPT }), 50n * LPT);
    expect(lifted).toMatchObject({ active: true, orchestratorStakeWei: 100n * LPT, totalActiveStakeWei: 90_100n * LPT });
  });

  it("splits the round's reward and fees into yours, the other stakers' and the orchestrator's cut, exactly", () => {
    const wei = fc.bigInt({ min: 0n, max: 10n ** 30n });
    const ppm = fc.bigInt({ min: 0n, max: 1_000_000n });
    fc.assert(
      fc.property(wei, wei, wei, ppm, ppm, wei, fc.boolean(), (stake, others, amount, rewardCutPpm, feeSharePpm, fees, bondedAlready) => {
        const i = inputs({ orchestratorStakeWei: bondedAlready ? stake + amount : stake, nextRoundTotalActiveStakeWei: stake + others + (bondedAlready ? amount : 0n), rewardCutPpm, feeSharePpm, feesWeiPerRound: fees });
        const e = expectedEarningsPerRound(i, amount, { bondedAlready });
        expect(e.yourLptWei + e.otherStakersLptWei + e.orchestratorRewardCutWei).toBe(e.rewardWei);
        expect(e.yourEthWei + e.otherStakersEthWei + e.orchestratorFeeCutWei).toBe(e.feesWei);
        for (const part of [e.yourLptWei, e.otherStakersLptWei, e.orchestratorRewardCutWei, e.yourEthWei, e.otherStakersEthWei, e.orchestratorFeeCutWei]) {
          expect(part).toBeGreaterThanOrEqual(0n);
        }
        // The orchestrator's reward is never more than the round's mintable LPT.
        expect(e.rewardWei).toBeLessThanOrEqual(e.mintableWei);
      }),
    );
  });

  it("refuses a negative amount or a cut above 100%", () => {
    expect(() => expectedEarningsPerRound(inputs(), -1n)).toThrow(InvalidCalculatorInput);
    expect(() => expectedEarningsPerRound(inputs({ rewardCutPpm: 1_000_001n }), 1n)).toThrow(/rewardCutPpm/);
  });
});

describe("nextInflationPpb", () => {
  const i = inputs();
  it("steps inflation toward the target bonding rate as the Minter does", () => {
    expect(nextInflationPpb(i, 400_000n * LPT)).toBe(1_500n); // below target: up
    expect(nextInflationPpb(i, 600_000n * LPT)).toBe(500n); // above: down
    expect(nextInflationPpb(i, 500_000n * LPT)).toBe(1_000n); // at target: unchanged
    expect(nextInflationPpb({ ...i, inflationPpb: 200n }, 600_000n * LPT)).toBe(0n); // never below 0
  });
});

describe("feesPerRoundWei", () => {
  it("averages a fee ratio's fees over its rounds", () => {
    expect(feesPerRoundWei({ feesWei: 100n, rounds: 3 })).toBe(33n);
    expect(feesPerRoundWei({ feesWei: 100n, rounds: 0 })).toBe(0n);
  });
});
