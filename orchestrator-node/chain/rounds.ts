// Protocol time from the orchestrator's side: initialize a round nobody has, and call reward() once per round
// while active — the node does both by itself, so an operator never loses a round's reward.
import type { Logger } from "../log.ts";
import { sendAndWait, type ChainClients } from "./clients.ts";

/**
 * Initializes the current round if it is not, judged at the pending block (where the transaction will land), so a
 * round boundary between check and send does not race. Returns true if this call initialized it.
 */
export async function ensureRoundInitialized(c: ChainClients): Promise<boolean> {
  const rounds = c.contracts.rounds;
  if (await rounds.read.currentRoundInitialized({ blockTag: "pending" })) return false;
  try {
    await sendAndWait(c, "initializeRound", () => rounds.write.initializeRound());
    return true;
  } catch (error) {
    // Someone else (another node, a keeper) initialized it first: fine.
    if (await rounds.read.currentRoundInitialized({ blockTag: "pending" })) return false;
    throw error;
  }
}

export type RewardOutcome =
  | { called: true; round: bigint; txHash: `0x${string}` }
  | { called: false; round: bigint; reason: "already called" | "not active" | "not registered" };

/** Calls reward() if this orchestrator is active and has not called it this round. */
export async function callRewardIfDue(c: ChainClients): Promise<RewardOutcome> {
  await ensureRoundInitialized(c);
  const bm = c.contracts.bondingManager;
  const me = c.account.address;
  const round = await c.contracts.rounds.read.currentRound();
  const info = await bm.read.getTranscoder([me]);
  if (!info.registered) return { called: false, round, reason: "not registered" };
  if (info.lastRewardRound === round) return { called: false, round, reason: "already called" };
  if (!info.active) return { called: false, round, reason: "not active" };
  const txHash = await sendAndWait(c, "reward", () => bm.write.reward());
  return { called: true, round, txHash };
}

/** Runs callRewardIfDue on every new block until `signal` aborts; errors are logged and retried next tick. */
export async function runRoundWorker(c: ChainClients, log: Logger, signal: AbortSignal, intervalMs = 2_000): Promise<void> {
  let lastLoggedRound = -1n;
  while (!signal.aborted) {
    try {
      const outcome = await callRewardIfDue(c);
      if (outcome.called) log.info({ round: outcome.round, tx: outcome.txHash }, "reward called");
      else if (outcome.round !== lastLoggedRound) log.debug({ round: outcome.round, reason: outcome.reason }, "no reward this round");
      lastLoggedRound = outcome.round;
    } catch (error) {
      log.warn({ err: (error as Error).message.split("\n")[0] }, "round worker: will retry");
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
