// The selection policy: what is rejected and why, how the terms order candidates, and its invariants as properties.
import fc from "fast-check";
import { getAddress, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../protocol/errors.ts";
import type { Quote } from "../protocol/messages.ts";
import type { Candidate, QuoteOutcome } from "./discovery.ts";
import { emptyHistory } from "./history.ts";
import type { OrchestratorHistory } from "./local-db.ts";
import { DEFAULT_SELECTION_POLICY, InvalidSelectionPolicy, selectOrchestrators, type SelectionPolicy } from "./selection.ts";

const ZERO32: Hex = `0x${"00".repeat(32)}`;

function addr(n: number): Address {
  return getAddress(`0x${n.toString(16).padStart(40, "0")}`);
}

function candidate(n: number, stake = 1000n): Candidate {
  return {
    address: addr(n),
    serviceURI: `http://127.0.0.1:${9000 + n}`,
    services: [{ id: "CPUTranscoding", verifier: addr(0) }],
    regions: ["eu-west"],
    totalStakeWei: stake,
    active: true,
    rewardCutPpm: 0n,
    feeSharePpm: 0n,
  };
}

function quoteFor(c: Candidate, priceWei: bigint, capacityLeft = 5): Quote {
  return {
    v: 1,
    type: "quote",
    streamId: "s1",
    orchestrator: c.address,
    price: { per: "segment", priceWei },
    ticketParams: {
      recipient: c.address,
      faceValue: 10n ** 16n,
      winProb: 2n ** 200n,
      recipientRandHash: ZERO32,
      seed: ZERO32,
      expirationBlock: 100n,
      creationRound: 1n,
      creationRoundBlockHash: ZERO32,
    },
    capacityLeft,
    expiresAt: 1_000_000,
  };
}

function ok(n: number, o: { price?: bigint; responseMs?: number; stake?: bigint; capacityLeft?: number } = {}): QuoteOutcome {
  const c = candidate(n, o.stake ?? 1000n);
  const price = o.price ?? 1000n;
  return { ok: true, candidate: c, quote: quoteFor(c, price, o.capacityLeft), responseMs: o.responseMs ?? 50, pricePerSegmentWei: price };
}

function failed(n: number): QuoteOutcome {
  return {
    ok: false,
    candidate: candidate(n),
    error: new ProtocolError({ code: "X", message: "it timed out", nextStep: "retry", data: {} }),
    responseMs: 3000,
  };
}

/** A policy where only one term counts, with no randomness. */
function only(term: keyof SelectionPolicy["weights"], extra: Partial<SelectionPolicy> = {}): SelectionPolicy {
  return {
    ...DEFAULT_SELECTION_POLICY,
    randomness: 0,
    weights: { price: 0, responseMs: 0, stake: 0, history: 0, [term]: 1 },
    redundancy: 10,
    ...extra,
  };
}

const noHistory = new Map<Address, OrchestratorHistory>();
const order = (ranked: { address: Address }[]) => ranked.map((r) => r.address);

describe("selectOrchestrators", () => {
  it("rejects a price above the cap, saying so", () => {
    const s = selectOrchestrators([ok(1, { price: 100n }), ok(2, { price: 101n })], noHistory, only("price", { maxPricePerSegmentWei: 100n }));
    expect(order(s.ranked)).toEqual([addr(1)]);
    expect(s.rejected).toHaveLength(1);
    expect(s.rejected[0]!.address).toBe(addr(2));
    expect(s.rejected[0]!.reason).toMatch(/^price above your cap/);
  });

  it("rejects failed quotes, full orchestrators and repeated addresses", () => {
    const s = selectOrchestrators([failed(1), ok(2, { capacityLeft: 0 }), ok(3), ok(3)], noHistory, only("price"));
    expect(order(s.ranked)).toEqual([addr(3)]);
    expect(s.rejected.map((r) => r.address)).toEqual([addr(1), addr(2), addr(3)]);
    expect(s.rejected[0]!.reason).toContain("it timed out");
    expect(s.rejected[1]!.reason).toContain("capacity");
  });

  it("chooses `redundancy` orchestrators and ranks the rest for failover", () => {
    const outcomes = [ok(1, { price: 30n }), ok(2, { price: 10n }), ok(3, { price: 20n })];
    const s = selectOrchestrators(outcomes, noHistory, only("price", { redundancy: 2 }));
    expect(order(s.chosen)).toEqual([addr(2), addr(3)]);
    expect(order(s.ranked)).toEqual([addr(2), addr(3), addr(1)]);
    expect(selectOrchestrators(outcomes, noHistory, only("price", { redundancy: 1 })).chosen).toHaveLength(1);
    expect(selectOrchestrators(outcomes, noHistory, only("price", { redundancy: 5 })).chosen).toHaveLength(3);
  });

  it("puts a preferred orchestrator first when it is eligible, and ignores the preference when it is not", () => {
    const outcomes = [ok(1, { price: 30n }), ok(2, { price: 10n }), ok(3, { price: 20n })];
    expect(order(selectOrchestrators(outcomes, noHistory, only("price", { preferred: addr(1) })).ranked)).toEqual([addr(1), addr(2), addr(3)]);
    const capped = only("price", { preferred: addr(1), maxPricePerSegmentWei: 25n });
    expect(order(selectOrchestrators(outcomes, noHistory, capped).ranked)).toEqual([addr(2), addr(3)]);
  });

  it("orders by price, response time and stake, each alone, with randomness 0", () => {
    const outcomes = [
      ok(1, { price: 300n, responseMs: 10, stake: 200n }),
      ok(2, { price: 100n, responseMs: 30, stake: 100n }),
      ok(3, { price: 200n, responseMs: 20, stake: 300n }),
    ];
    expect(order(selectOrchestrators(outcomes, noHistory, only("price")).ranked)).toEqual([addr(2), addr(3), addr(1)]);
    expect(order(selectOrchestrators(outcomes, noHistory, only("responseMs")).ranked)).toEqual([addr(1), addr(3), addr(2)]);
    expect(order(selectOrchestrators(outcomes, noHistory, only("stake")).ranked)).toEqual([addr(3), addr(1), addr(2)]);
  });

  it("prefers a good history, penalizes faults heavily and excludes a fault in this stream", () => {
    const good: OrchestratorHistory = { ...emptyHistory(addr(1)), segmentsOk: 100, lastSeenMs: 1 };
    const faultedLongAgo: OrchestratorHistory = { ...emptyHistory(addr(2)), segmentsOk: 1000, faultCount: 1, faults: [{ reason: "bad output", atMs: 10 }] };
    const faultedNow: OrchestratorHistory = { ...emptyHistory(addr(3)), segmentsOk: 1000, faultCount: 1, faults: [{ reason: "bad output", atMs: 5000 }] };
    const history = new Map([good, faultedLongAgo, faultedNow].map((h) => [h.address, h]));
    const outcomes = [ok(2), ok(4), ok(1), ok(3)];

    const withoutSession = selectOrchestrators(outcomes, history, only("history"));
    // A stranger (½) outranks 1000 good segments with one fault (≈ 0.25): one fault outweighs many good segments.
    expect(order(withoutSession.ranked)).toEqual([addr(1), addr(4), addr(2), addr(3)]);

    const inSession = selectOrchestrators(outcomes, history, only("history", { sessionStartedAtMs: 1000 }));
    expect(order(inSession.ranked)).toEqual([addr(1), addr(4), addr(2)]);
    expect(inSession.rejected).toEqual([{ address: addr(3), reason: "recorded a fault during this stream: bad output" }]);
  });

  it("with randomness 1, the order is the random numbers' order", () => {
    const numbers = [0.1, 0.9, 0.5];
    const s = selectOrchestrators([ok(1), ok(2), ok(3)], noHistory, { ...DEFAULT_SELECTION_POLICY, randomness: 1, redundancy: 3 }, () => numbers.shift()!);
    expect(order(s.ranked)).toEqual([addr(2), addr(3), addr(1)]);
  });

  it("names a policy value out of range", () => {
    for (const bad of [{ redundancy: 0 }, { redundancy: 1.5 }, { randomness: 2 }, { faultFactor: -1 }, { maxPricePerSegmentWei: -1n }]) {
      expect(() => selectOrchestrators([], noHistory, { ...DEFAULT_SELECTION_POLICY, ...bad })).toThrow(InvalidSelectionPolicy);
    }
    expect(() => selectOrchestrators([], noHistory, { ...DEFAULT_SELECTION_POLICY, weights: { ...DEFAULT_SELECTION_POLICY.weights, stake: Number.NaN } })).toThrow(
      /weights\.stake/,
    );
  });

  it("property: chosen ⊆ ranked, no duplicates, |chosen| = min(redundancy, eligible), scores descend", () => {
    const outcome = fc.record({
      n: fc.integer({ min: 1, max: 12 }), // few addresses, so repeats happen
      failed: fc.boolean(),
      price: fc.bigInt({ min: 0n, max: 2000n }),
      responseMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
      stake: fc.bigInt({ min: 0n, max: 10n ** 24n }),
      capacityLeft: fc.integer({ min: 0, max: 3 }),
    });
    const historyEntry = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      segmentsOk: fc.nat(1000),
      segmentsFailed: fc.nat(1000),
      faultAtMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    });
    const policy = fc.record({
      redundancy: fc.integer({ min: 1, max: 6 }),
      maxPricePerSegmentWei: fc.bigInt({ min: 0n, max: 2000n }),
      weights: fc.record({
        price: fc.double({ min: 0, max: 10, noNaN: true }),
        responseMs: fc.double({ min: 0, max: 10, noNaN: true }),
        stake: fc.double({ min: 0, max: 10, noNaN: true }),
        history: fc.double({ min: 0, max: 10, noNaN: true }),
      }),
      randomness: fc.double({ min: 0, max: 1, noNaN: true }),
      faultFactor: fc.double({ min: 0, max: 1, noNaN: true }),
      sessionStartedAtMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 20 }), fc.array(historyEntry, { maxLength: 12 }), policy, fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), (raw, rawHistory, p, randoms) => {
        const outcomes = raw.map((o) => (o.failed ? failed(o.n) : ok(o.n, o)));
        const history = new Map<Address, OrchestratorHistory>();
        for (const h of rawHistory) {
          const faults = h.faultAtMs === undefined ? [] : [{ reason: "fault", atMs: h.faultAtMs }];
          history.set(addr(h.n), { ...emptyHistory(addr(h.n)), ...h, faults, faultCount: faults.length });
        }
        const it = randoms[Symbol.iterator]();
        const s = selectOrchestrators(outcomes, history, p, () => it.next().value as number);

        const ranked = order(s.ranked);
        expect(new Set(ranked).size).toBe(ranked.length);
        expect(new Set(order(s.chosen)).size).toBe(s.chosen.length);
        for (const c of s.chosen) expect(ranked).toContain(c.address);
        expect(s.chosen).toHaveLength(Math.min(p.redundancy, s.ranked.length));
        expect(s.chosen).toEqual(s.ranked.slice(0, s.chosen.length));
        // Every distinct address is either ranked or rejected (once for its first outcome, again for any repeat).
        expect(s.ranked.length + s.rejected.length).toBe(outcomes.length);
        for (const r of s.ranked) {
          expect(r.pricePerSegmentWei).toBeLessThanOrEqual(p.maxPricePerSegmentWei);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1 + 1e-9);
        }
        for (let i = 1; i < s.ranked.length; i++) expect(s.ranked[i - 1]!.score).toBeGreaterThanOrEqual(s.ranked[i]!.score);
      }),
      { numRuns: 300 },
    );
  });
});
