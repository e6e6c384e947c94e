import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HedgeBudget } from "./hedge-budget.ts";

describe("HedgeBudget", () => {
  it("hedges at once while a slot is free, and the next slow segment when an earlier hedge settles", () => {
    const budget = new HedgeBudget(1);
    const started: number[] = [];
    const first = budget.claim(() => started.push(1));
    const second = budget.claim(() => started.push(2));
    const third = budget.claim(() => started.push(3));
    expect(started).toEqual([1]);
    expect(budget.waiting).toBe(2);
    first.done();
    expect(started).toEqual([1, 2]);
    second.done();
    third.done();
    expect(started).toEqual([1, 2, 3]);
    expect(budget.inFlight).toBe(0);
  });

  it("drops a waiting claim whose segment came back from its slow orchestrator meanwhile", () => {
    const budget = new HedgeBudget(1);
    const started: number[] = [];
    const first = budget.claim(() => started.push(1));
    const second = budget.claim(() => started.push(2));
    second.done(); // answered by the slow one before a slot freed
    first.done();
    expect(started).toEqual([1]);
    expect([budget.inFlight, budget.waiting]).toEqual([0, 0]);
  });

  it("never runs more than its budget, starts every claim not settled first, and frees every slot", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.nat(), { maxLength: 60 }), (max, ops) => {
        const budget = new HedgeBudget(max);
        const claims: { done(): void; started: boolean; settled: boolean }[] = [];
        for (const op of ops) {
          const open = claims.filter((c) => !c.settled);
          if (op % 3 === 0 || open.length === 0) {
            const c = { done: () => {}, started: false, settled: false };
            c.done = budget.claim(() => (c.started = true)).done;
            claims.push(c);
          } else {
            const c = open[op % open.length]!;
            c.done();
            c.done(); // a second done() is harmless
            c.settled = true;
          }
          expect(budget.inFlight).toBeLessThanOrEqual(max);
          const running = claims.filter((c) => c.started && !c.settled).length;
          expect(budget.inFlight).toBe(running);
          // A claim waits only while the budget is full.
          if (claims.some((c) => !c.started && !c.settled)) expect(running).toBe(max);
        }
        for (const c of claims) if (!c.settled) c.done();
        expect([budget.inFlight, budget.waiting]).toEqual([0, 0]);
      }),
    );
  });

  it("refuses a budget below one", () => {
    expect(() => new HedgeBudget(0)).toThrow(RangeError);
  });
});
