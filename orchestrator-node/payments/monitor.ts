// The sender monitor: what this orchestrator can count on from each sender — its deposit, its share of the
// sender's reserve, less the winning tickets not yet redeemed — cached, refreshed when TicketBroker events say the
// sender's funds changed, and checked before any work is done for a ticket.
import type { Address } from "viem";
import { ChainUnavailable, LowPMBalance, ProtocolError, SenderUnlocking } from "../../src/lib/protocol/errors.ts";
import { CHAIN_RETRY_AFTER_MS } from "../chain/unavailable.ts";

/** One reading of a sender's funds as the TicketBroker and BondingManager see them. */
export interface SenderFunds {
  deposit: bigint;
  /** reserve.fundsRemaining */
  reserve: bigint;
  /** Claimed from the reserve this round by all orchestrators (the reserve share is computed on the round's start). */
  claimedInCurrentRound: bigint;
  /** Claimed from the reserve this round by this orchestrator. */
  claimedByMe: bigint;
  /** Active orchestrators this round: the reserve is split this many ways. */
  poolSize: bigint;
  /** Non-zero while an unlock is in progress. */
  withdrawRound: bigint;
}

export type SenderFundsSource = (sender: Address) => Promise<SenderFunds>;

interface CacheEntry {
  funds: SenderFunds;
  fetchedAtMs: number;
}

export class SenderMonitor {
  private readonly cache = new Map<Address, CacheEntry>();
  private readonly pending = new Map<Address, bigint>();
  private readonly source: SenderFundsSource;
  private readonly maxAgeMs: number;
  private readonly maxSenders: number;

  /**
   * @param source reads a sender's funds from chain (see chainSenderFundsSource)
   * @param maxAgeMs how long a reading is trusted without an event (events refresh it sooner)
   */
  constructor(source: SenderFundsSource, { maxAgeMs = 30_000, maxSenders = 10_000 } = {}) {
    this.source = source;
    this.maxAgeMs = maxAgeMs;
    this.maxSenders = maxSenders;
  }

  /** The sender's share of the reserve that this orchestrator may still claim, less its unredeemed winning tickets. */
  maxFloat(sender: Address, funds: SenderFunds): bigint {
    if (funds.poolSize === 0n) return 0n;
    const share = (funds.reserve + funds.claimedInCurrentRound) / funds.poolSize - funds.claimedByMe;
    const float = share - (this.pending.get(sender) ?? 0n);
    return float > 0n ? float : 0n;
  }

  /**
   * Throws SenderUnlocking or LowPMBalance unless a winning ticket of `faceValue` from `sender` would be paid: the
   * deposit covers it and, should other orchestrators drain the deposit first, this orchestrator's reserve share
   * still does.
   */
  async check(sender: Address, faceValue: bigint, nowMs = Date.now()): Promise<void> {
    const funds = await this.funds(sender, nowMs);
    if (funds.withdrawRound !== 0n) throw new SenderUnlocking({ sender, withdrawRound: funds.withdrawRound });
    const maxFloat = this.maxFloat(sender, funds);
    const pending = this.pending.get(sender) ?? 0n;
    if (faceValue > maxFloat || funds.deposit < faceValue + pending) {
      throw new LowPMBalance({ sender, faceValue, deposit: funds.deposit, reserve: funds.reserve, maxFloat });
    }
  }

  /** A winning ticket was queued for redemption: until it is redeemed, it uses up part of the float. */
  addPending(sender: Address, faceValue: bigint): void {
    this.pending.set(sender, (this.pending.get(sender) ?? 0n) + faceValue);
  }

  /** A queued winning ticket was redeemed (or lost): its face value no longer counts, and the funds changed. */
  removePending(sender: Address, faceValue: bigint): void {
    const left = (this.pending.get(sender) ?? 0n) - faceValue;
    if (left > 0n) this.pending.set(sender, left);
    else this.pending.delete(sender);
    this.invalidate(sender);
  }

  /** Forget a reading (an event said the sender's funds changed). */
  invalidate(sender: Address): void {
    this.cache.delete(sender);
  }

  private async funds(sender: Address, nowMs: number): Promise<SenderFunds> {
    const cached = this.cache.get(sender);
    if (cached && nowMs - cached.fetchedAtMs < this.maxAgeMs) return cached.funds;
    let funds: SenderFunds;
    try {
      funds = await this.source(sender);
    } catch (cause) {
      // The chain is down or failing: refuse by name, spending nothing (a stale reading could pay for drained funds).
      if (cause instanceof ProtocolError) throw cause;
      throw new ChainUnavailable({ what: "the sender's deposit and reserve", retryAfterMs: CHAIN_RETRY_AFTER_MS }, { cause });
    }
    // Bounded: the oldest reading goes first when too many senders are cached.
    if (this.cache.size >= this.maxSenders) this.cache.delete(this.cache.keys().next().value as Address);
    this.cache.set(sender, { funds, fetchedAtMs: nowMs });
    return funds;
  }
}
