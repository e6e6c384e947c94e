// Plays one action sequence of the invariant suite from a fresh model: each action, then every invariant. Used by the
// random sequences and by the recorded sequences that once found a defect (regressions/).
import type { Action } from "./actions.ts";
import { describeAction } from "./actions.ts";
import { execute } from "./execute.ts";
import { checkInvariants, type Dust } from "./invariants.ts";
import { newModel } from "./model.ts";
import type { Tally } from "./outcome.ts";
import { SENDER_START_DEPOSIT, SENDER_START_RESERVE, type World } from "./world.ts";

/** Runs `actions` on `world` (fresh from its snapshot); returns the largest rounding dust seen. */
export async function playSequence(world: World, tally: Tally, actions: readonly Action[]): Promise<Dust> {
  const model = newModel(
    world.stakers.map((s) => s.account.address),
    world.senders.map((s) => s.wallet.account.address),
    { deposit: SENDER_START_DEPOSIT, reserve: SENDER_START_RESERVE, withdrawRound: 0n },
  );
  const largest = await checkInvariants(world, model);
  for (const [i, action] of actions.entries()) {
    try {
      await execute(world, model, tally, action);
      const dust = await checkInvariants(world, model);
      if (dust.stakeWei > largest.stakeWei) largest.stakeWei = dust.stakeWei;
      if (dust.feeWei > largest.feeWei) largest.feeWei = dust.feeWei;
    } catch (error) {
      const from = Math.max(0, i - 15);
      const history = actions.slice(from, i + 1).map((a, j) => `  ${from + j}: ${describeAction(a)}`);
      throw new Error(`after action ${i} of the sequence (the last ones below):\n${history.join("\n")}`, { cause: error });
    }
  }
  return largest;
}

/** A sequence recorded as JSON (bigints as decimal strings, as describeAction writes them) back into actions. */
export function parseSequence(json: string): Action[] {
  const records = JSON.parse(json) as Record<string, unknown>[];
  const big = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? BigInt(v) : v);
  return records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.map(big) : big(v)])) as Action);
}
