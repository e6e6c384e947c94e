// Ticket terms: the expected value of a ticket, the faceValue and winProb an orchestrator offers, and tickets per payment.
import { formatEther } from "viem";
import { ProtocolError } from "./errors.ts";

/** winProb is a fraction of 2^256: a ticket wins iff a uniformly random 256-bit hash is below it. */
export const WIN_PROB_DENOMINATOR = 2n ** 256n;
/** The largest winProb a uint256 holds; it loses only to the one hash equal to 2^256 − 1. */
export const MAX_WIN_PROB = WIN_PROB_DENOMINATOR - 1n;
/** Parts per million, the unit of maxRedeemOverheadPpm. */
export const PPM = 1_000_000n;
/** Redemption may cost at most 1% of what a winning ticket pays, unless the orchestrator says otherwise. */
export const DEFAULT_MAX_REDEEM_OVERHEAD_PPM = 10_000n;

export interface FaceValueAboveCapData {
  /** The smallest faceValue that keeps the redemption overhead within bounds (or the ticket EV, when larger). */
  neededFaceValueWei: bigint;
  maxFaceValueWei: bigint;
  /** redeemGas × gasPriceWei: what redeeming one winning ticket costs the orchestrator. */
  redeemCostWei: bigint;
}

/** The sender's cap (typically its reserve share per orchestrator) is below the faceValue that redemption needs. */
export class FaceValueAboveCap extends ProtocolError<FaceValueAboveCapData> {
  override name = "FaceValueAboveCap";

  constructor(data: FaceValueAboveCapData, options?: ErrorOptions) {
    super(
      {
        code: "FACE_VALUE_ABOVE_CAP",
        message:
          `Tickets need a faceValue of ${formatEther(data.neededFaceValueWei)} ETH (redeeming one costs ` +
          `${formatEther(data.redeemCostWei)} ETH) but the sender can back at most ${formatEther(data.maxFaceValueWei)} ETH.`,
        nextStep:
          "The sender can add to its reserve (fundReserve) to raise the cap; the orchestrator can accept a larger " +
          "maxRedeemOverheadPpm or wait for a lower gas price; or a smaller ticketEVWei can be asked for.",
        data,
      },
      options,
    );
  }
}

export interface TicketTermsOutOfRangeData {
  field: string;
  value: bigint;
  /** The range the field must be in, in words. */
  expected: string;
}

/** An input to the ticket-term rules outside the range where they mean anything: a caller's bug or misconfiguration. */
export class TicketTermsOutOfRange extends ProtocolError<TicketTermsOutOfRangeData> {
  override name = "TicketTermsOutOfRange";

  constructor(data: TicketTermsOutOfRangeData, options?: ErrorOptions) {
    super(
      {
        code: "TICKET_TERMS_OUT_OF_RANGE",
        message: `${data.field} is ${data.value}; it must be ${data.expected}.`,
        nextStep: `Correct ${data.field} in the orchestrator's pricing configuration or the caller's input.`,
        data,
      },
      options,
    );
  }
}

/** faceValue × winProb / 2^256, rounded down: the wei a ticket pays on average. */
export function expectedValue(faceValue: bigint, winProb: bigint): bigint {
  return (faceValue * winProb) / WIN_PROB_DENOMINATOR;
}

export interface TicketTermsInput {
  /** The expected value wanted per ticket, in wei (go-livepeer's ticketEV): usually the price of one segment. */
  ticketEVWei: bigint;
  /** Gas one redeemWinningTicket uses. */
  redeemGas: bigint;
  gasPriceWei: bigint;
  /** Largest share of faceValue that redemption may cost, in parts per million; default 1%. */
  maxRedeemOverheadPpm?: bigint;
  /** Largest faceValue the sender can back, e.g. its reserve divided among the active orchestrators. */
  maxFaceValueWei?: bigint;
}

export interface TicketTerms {
  faceValue: bigint;
  winProb: bigint;
}

