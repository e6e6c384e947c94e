import { describe, expect, it } from "vitest";
import { MAX_WIN_PROB } from "../protocol/winprob.ts";
import { likelyToWin, PaymentTurns } from "./payment-turns.ts";

const LONG_MS = 60_000;

/** Resolves with true if `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const result = await Promise.race([p.then(() => true as const), late]);
  clearTimeout(timer);
  return result;
}

describe("PaymentTurns", () => {
  it("lets the first payment go at once, and the next only when the first settles", async () => {
    const turns = new PaymentTurns();
    const first = await turns.take(LONG_MS);
    first.sent();
    const second = turns.take(LONG_MS);
    expect(await settlesWithin(second, 50)).toBe(false);
    first.settle();
    expect(await settlesWithin(second, 50)).toBe(true);
  });

  it("new params settle every payment already sent, but not one still waiting for its turn", async () => {
    const turns = new PaymentTurns();
    const first = await turns.take(LONG_MS);
    first.sent();
    const second = turns.take(LONG_MS);
    const third = turns.take(LONG_MS);
    turns.settleSent(); // the first one won: its outcome is known
    const secondTurn = await second;
    // The second has not gone out yet: the third still waits for it, or both would race for the new params.
    expect(await settlesWithin(third, 50)).toBe(false);
    secondTurn.sent();
    turns.settleSent();
    expect(await settlesWithin(third, 50)).toBe(true);
  });

  it("waits no longer than the bound for a payment whose outcome does not come", async () => {
    const turns = new PaymentTurns();
    (await turns.take(LONG_MS)).sent();
    expect(await settlesWithin(turns.take(20), 500)).toBe(true);
  });

  it("settling twice, or a settle after new params, changes nothing", async () => {
    const turns = new PaymentTurns();
    const first = await turns.take(LONG_MS);
    first.sent();
    turns.settleSent();
    first.settle();
    first.settle();
    const second = await turns.take(LONG_MS);
    second.sent();
    expect(await settlesWithin(turns.take(LONG_MS), 50)).toBe(false);
  });
});

describe("likelyToWin", () => {
  it("is true from a 1 in 4 chance in all, counting every ticket of the payment", () => {
    expect(likelyToWin(1, MAX_WIN_PROB)).toBe(true);
    expect(likelyToWin(1, MAX_WIN_PROB / 4n + 1n)).toBe(true);
    expect(likelyToWin(1, MAX_WIN_PROB / 8n)).toBe(false);
    expect(likelyToWin(2, MAX_WIN_PROB / 8n + 1n)).toBe(true);
    expect(likelyToWin(1000, MAX_WIN_PROB / 1_000_000n)).toBe(false);
    expect(likelyToWin(0, MAX_WIN_PROB)).toBe(false);
  });
});
