// Payments on one session take turns while a win is likely. Every win retires the params its tickets carried, and a
// payment made with them that is still on its way is refused and must be paid again, its segment uploaded again. When
// nearly every ticket wins, segments sent back to back to one orchestrator each race the one before for the same
// params: under load a segment kept losing that race until it ran out of tries (CI's broadcast e2e lost segments so).
// A payment that may retire its params is therefore "open" until its outcome is known (the orchestrator's
// ticketParamsUpdate after a win, the segment's reply, the session closing), and the next payment waits for that,
// bounded so that a slow orchestrator costs at most the bound.
import { MAX_WIN_PROB } from "../protocol/winprob.ts";

export interface PaymentTurn {
  /** The payment went out: from now on new params (settleSent) also settle it. */
  sent(): void;
  /** Its outcome is known, or it never went out: the next payment may go. Idempotent. */
  settle(): void;
}

export class PaymentTurns {
  #last: Promise<void> = Promise.resolve();
  readonly #sent = new Set<() => void>();

  /** Waits until the payment before this one settled, or `maxWaitMs`; then it is this payment's turn. */
  async take(maxWaitMs: number): Promise<PaymentTurn> {
    const previous = this.#last;
    let release!: () => void;
    const settled = new Promise<void>((r) => (release = r));
    this.#last = settled;
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      this.#sent.delete(settle);
      release();
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([previous, new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs)))]);
    clearTimeout(timer);
    return {
      sent: () => {
        if (!done) this.#sent.add(settle);
      },
      settle,
    };
  }

  /** New params arrived (or the session ended): every payment already sent has its outcome; those waiting go in turn. */
  settleSent(): void {
    for (const settle of [...this.#sent]) settle();
  }
}

/** A payment whose tickets win with at least this share of certainty (in all) is likely to retire its params. */
const LIKELY_WIN_SHARE = 4n;

/** Whether `tickets` tickets of `winProb` are likely enough to win that the next payment should wait for the outcome. */
export function likelyToWin(tickets: number, winProb: bigint): boolean {
  return BigInt(tickets) * winProb * LIKELY_WIN_SHARE >= MAX_WIN_PROB;
}
