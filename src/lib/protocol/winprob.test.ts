// Spec of ticket terms: expected value, the faceValue/winProb an orchestrator offers for a price, and tickets per payment.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEther, parseGwei } from "viem";
import {
  DEFAULT_MAX_REDEEM_OVERHEAD_PPM,
  FaceValueAboveCap,
  MAX_WIN_PROB,
  PPM,
  TicketTermsOutOfRange,
  WIN_PROB_DENOMINATOR,
  chooseTicketTerms,
  expectedValue,
  ticketsForPayment,
  type TicketTermsInput,
} from "./winprob.ts";

/** Gas of one redeemWinningTicket on the TicketBroker (README: single redeem 117k gas), rounded up. */
const REDEEM_GAS = 120_000n;

const termsInput: fc.Arbitrary<Required<Omit<TicketTermsInput, "maxFaceValueWei">>> = fc.record({
  ticketEVWei: fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: 10n ** 24n })),
  redeemGas: fc.oneof(fc.constant(0n), fc.bigInt({ min: 21_000n, max: 1_000_000n })),
  gasPriceWei: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 12n })),
  maxRedeemOverheadPpm: fc.oneof(fc.constant(DEFAULT_MAX_REDEEM_OVERHEAD_PPM), fc.bigInt({ min: 1n, max: PPM })),
});

