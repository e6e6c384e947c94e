// The payment gate of one stream (session/broadcast-session.ts PaymentGate): a segment's tickets are checked, and only
// once the segment is accepted do they count — nonces spent, winners made durable, the stream's balance credited and charged.
import type { Address } from "viem";
import { InvalidTicket } from "../../src/lib/protocol/errors.ts";
import type { Segment } from "../../src/lib/protocol/messages.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { CheckedPayment, PaymentGate } from "../session/broadcast-session.ts";
import type { Balances } from "./balance.ts";
import type { SenderMonitor } from "./monitor.ts";
import type { RedemptionQueue } from "./redemption-queue.ts";
import type { TicketValidator } from "./validator.ts";

export interface StreamPaymentsOptions {
  streamId: string;
  /** The broadcaster that opened the stream (its jobRequest's address): the only sender whose tickets pay for it. */
  sender: Address;
  /** What each segment costs, as quoted. */
  pricePerSegmentWei: bigint;
  validator: TicketValidator;
  balances: Balances;
  queue: RedemptionQueue;
  monitor: Pick<SenderMonitor, "check" | "addPending">;
  /** The chain as of now; the caller may cache it for a block. */
  chain: { blockNumber(): Promise<bigint>; currentRound(): Promise<bigint> };
  /** New ticket params for this stream (the quote's terms at today's gas price), for when its current ones are retired. */
  newTicketParams(): Promise<TicketParams>;
  /**
   * New params also go out when the paid ones expire within this many blocks, so a stream without wins never runs
   * into TicketParamsExpired (go-livepeer sends fresh params with every result for the same reason). Default 40.
   */
  refreshWithinBlocks?: bigint;
  log?: Logger;
  /** Told of every payment that counted, for metrics. */
  onCommitted?(payment: { tickets: number; winningTickets: number; evWei: bigint }): void;
}

const DEFAULT_REFRESH_WITHIN_BLOCKS = 40n;

/** The PaymentGate that a SessionManager's paymentsFor(job) returns for one stream. */
export function streamPayments(o: StreamPaymentsOptions): PaymentGate {
  const log = o.log ?? silentLogger;
  return {
    /**
     * Everything that can refuse the segment's payment, changing nothing.
     * @throws InvalidTicket or TicketParamsExpired for the first bad ticket (the whole payment is refused, so none
     *         of its tickets is spent and all may be sent again); LowPMBalance or SenderUnlocking when the sender could
     *         not pay a win; InvalidTicket (notEnoughExpectedValue) when tickets and credit fall short of the price
     */
    async check(segment: Segment): Promise<CheckedPayment> {
      const { payment } = segment;
      const [currentBlock, currentRound] = await Promise.all([o.chain.blockNumber(), o.chain.currentRound()]);
      const checked = await o.validator.check(payment, { currentBlock, currentRound, sender: o.sender });
      const [refused] = checked.rejections;
      if (refused !== undefined) throw refused.error;

      // A ticket is worth taking only if a win would be paid: the sender's deposit and reserve share must back it. The
      // winners of this payment are known now (recipientRand is ours), and all of them add to what the sender owes:
      // checking only the largest face value would let one payment stuffed with winners run past the reserve share.
      const largest = payment.tickets.reduce((max, { ticket }) => (ticket.faceValue > max ? ticket.faceValue : max), 0n);
      const winnings = checked.winningTickets.reduce((sum, won) => sum + won.ticket.faceValue, 0n);
      if (payment.tickets.length > 0) await o.monitor.check(o.sender, winnings > largest ? winnings : largest);

      const balance = o.balances.of(o.sender, o.streamId);
      if (balance.wei + checked.evWei < o.pricePerSegmentWei) throw new InvalidTicket({ reason: "notEnoughExpectedValue" });
      // Issued before anything counts: should the chain be unreachable, the segment is refused and the old params stay
      // good, rather than the broadcaster being left with retired params and no new ones.
      const expiringSoon = payment.expirationBlock - currentBlock <= (o.refreshWithinBlocks ?? DEFAULT_REFRESH_WITHIN_BLOCKS);
      const newTicketParams = checked.retiredRecipientRandHash === undefined && !expiringSoon ? undefined : await o.newTicketParams();

      return {
        async commit() {
          o.validator.commit(checked);
          for (const won of checked.winningTickets) {
            // Durable (SQLite, full sync) before the result goes back; false for a ticket already queued.
            if (o.queue.enqueue(won)) o.monitor.addPending(won.ticket.sender, won.ticket.faceValue);
            log.info(
              { stream: o.streamId, segment: segment.sequenceNumber, sender: o.sender, ticketHash: won.ticketHash, faceValueWei: won.ticket.faceValue },
              "winning ticket queued for redemption",
            );
          }
          balance.credit(checked.evWei);
          balance.charge(o.pricePerSegmentWei);
          o.onCommitted?.({ tickets: checked.acceptedTickets, winningTickets: checked.winningTickets.length, evWei: checked.evWei });
          return newTicketParams === undefined ? {} : { newTicketParams };
        },
      };
    },
  };
}
