// Which orchestrators a stream goes to: a pure, configurable ranking of the quotes over price, response time, stake
// and this browser's history with each, with a little randomness. docs/selection.md explains it for users.
/**
 * The policy, in full:
 *
 * 1. **Out** (listed in `rejected` with the reason): a quote that failed (timeout, unreachable, an error answer, the
 *    wrong orchestrator); a price per segment above `maxPricePerSegmentWei`; no capacity left; a fault recorded
 *    since `sessionStartedAtMs` (an orchestrator that failed this stream is not tried again for it); a second quote
 *    from an address already seen.
 * 2. **Terms**, each in [0, 1] and relative to the other eligible quotes, so the weights mean the same whatever the
 *    prices or stakes are:
 *    - price    = cheapest price / this price           (cheaper is better; the cheapest gets 1)
 *    - response = fastest response / this response      (a quick quote predicts quick segments)
 *    - stake    = this stake / largest stake            (stake is what an orchestrator loses by cheating)
 *    - history  = (ok + 1) / (ok + failed + 2) × faultFactor^faults   (a newcomer starts at 0.5; each fault ever
 *      recorded multiplies by faultFactor, 0.25 by default, so one fault outweighs many good segments)
 * 3. **Score** = (1 − randomness) × (Σ weightᵢ × termᵢ) / (Σ weightᵢ) + randomness × random(), in [0, 1]. The
 *    random part spreads load and lets newcomers earn a history; randomness 0 makes the ranking deterministic.
 * 4. **Ranked** by score, highest first (ties by address, for determinism); **chosen** are the first `redundancy`
 *    of them. The rest of `ranked` is the failover order.
 *
 * Defaults (DEFAULT_SELECTION_POLICY): redundancy 1, cap 10^14 wei per segment (10 × an orchestrator node's default
 * price), weights price 0.35, response 0.2, stake 0.25, history 0.2, randomness 0.1, faultFactor 0.25.
 */
import type { Address } from "viem";
import type { Quote } from "../protocol/messages.ts";
import type { Candidate, QuoteOutcome } from "./discovery.ts";
import type { OrchestratorHistory } from "./local-db.ts";

export interface SelectionWeights {
  price: number;
  responseMs: number;
  stake: number;
  history: number;
}

export interface SelectionPolicy {
  /** How many orchestrators get every segment (1 = no redundancy). */
  redundancy: number;
  /** The most this broadcaster pays per segment (for the whole ladder, per orchestrator). */
  maxPricePerSegmentWei: bigint;
  /** Relative importance of each term; only their ratios matter. */
  weights: SelectionWeights;
  /** Share of the score that is random, 0 (none) to 1 (all). */
  randomness: number;
  /** What each recorded fault multiplies the history term by, 0 (one fault zeroes it) to 1 (faults ignored). */
  faultFactor: number;
  /** When the current stream started, ms since the epoch: faults recorded since exclude. Unset: none exclude. */
  sessionStartedAtMs?: number;
  /** An orchestrator the broadcaster trusts: first in the ranking whenever it is eligible, whatever its score. */
  preferred?: Address;
}

export const DEFAULT_SELECTION_POLICY: Readonly<SelectionPolicy> = Object.freeze({
  redundancy: 1,
  maxPricePerSegmentWei: 10n ** 14n,
  weights: Object.freeze({ price: 0.35, responseMs: 0.2, stake: 0.25, history: 0.2 }),
  randomness: 0.1,
  faultFactor: 0.25,
});

/** One eligible orchestrator with its quote, its terms (each in [0, 1]) and its score. */
export interface Ranked {
  address: Address;
  candidate: Candidate;
  quote: Quote;
  responseMs: number;
  pricePerSegmentWei: bigint;
  terms: { price: number; responseMs: number; stake: number; history: number };
  score: number;
}

export interface Rejected {
  address: Address;
  /** Why, in words for the page. */
  reason: string;
}

export interface Selection {
  /** Who gets the segments: min(redundancy, ranked.length) orchestrators. */
  chosen: Ranked[];
  /** Every eligible orchestrator, best first: failover goes down this list. */
  ranked: Ranked[];
  rejected: Rejected[];
}

/** A policy value outside its range. */
export class InvalidSelectionPolicy extends Error {
  override name = "InvalidSelectionPolicy";
  readonly field: string;
  readonly value: string;

  constructor(field: string, value: unknown, expected: string) {
    super(`Selection policy ${field} is ${String(value)}; it must be ${expected}. Change it in the broadcaster's settings.`);
    this.field = field;
    this.value = String(value);
  }
}

function requireInRange(field: string, value: number, min: number, max: number): void {
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new InvalidSelectionPolicy(field, value, `a number from ${min} to ${max}`);
  }
}

/** @throws InvalidSelectionPolicy naming the first value out of range */
export function validateSelectionPolicy(policy: SelectionPolicy): void {
  if (!Number.isSafeInteger(policy.redundancy) || policy.redundancy < 1) {
    throw new InvalidSelectionPolicy("redundancy", policy.redundancy, "a whole number, 1 or more");
  }
  if (typeof policy.maxPricePerSegmentWei !== "bigint" || policy.maxPricePerSegmentWei < 0n) {
    throw new InvalidSelectionPolicy("maxPricePerSegmentWei", policy.maxPricePerSegmentWei, "a wei amount (bigint), 0 or more");
  }
  for (const key of ["price", "responseMs", "stake", "history"] as const) {
    requireInRange(`weights.${key}`, policy.weights[key], 0, Number.MAX_VALUE);
  }
  requireInRange("randomness", policy.randomness, 0, 1);
  requireInRange("faultFactor", policy.faultFactor, 0, 1);
  if (policy.sessionStartedAtMs !== undefined && !Number.isFinite(policy.sessionStartedAtMs)) {
    throw new InvalidSelectionPolicy("sessionStartedAtMs", policy.sessionStartedAtMs, "ms since the epoch, or unset");
  }
}

