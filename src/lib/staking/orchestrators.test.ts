// Specs for the orchestrator table's pure parts: the look-back window, active rounds, reward calls, the fee ratio,
// and the sort and filter helpers (as properties over random tables).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  activeIntervals,
  feeRatioFrom,
  filterChoices,
  filterOrchestratorRows,
  isWorseForDelegators,
  LPT_WEI,
  recentWindow,
  rewardCallsFrom,
  sortOrchestratorRows,
  type OrchestratorRow,
  type OrchestratorSortKey,
} from "./orchestrators.ts";
import { log, newRound, ORCH_A, ORCH_B, row } from "./test-rows.ts";

describe("recentWindow", () => {
  it("covers the completed rounds before the current one", () => {
    expect(recentWindow(20n, 5)).toEqual({ fromRound: 15n, toRound: 19n, rounds: 5 });
  });
  it("starts at round 0 when the chain is younger than the window", () => {
    expect(recentWindow(3n, 10)).toEqual({ fromRound: 0n, toRound: 2n, rounds: 3 });
    expect(recentWindow(0n, 10).rounds).toBe(0);
  });
  it("refuses a window of no rounds", () => {
    expect(() => recentWindow(5n, 0)).toThrow(RangeError);
    expect(() => recentWindow(5n, 1.5)).toThrow(RangeError);
  });
});

describe("activeIntervals", () => {
  it("follows joins and leaves by the round each names", () => {
    const logs = [
      log("TranscoderActivated", { transcoder: ORCH_A, activationRound: 3n }),
      log("TranscoderActivated", { transcoder: ORCH_B, activationRound: 4n }),
      log("TranscoderDeactivated", { transcoder: ORCH_A, deactivationRound: 7n }),
      log("TranscoderActivated", { transcoder: ORCH_A, activationRound: 9n }),
    ];
    expect(activeIntervals(logs, ORCH_A)).toEqual([
      { from: 3n, until: 7n },
      { from: 9n, until: undefined },
    ]);
    expect(activeIntervals(logs, ORCH_B)).toEqual([{ from: 4n, until: undefined }]);
  });
  it("cancels a join and a leave in the same round", () => {
    const logs = [
      log("TranscoderActivated", { transcoder: ORCH_A, activationRound: 3n }),
      log("TranscoderDeactivated", { transcoder: ORCH_A, deactivationRound: 3n }),
    ];
    expect(activeIntervals(logs, ORCH_A)).toEqual([]);
  });
});

describe("rewardCallsFrom", () => {
  // Rounds 1..9 initialized except 6; A active from 2, B active 2..5.
  const newRounds = [1n, 2n, 3n, 4n, 5n, 7n, 8n, 9n].map((r) => newRound(r, r * 100n));
  const bonding = [
    log("TranscoderActivated", { transcoder: ORCH_A, activationRound: 2n }),
    log("TranscoderActivated", { transcoder: ORCH_B, activationRound: 2n }),
    log("TranscoderDeactivated", { transcoder: ORCH_B, deactivationRound: 5n }),
    log("Reward", { transcoder: ORCH_A, amount: 1n, round: 2n }),
    log("Reward", { transcoder: ORCH_A, amount: 1n, round: 4n }),
    log("Reward", { transcoder: ORCH_B, amount: 1n, round: 3n }),
    log("Reward", { transcoder: ORCH_A, amount: 1n, round: 9n }),
  ];
  it("counts a round as missed only when it was initialized and the orchestrator active in it", () => {
    // Window [1, 8]: A due in 2,3,4,5,7,8 (not 1: inactive; not 6: uninitialized), made 2 and 4.
    expect(rewardCallsFrom({ bonding, newRounds }, ORCH_A, 9n, 8)).toEqual({ made: 2, missed: 4, due: 6, sinceRound: 1n, throughRound: 8n, calledThisRound: true });
    // B due in 2,3,4 only.
    expect(rewardCallsFrom({ bonding, newRounds }, ORCH_B, 9n, 8)).toEqual({ made: 1, missed: 2, due: 3, sinceRound: 1n, throughRound: 8n, calledThisRound: false });
  });
  it("leaves the current round out: the orchestrator may still call", () => {
    expect(rewardCallsFrom({ bonding, newRounds }, ORCH_A, 9n, 1)).toMatchObject({ made: 0, missed: 1, sinceRound: 8n, throughRound: 8n });
  });
});

