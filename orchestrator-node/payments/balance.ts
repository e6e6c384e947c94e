// What a broadcaster has paid for a stream beyond what its segments cost (go-livepeer's Balance): the expected value of
// its accepted tickets in, each segment's price out. The broadcaster keeps the same figure as its ticketsForPayment credit.
import type { Address } from "viem";
import { InvalidTicket } from "../../src/lib/protocol/errors.ts";

/** One (sender, stream)'s running credit, in wei. */
export class Balance {
  private creditWei = 0n;

  /** The credit left: expected value received minus prices charged. */
  get wei(): bigint {
    return this.creditWei;
  }

  /** Adds the expected value of accepted tickets (ValidatedPayment.evWei). */
  credit(evWei: bigint): void {
    if (evWei < 0n) throw new RangeError(`cannot credit a negative amount (${evWei} wei)`);
    this.creditWei += evWei;
  }

  /**
   * Takes a segment's price from the credit, before the segment is worked on.
   * @throws InvalidTicket (notEnoughExpectedValue), charging nothing, when the credit is less than the price
   */
  charge(priceWei: bigint): void {
    if (priceWei < 0n) throw new RangeError(`cannot charge a negative price (${priceWei} wei)`);
    if (this.creditWei < priceWei) throw new InvalidTicket({ reason: "notEnoughExpectedValue" });
    this.creditWei -= priceWei;
  }
}

/** The balances of every live stream, bounded: the least recently used one goes first when there are too many. */
export class Balances {
  private readonly balances = new Map<string, { balance: Balance; usedAtMs: number }>();
  private readonly maxStreams: number;

  constructor({ maxStreams = 10_000 } = {}) {
    this.maxStreams = maxStreams;
  }

  /** The stream's balance, opened at 0 on first use. */
  of(sender: Address, streamId: string, nowMs = Date.now()): Balance {
    const k = key(sender, streamId);
    const found = this.balances.get(k);
    // Re-inserted on every use, so the Map's first key is always the least recently used.
    if (found !== undefined) this.balances.delete(k);
    else if (this.balances.size >= this.maxStreams) this.balances.delete(this.balances.keys().next().value as string);
    const entry = { balance: found?.balance ?? new Balance(), usedAtMs: nowMs };
    this.balances.set(k, entry);
    return entry.balance;
  }

  /** Forgets a stream that ended; its credit is the broadcaster's overpayment, which a new stream does not inherit. */
  close(sender: Address, streamId: string): void {
    this.balances.delete(key(sender, streamId));
  }

  /** Forgets streams unused for `idleMs`; returns how many. */
  prune(idleMs: number, nowMs = Date.now()): number {
    let dropped = 0;
    for (const [k, { usedAtMs }] of this.balances) {
      if (nowMs - usedAtMs < idleMs) break; // in order of use: the rest are newer
      this.balances.delete(k);
      dropped++;
    }
    return dropped;
  }

  get size(): number {
    return this.balances.size;
  }
}

function key(sender: Address, streamId: string): string {
  return `${sender.toLowerCase()}/${streamId}`;
}