/** a / b as a number in [0, 1] for 0 ≤ a ≤ b, with a million steps: plenty to rank by, and no overflow for wei. */
function ratio(a: bigint, b: bigint): number {
  if (b === 0n) return a === 0n ? 1 : 0;
  return Number((a * 1_000_000n) / b) / 1_000_000;
}

/** The history term: a success rate that starts at ½ for a stranger, cut by faultFactor for every fault. */
export function historyTerm(h: Pick<OrchestratorHistory, "segmentsOk" | "segmentsFailed" | "faultCount"> | undefined, faultFactor: number): number {
  if (!h) return 0.5;
  const successRate = (h.segmentsOk + 1) / (h.segmentsOk + h.segmentsFailed + 2);
  return successRate * faultFactor ** h.faultCount;
}

function faultThisSession(h: OrchestratorHistory | undefined, since: number | undefined): { reason: string } | undefined {
  if (!h || since === undefined) return undefined;
  return h.faults.findLast((f) => f.atMs >= since);
}

/**
 * Ranks the quotes by the policy above and picks `redundancy` of them. Pure: the same outcomes, history, policy and
 * random numbers give the same selection.
 * @param history this browser's record per orchestrator (history.ts loadHistory)
 * @param random numbers in [0, 1), called once per eligible orchestrator in the order of `outcomes`
 * @throws InvalidSelectionPolicy when the policy is out of range
 */
export function selectOrchestrators(
  outcomes: readonly QuoteOutcome[],
  history: ReadonlyMap<Address, OrchestratorHistory>,
  policy: SelectionPolicy,
  random: () => number = Math.random,
): Selection {
  validateSelectionPolicy(policy);
  const byAddress = new Map<string, OrchestratorHistory>();
  for (const [address, h] of history) byAddress.set(address.toLowerCase(), h);

  const rejected: Rejected[] = [];
  const seen = new Set<string>();
  const eligible: Extract<QuoteOutcome, { ok: true }>[] = [];
  for (const outcome of outcomes) {
    const address = outcome.candidate.address;
    const key = address.toLowerCase();
    if (seen.has(key)) {
      rejected.push({ address, reason: "a second quote from the same orchestrator; the first one counts" });
      continue;
    }
    seen.add(key);
    if (!outcome.ok) {
      rejected.push({ address, reason: `no usable quote: ${outcome.error.message}` });
      continue;
    }
    if (outcome.pricePerSegmentWei > policy.maxPricePerSegmentWei) {
      rejected.push({
        address,
        reason: `price above your cap: ${outcome.pricePerSegmentWei} wei per segment, cap ${policy.maxPricePerSegmentWei} wei`,
      });
      continue;
    }
    if (outcome.quote.capacityLeft < 1) {
      rejected.push({ address, reason: "no capacity left for another stream" });
      continue;
    }
    const fault = faultThisSession(byAddress.get(key), policy.sessionStartedAtMs);
    if (fault) {
      rejected.push({ address, reason: `recorded a fault during this stream: ${fault.reason}` });
      continue;
    }
    eligible.push(outcome);
  }

  const cheapest = eligible.reduce<bigint | undefined>((m, o) => (m === undefined || o.pricePerSegmentWei < m ? o.pricePerSegmentWei : m), undefined);
  const fastest = Math.min(...eligible.map((o) => Math.max(o.responseMs, 1)));
  const largestStake = eligible.reduce((m, o) => (o.candidate.totalStakeWei > m ? o.candidate.totalStakeWei : m), 0n);
  const { weights } = policy;
  const weightSum = weights.price + weights.responseMs + weights.stake + weights.history;

  const ranked: Ranked[] = eligible.map((o) => {
    const terms = {
      price: ratio(cheapest ?? 0n, o.pricePerSegmentWei),
      responseMs: fastest / Math.max(o.responseMs, 1),
      stake: largestStake === 0n ? 0 : ratio(o.candidate.totalStakeWei, largestStake),
      history: historyTerm(byAddress.get(o.candidate.address.toLowerCase()), policy.faultFactor),
    };
    const weighted =
      weightSum === 0
        ? 0
        : (weights.price * terms.price + weights.responseMs * terms.responseMs + weights.stake * terms.stake + weights.history * terms.history) /
          weightSum;
    // random() is drawn even at randomness 0, so that the sequence consumed does not depend on the policy.
    const jitter = random();
    return {
      address: o.candidate.address,
      candidate: o.candidate,
      quote: o.quote,
      responseMs: o.responseMs,
      pricePerSegmentWei: o.pricePerSegmentWei,
      terms,
      score: (1 - policy.randomness) * weighted + policy.randomness * jitter,
    };
  });
  const preferred = policy.preferred?.toLowerCase();
  const isPreferred = (r: Ranked) => (r.address.toLowerCase() === preferred ? 1 : 0);
  ranked.sort((a, b) => isPreferred(b) - isPreferred(a) || b.score - a.score || (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
  return { chosen: ranked.slice(0, policy.redundancy), ranked, rejected };
}