describe("feeRatioFrom", () => {
  const fees = (round: bigint, amount: bigint, transcoder = ORCH_A) => log("TranscoderFees", { transcoder, fees: amount, delegatorsFees: amount / 2n, round });
  it("sums the fees of the window's rounds and divides by stake and rounds", () => {
    const logs = [fees(4n, 999n), fees(5n, 300n), fees(7n, 100n), fees(7n, 5n, ORCH_B), fees(8n, 777n)];
    const ratio = feeRatioFrom(logs, ORCH_A, 2n * LPT_WEI, 8n, 3);
    expect(ratio).toEqual({ fromRound: 5n, toRound: 7n, rounds: 3, feesWei: 400n, delegatorsFeesWei: 200n, stakeWei: 2n * LPT_WEI, weiPerLptPerRound: 66n });
  });
  it("is 0 with no stake or no completed round", () => {
    expect(feeRatioFrom([fees(1n, 5n)], ORCH_A, 0n, 5n, 3).weiPerLptPerRound).toBe(0n);
    expect(feeRatioFrom([fees(0n, 5n)], ORCH_A, 10n, 0n, 3)).toMatchObject({ rounds: 0, weiPerLptPerRound: 0n });
  });
});

describe("isWorseForDelegators", () => {
  it("is a higher reward cut or a lower fee share", () => {
    const now = { rewardCutPpm: 100n, feeSharePpm: 500n };
    expect(isWorseForDelegators(now, { rewardCutPpm: 101n, feeSharePpm: 500n })).toBe(true);
    expect(isWorseForDelegators(now, { rewardCutPpm: 100n, feeSharePpm: 499n })).toBe(true);
    expect(isWorseForDelegators(now, { rewardCutPpm: 50n, feeSharePpm: 600n })).toBe(false);
  });
});

const arbitraryRow: fc.Arbitrary<OrchestratorRow> = fc
  .record({
    n: fc.integer({ min: 0, max: 255 }),
    totalStake: fc.bigInt({ min: 0n, max: 1000n }),
    self: fc.bigInt({ min: 0n, max: 1000n }),
    rewardCutPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
    feeSharePpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
    pending: fc.option(fc.record({ rewardCutPpm: fc.bigInt({ min: 0n, max: 1_000_000n }), feeSharePpm: fc.bigInt({ min: 0n, max: 1_000_000n }) })),
    missed: fc.integer({ min: 0, max: 5 }),
    slashes: fc.integer({ min: 0, max: 2 }),
    active: fc.boolean(),
    region: fc.constantFrom("eu-west", "us-east"),
    service: fc.constantFrom("CPUTranscoding", "GPUTranscoding"),
  })
  .map((r) =>
    row({
      address: `0x${r.n.toString(16).padStart(40, "0")}`,
      totalStake: r.totalStake,
      selfStake: r.self < r.totalStake ? r.self : r.totalStake,
      delegatedStake: r.totalStake - (r.self < r.totalStake ? r.self : r.totalStake),
      rewardCutPpm: r.rewardCutPpm,
      feeSharePpm: r.feeSharePpm,
      pendingCut: r.pending && { ...r.pending, effectiveRound: 12n, worseForDelegators: true },
      rewardCalls: { made: 5 - r.missed, missed: r.missed, due: 5, sinceRound: 1n, throughRound: 5n, calledThisRound: false },
      slashes: { count: r.slashes, penaltyTotal: BigInt(r.slashes) * 10n },
      active: r.active,
      regions: [r.region],
      services: [{ id: r.service, verifier: ORCH_A }],
    }),
  );
const sortKeys: OrchestratorSortKey[] = ["totalStake", "selfStake", "delegatedStake", "rewardCutPpm", "feeSharePpm", "feeRatio", "rewardCallsMissed", "rewardCallsMade", "slashes", "lastRewardRound", "address"];

describe("sortOrchestratorRows", () => {
  it("returns the same rows, ordered by the key, ties in their input order, in either direction", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRow, { maxLength: 30 }), fc.constantFrom(...sortKeys), fc.constantFrom("asc" as const, "desc" as const), (rows, key, direction) => {
        const sorted = sortOrchestratorRows(rows, key, direction);
        expect([...sorted].sort(byIdentity(rows))).toEqual([...rows].sort(byIdentity(rows)));
        expect(sorted).toHaveLength(rows.length);
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sortKey(sorted[i - 1]!, key), sortKey(sorted[i]!, key)];
          if (a === b) expect(rows.indexOf(sorted[i - 1]!)).toBeLessThan(rows.indexOf(sorted[i]!));
          else expect(direction === "asc" ? a < b : a > b).toBe(true);
        }
      }),
    );
  });
  it("sorts by stake, largest first, by default", () => {
    const rows = [row({ totalStake: 5n }), row({ totalStake: 9n }), row({ totalStake: 1n })];
    expect(sortOrchestratorRows(rows, "totalStake").map((r) => r.totalStake)).toEqual([9n, 5n, 1n]);
  });
});