describe("expectedValue", () => {
  it("is faceValue × winProb / 2^256 rounded down", () => {
    expect(expectedValue(1_000n, WIN_PROB_DENOMINATOR / 2n)).toBe(500n);
    expect(expectedValue(1_000n, WIN_PROB_DENOMINATOR / 3n)).toBe(333n);
    expect(expectedValue(1_000n, 0n)).toBe(0n);
    expect(expectedValue(1_000n, MAX_WIN_PROB)).toBe(999n);
  });

  it("never exceeds faceValue and grows with winProb", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_WIN_PROB }), fc.bigInt({ min: 0n, max: MAX_WIN_PROB - 1n }), (faceValue, winProb) => {
        const ev = expectedValue(faceValue, winProb);
        expect(ev).toBeLessThanOrEqual(faceValue);
        expect(expectedValue(faceValue, winProb + 1n)).toBeGreaterThanOrEqual(ev);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("chooseTicketTerms", () => {
  it("keeps the redemption cost within the overhead bound: redeemGas × gasPrice ≤ overhead × faceValue", () => {
    fc.assert(
      fc.property(termsInput, (input) => {
        const { faceValue } = chooseTicketTerms(input);
        expect(input.redeemGas * input.gasPriceWei * PPM).toBeLessThanOrEqual(input.maxRedeemOverheadPpm * faceValue);
      }),
      { numRuns: 2_000 },
    );
  });

  it("picks the smallest such faceValue, and never one below the EV", () => {
    fc.assert(
      fc.property(termsInput, (input) => {
        const { faceValue } = chooseTicketTerms(input);
        expect(faceValue).toBeGreaterThanOrEqual(input.ticketEVWei);
        const oneLessStillCovers = input.redeemGas * input.gasPriceWei * PPM <= input.maxRedeemOverheadPpm * (faceValue - 1n);
        expect(faceValue === input.ticketEVWei || !oneLessStillCovers).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("gives tickets whose expectedValue is the EV asked for, or one wei less when winProb is capped at 2^256 − 1", () => {
    fc.assert(
      fc.property(termsInput, (input) => {
        const { faceValue, winProb } = chooseTicketTerms(input);
        const ev = expectedValue(faceValue, winProb);
        if (winProb === MAX_WIN_PROB) {
          expect(faceValue).toBe(input.ticketEVWei);
          expect(ev).toBe(input.ticketEVWei - 1n);
        } else {
          expect(ev).toBe(input.ticketEVWei);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("rounds winProb up: the exact EV is at least the price and less than one wei above it, with the least such winProb", () => {
    fc.assert(
      fc.property(termsInput, (input) => {
        const { faceValue, winProb } = chooseTicketTerms(input);
        fc.pre(winProb < MAX_WIN_PROB);
        const wanted = input.ticketEVWei * WIN_PROB_DENOMINATOR;
        expect(faceValue * winProb).toBeGreaterThanOrEqual(wanted);
        expect(faceValue * winProb - wanted).toBeLessThan(WIN_PROB_DENOMINATOR);
        expect(faceValue * (winProb - 1n)).toBeLessThan(wanted);
      }),
      { numRuns: 2_000 },
    );
  });

  it("offers a sure ticket (winProb 2^256 − 1, faceValue = EV) when the EV alone clears the overhead", () => {
    expect(chooseTicketTerms({ ticketEVWei: parseEther("1"), redeemGas: REDEEM_GAS, gasPriceWei: parseGwei("1") })).toEqual({
      faceValue: parseEther("1"),
      winProb: MAX_WIN_PROB,
    });
    expect(chooseTicketTerms({ ticketEVWei: 5n, redeemGas: 0n, gasPriceWei: parseGwei("1") })).toEqual({
      faceValue: 5n,
      winProb: MAX_WIN_PROB,
    });
  });

  it("for a 0.00001 ETH segment at 1 gwei and 1% overhead: faceValue 0.012 ETH, about one ticket in 1,200 wins", () => {
    const { faceValue, winProb } = chooseTicketTerms({
      ticketEVWei: parseEther("0.00001"),
      redeemGas: REDEEM_GAS,
      gasPriceWei: parseGwei("1"),
    });
    expect(faceValue).toBe(parseEther("0.012"));
    expect(WIN_PROB_DENOMINATOR / winProb).toBe(1_199n); // 1 in 1,200, less the round-up
    expect(expectedValue(faceValue, winProb)).toBe(parseEther("0.00001"));
  });

  it("throws FaceValueAboveCap, naming the faceValue needed, exactly when that exceeds maxFaceValueWei", () => {
    fc.assert(
      fc.property(termsInput, fc.bigInt({ min: 0n, max: 10n ** 26n }), (input, maxFaceValueWei) => {
        const needed = chooseTicketTerms(input).faceValue;
        if (needed <= maxFaceValueWei) {
          expect(chooseTicketTerms({ ...input, maxFaceValueWei })).toEqual(chooseTicketTerms(input));
        } else {
          expect(() => chooseTicketTerms({ ...input, maxFaceValueWei })).toThrow(
            expect.objectContaining({
              name: "FaceValueAboveCap",
              data: { neededFaceValueWei: needed, maxFaceValueWei, redeemCostWei: input.redeemGas * input.gasPriceWei },
            }),
          );
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("says what to do next when the reserve cannot back the faceValue", () => {
    const capped = () =>
      chooseTicketTerms({ ticketEVWei: 1_000n, redeemGas: REDEEM_GAS, gasPriceWei: parseGwei("1"), maxFaceValueWei: parseEther("0.001") });
    expect(capped).toThrow(FaceValueAboveCap);
    expect(capped).toThrow(expect.objectContaining({ nextStep: expect.stringMatching(/fundReserve/) }));
  });

  it("rejects inputs outside their meaningful range with TicketTermsOutOfRange naming the field", () => {
    const ok: TicketTermsInput = { ticketEVWei: 1n, redeemGas: 1n, gasPriceWei: 1n };
    const cases: [Partial<TicketTermsInput>, string][] = [
      [{ ticketEVWei: 0n }, "ticketEVWei"],
      [{ redeemGas: -1n }, "redeemGas"],
      [{ gasPriceWei: -1n }, "gasPriceWei"],
      [{ maxRedeemOverheadPpm: 0n }, "maxRedeemOverheadPpm"],
      [{ maxRedeemOverheadPpm: PPM + 1n }, "maxRedeemOverheadPpm"],
    ];
    for (const [change, field] of cases) {
      expect(() => chooseTicketTerms({ ...ok, ...change })).toThrow(expect.objectContaining({ name: "TicketTermsOutOfRange", data: expect.objectContaining({ field }) }));
    }
    expect(() => chooseTicketTerms({ ...ok, ticketEVWei: -5n })).toThrow(TicketTermsOutOfRange);
  });
});

describe("ticketsForPayment", () => {
  const payment = fc.record({
    paymentWei: fc.bigInt({ min: 0n, max: 10n ** 20n }),
    ticketEVWei: fc.bigInt({ min: 1n, max: 10n ** 18n }),
    creditWei: fc.bigInt({ min: 0n, max: 10n ** 18n }),
  });

  it("sends the fewest tickets whose EV, with the credit, covers the payment, and keeps the rest as credit", () => {
    fc.assert(
      fc.property(payment, ({ paymentWei, ticketEVWei, creditWei }) => {
        const { tickets, creditWei: after } = ticketsForPayment({ paymentWei, ticketEVWei, creditWei });
        expect(creditWei + tickets * ticketEVWei).toBeGreaterThanOrEqual(paymentWei);
        if (tickets > 0n) expect(creditWei + (tickets - 1n) * ticketEVWei).toBeLessThan(paymentWei);
        expect(after).toBe(creditWei + tickets * ticketEVWei - paymentWei);
        expect(after).toBeGreaterThanOrEqual(0n);
        if (tickets > 0n) expect(after).toBeLessThan(ticketEVWei);
      }),
      { numRuns: 2_000 },
    );
  });

  it("over a stream of segments, sends tickets worth the total price to within one ticket", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 16n }), { maxLength: 50 }), (ticketEVWei, payments) => {
        let creditWei = 0n;
        let ticketsSent = 0n;
        for (const paymentWei of payments) {
          const next = ticketsForPayment({ paymentWei, ticketEVWei, creditWei });
          ticketsSent += next.tickets;
          creditWei = next.creditWei;
        }
        const totalWei = payments.reduce((a, b) => a + b, 0n);
        expect(ticketsSent * ticketEVWei - totalWei).toBe(creditWei);
        expect(creditWei).toBeLessThan(ticketEVWei);
      }),
      { numRuns: 1_000 },
    );
  });

  it("sends no ticket while the credit covers the payment", () => {
    expect(ticketsForPayment({ paymentWei: 300n, ticketEVWei: 1_000n, creditWei: 500n })).toEqual({ tickets: 0n, creditWei: 200n });
    expect(ticketsForPayment({ paymentWei: 1_001n, ticketEVWei: 1_000n })).toEqual({ tickets: 2n, creditWei: 999n });
  });

  it("rejects a ticket EV of zero and negative amounts", () => {
    expect(() => ticketsForPayment({ paymentWei: 1n, ticketEVWei: 0n })).toThrow(expect.objectContaining({ data: expect.objectContaining({ field: "ticketEVWei" }) }));
    expect(() => ticketsForPayment({ paymentWei: -1n, ticketEVWei: 1n })).toThrow(expect.objectContaining({ data: expect.objectContaining({ field: "paymentWei" }) }));
    expect(() => ticketsForPayment({ paymentWei: 1n, ticketEVWei: 1n, creditWei: -1n })).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ field: "creditWei" }) }),
    );
  });
});
