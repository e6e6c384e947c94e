// The sender's side of probabilistic micropayments for one orchestrator: turns a segment's price into signed
// tickets from the orchestrator's current params, carrying over credit, with a fresh nonce per ticket.
import type { LocalAccount } from "viem/accounts";
import type { Payment } from "../protocol/messages.ts";
import { makeTicket, signTicket } from "../protocol/ticket.ts";
import type { SignedTicket, TicketParams } from "../protocol/types.ts";
import { expectedValue, ticketsForPayment } from "../protocol/winprob.ts";

/** One segment's payment before it is known to be accepted: commit() it once the orchestrator took it. */
export interface PendingPayment {
  payment: Payment;
  /** Tickets in it, and their total expected value (what the segment cost). */
  tickets: number;
  evWei: bigint;
  /** The credit left if the orchestrator accepts this payment. */
  creditAfterWei: bigint;
}

export class TicketPayer {
  readonly #account: LocalAccount;
  #params: TicketParams;
  readonly #priceWei: bigint;
  #creditWei = 0n;
  // A nonce is used once per recipientRand; counting from a random start keeps a reloaded tab (which forgets its
  // counter) from repeating nonces the orchestrator has already seen for params that are still valid.
  #nonce: bigint;

  constructor(account: LocalAccount, params: TicketParams, pricePerSegmentWei: bigint, firstNonce = randomNonceBase()) {
    this.#account = account;
    this.#params = params;
    this.#priceWei = pricePerSegmentWei;
    this.#nonce = firstNonce;
  }

  get params(): TicketParams {
    return this.#params;
  }

  get creditWei(): bigint {
    return this.#creditWei;
  }

  get pricePerSegmentWei(): bigint {
    return this.#priceWei;
  }

  /** New params from the orchestrator (after a win, or a new round): tickets are made from them from now on. */
  updateParams(params: TicketParams): void {
    this.#params = params;
  }

  /** Signed tickets worth one segment's price, using the credit first. */
  async pay(): Promise<PendingPayment> {
    const params = this.#params;
    const ticketEVWei = expectedValue(params.faceValue, params.winProb);
    const { tickets, creditWei } = ticketsForPayment({ paymentWei: this.#priceWei, ticketEVWei, creditWei: this.#creditWei });
    const signed: SignedTicket[] = [];
    for (let i = 0n; i < tickets; i++) {
      this.#nonce += 1n;
      signed.push(await signTicket(this.#account, makeTicket(params, this.#account.address, this.#nonce)));
    }
    return {
      payment: { seed: params.seed, expirationBlock: params.expirationBlock, tickets: signed },
      tickets: signed.length,
      evWei: tickets * ticketEVWei,
      creditAfterWei: creditWei,
    };
  }

  /** The orchestrator accepted `pending`: its overpayment is credit for the next segment. A refused one counts for nothing. */
  commit(pending: PendingPayment): void {
    this.#creditWei = pending.creditAfterWei;
  }
}

function randomNonceBase(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0]!) << 32n) | BigInt(words[1]!);
}