function sortKey(r: OrchestratorRow, key: OrchestratorSortKey): bigint | string {
  if (key === "feeRatio") return r.feeRatio.weiPerLptPerRound;
  if (key === "rewardCallsMissed") return BigInt(r.rewardCalls.missed);
  if (key === "rewardCallsMade") return BigInt(r.rewardCalls.made);
  if (key === "slashes") return BigInt(r.slashes.count);
  if (key === "address") return r.address.toLowerCase();
  return r[key];
}

function byIdentity(rows: OrchestratorRow[]) {
  return (a: OrchestratorRow, b: OrchestratorRow) => rows.indexOf(a) - rows.indexOf(b);
}

describe("filterOrchestratorRows", () => {
  const arbitraryFilter = fc.record(
    {
      service: fc.constantFrom("CPUTranscoding", "GPUTranscoding"),
      region: fc.constantFrom("eu-west", "us-east"),
      activeOnly: fc.boolean(),
      minTotalStakeWei: fc.bigInt({ min: 0n, max: 1000n }),
      maxRewardCutPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
      minFeeSharePpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
      hideSlashed: fc.boolean(),
      hideMissedRewards: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  it("keeps, in order, exactly the rows that pass every criterion; filtering again changes nothing", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRow, { maxLength: 30 }), arbitraryFilter, (rows, filter) => {
        const kept = filterOrchestratorRows(rows, filter);
        expect(filterOrchestratorRows(kept, filter)).toEqual(kept);
        const passes = (r: OrchestratorRow) =>
          (filter.service === undefined || r.services.some((s) => s.id === filter.service)) &&
          (filter.region === undefined || r.regions.includes(filter.region)) &&
          (!filter.activeOnly || r.active) &&
          (filter.minTotalStakeWei === undefined || r.totalStake >= filter.minTotalStakeWei) &&
          (filter.maxRewardCutPpm === undefined || (r.rewardCutPpm <= filter.maxRewardCutPpm && (!r.pendingCut || r.pendingCut.rewardCutPpm <= filter.maxRewardCutPpm))) &&
          (filter.minFeeSharePpm === undefined || (r.feeSharePpm >= filter.minFeeSharePpm && (!r.pendingCut || r.pendingCut.feeSharePpm >= filter.minFeeSharePpm))) &&
          (!filter.hideSlashed || r.slashes.count === 0) &&
          (!filter.hideMissedRewards || r.rewardCalls.missed === 0);
        expect(kept).toEqual(rows.filter(passes));
      }),
    );
  });
  it("counts an announced cut against the cut limits", () => {
    const squeezing = row({ rewardCutPpm: 50_000n, pendingCut: { rewardCutPpm: 400_000n, feeSharePpm: 500_000n, effectiveRound: 9n, worseForDelegators: true } });
    expect(filterOrchestratorRows([squeezing], { maxRewardCutPpm: 100_000n })).toEqual([]);
  });
  it("matches text in the address or the service URI, any case", () => {
    const rows = [row({ address: ORCH_A, serviceURI: "https://a.example" }), row({ address: ORCH_B, serviceURI: "https://b.example" })];
    expect(filterOrchestratorRows(rows, { text: "B.EXAMPLE" }).map((r) => r.address)).toEqual([ORCH_B]);
    expect(filterOrchestratorRows(rows, { text: "a1" }).map((r) => r.address)).toEqual([ORCH_A]);
  });
});

describe("filterChoices", () => {
  it("lists every service and region once, sorted", () => {
    const rows = [row({ regions: ["us-east", "eu-west"] }), row({ regions: ["eu-west"], services: [{ id: "GPUTranscoding", verifier: ORCH_A }] })];
    expect(filterChoices(rows)).toEqual({ services: ["CPUTranscoding", "GPUTranscoding"], regions: ["eu-west", "us-east"] });
  });
});
