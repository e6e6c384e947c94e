// Spec of a stream's balance: tickets' expected value in, segment prices out, and a segment refused when its tickets
// (with the credit left) do not cover it — the same figure the broadcaster keeps with ticketsForPayment.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { InvalidTicket } from "../../src/lib/protocol/errors.ts";
import { ticketsForPayment } from "../../src/lib/protocol/winprob.ts";
import { Balance, Balances } from "./balance.ts";

const SENDER: Address = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

describe("Balance", () => {
  it("starts at zero, adds credited EV and takes charged prices", () => {
    const balance = new Balance();
    expect(balance.wei).toBe(0n);
    balance.credit(1_500n);
    balance.charge(1_000n);
    expect(balance.wei).toBe(500n);
  });

  it("refuses a price the credit does not cover with notEnoughExpectedValue, and charges nothing", () => {
    const balance = new Balance();
    balance.credit(999n);
    const error = (() => {
      try {
        balance.charge(1_000n);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidTicket);
    expect((error as InvalidTicket).reason).toBe("notEnoughExpectedValue");
    expect((error as InvalidTicket).nextStep).toMatch(/ticketsForPayment/);
    expect(balance.wei).toBe(999n);
  });

  it("refuses negative amounts, which would be a bug in the caller", () => {
    expect(() => new Balance().credit(-1n)).toThrow(RangeError);
    expect(() => new Balance().charge(-1n)).toThrow(RangeError);
  });

  it("agrees with the broadcaster: paying every segment with ticketsForPayment is always enough, and leaves the same credit (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 16n }), { maxLength: 30 }),
        (ticketEVWei, prices) => {
          const balance = new Balance();
          let broadcasterCreditWei = 0n;
          for (const priceWei of prices) {
            const { tickets, creditWei } = ticketsForPayment({ paymentWei: priceWei, ticketEVWei, creditWei: broadcasterCreditWei });
            balance.credit(tickets * ticketEVWei);
            balance.charge(priceWei);
            broadcasterCreditWei = creditWei;
            expect(balance.wei).toBe(broadcasterCreditWei);
          }
        },
      ),
    );
  });
});

describe("Balances", () => {
  it("keeps one balance per sender and stream, whatever the address's case", () => {
    const balances = new Balances();
    balances.of(SENDER, "stream-a").credit(10n);
    expect(balances.of(SENDER.toLowerCase() as Address, "stream-a").wei).toBe(10n);
    expect(balances.of(SENDER, "stream-b").wei).toBe(0n);
  });

  it("forgets a closed stream", () => {
    const balances = new Balances();
    balances.of(SENDER, "s").credit(10n);
    balances.close(SENDER, "s");
    expect(balances.of(SENDER, "s").wei).toBe(0n);
  });

  it("drops the least recently used stream when full", () => {
    const balances = new Balances({ maxStreams: 2 });
    balances.of(SENDER, "a", 0).credit(1n);
    balances.of(SENDER, "b", 1).credit(2n);
    balances.of(SENDER, "a", 2);
    balances.of(SENDER, "c", 3);
    expect(balances.size).toBe(2);
    expect(balances.of(SENDER, "a", 4).wei).toBe(1n);
    expect(balances.of(SENDER, "b", 5).wei).toBe(0n);
  });

  it("prunes streams idle for longer than asked", () => {
    const balances = new Balances();
    balances.of(SENDER, "old", 0);
    balances.of(SENDER, "new", 50_000);
    expect(balances.prune(30_000, 60_000)).toBe(1);
    expect(balances.size).toBe(1);
  });
});