/**
 * The faceValue and winProb an orchestrator offers for tickets worth `ticketEVWei` each.
 *
 * faceValue is the smallest that keeps redemption within the overhead (redeemGas × gasPriceWei ≤ overhead × faceValue),
 * but never below the EV: the smaller the faceValue, the less each win swings the sender's deposit and the more wins
 * its reserve covers. When the EV alone already clears the overhead, faceValue = EV and winProb = 2^256 − 1 (~1).
 *
 * winProb = ceil(EV × 2^256 / faceValue), rounded UP so that the exact expected payment is at least the EV asked for
 * and exceeds it by less than faceValue / 2^256 < 1 wei: expectedValue(faceValue, winProb) then equals ticketEVWei
 * exactly, and a validator that checks expectedValue(ticket) ≥ price accepts the terms it issued. Rounding down would
 * underpay every ticket by a fraction of a wei and fail that check by one. Only the cap at 2^256 − 1 (faceValue = EV)
 * makes expectedValue one wei short.
 * @throws FaceValueAboveCap when the needed faceValue exceeds maxFaceValueWei
 * @throws TicketTermsOutOfRange for ticketEVWei ≤ 0, a negative gas or gas price, or an overhead outside 1..1,000,000 ppm
 */
export function chooseTicketTerms(input: TicketTermsInput): TicketTerms {
  const { ticketEVWei, redeemGas, gasPriceWei, maxRedeemOverheadPpm = DEFAULT_MAX_REDEEM_OVERHEAD_PPM } = input;
  if (ticketEVWei <= 0n) throw new TicketTermsOutOfRange({ field: "ticketEVWei", value: ticketEVWei, expected: "at least 1 wei" });
  if (redeemGas < 0n) throw new TicketTermsOutOfRange({ field: "redeemGas", value: redeemGas, expected: "0 or more" });
  if (gasPriceWei < 0n) throw new TicketTermsOutOfRange({ field: "gasPriceWei", value: gasPriceWei, expected: "0 or more" });
  if (maxRedeemOverheadPpm <= 0n || maxRedeemOverheadPpm > PPM) {
    throw new TicketTermsOutOfRange({ field: "maxRedeemOverheadPpm", value: maxRedeemOverheadPpm, expected: `between 1 and ${PPM}` });
  }

  const redeemCostWei = redeemGas * gasPriceWei;
  const minFaceValueForOverhead = ceilDiv(redeemCostWei * PPM, maxRedeemOverheadPpm);
  const faceValue = minFaceValueForOverhead > ticketEVWei ? minFaceValueForOverhead : ticketEVWei;
  if (input.maxFaceValueWei !== undefined && faceValue > input.maxFaceValueWei) {
    throw new FaceValueAboveCap({ neededFaceValueWei: faceValue, maxFaceValueWei: input.maxFaceValueWei, redeemCostWei });
  }
  if (faceValue > MAX_WIN_PROB) throw new TicketTermsOutOfRange({ field: "faceValue", value: faceValue, expected: "a uint256" });

  const winProb = ceilDiv(ticketEVWei * WIN_PROB_DENOMINATOR, faceValue);
  return { faceValue, winProb: winProb > MAX_WIN_PROB ? MAX_WIN_PROB : winProb };
}

export interface TicketsForPaymentInput {
  /** What the next segment costs, in wei. */
  paymentWei: bigint;
  /** Expected value of one ticket made from the orchestrator's params: expectedValue(faceValue, winProb). */
  ticketEVWei: bigint;
  /** Value already sent in tickets beyond what earlier segments cost. */
  creditWei?: bigint;
}

/**
 * How many tickets a broadcaster sends to pay `paymentWei`, using its credit first (as go-livepeer's Balance): the
 * fewest tickets whose EV, with the credit, covers the payment. What they overpay becomes the next credit.
 * @throws TicketTermsOutOfRange for a ticketEVWei ≤ 0 or a negative payment or credit
 */
export function ticketsForPayment(input: TicketsForPaymentInput): { tickets: bigint; creditWei: bigint } {
  const { paymentWei, ticketEVWei, creditWei = 0n } = input;
  if (ticketEVWei <= 0n) throw new TicketTermsOutOfRange({ field: "ticketEVWei", value: ticketEVWei, expected: "at least 1 wei" });
  if (paymentWei < 0n) throw new TicketTermsOutOfRange({ field: "paymentWei", value: paymentWei, expected: "0 or more" });
  if (creditWei < 0n) throw new TicketTermsOutOfRange({ field: "creditWei", value: creditWei, expected: "0 or more" });
  const owedWei = paymentWei > creditWei ? paymentWei - creditWei : 0n;
  const tickets = ceilDiv(owedWei, ticketEVWei);
  return { tickets, creditWei: creditWei + tickets * ticketEVWei - paymentWei };
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
