// Answers a broadcaster's job request with a quote: the price per segment, and ticket params whose face value is
// large enough that redeeming a winner costs at most the configured share of it at today's gas price.
import type { Address, Hex } from "viem";
import { InvalidMessage, OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import type { JobRequest, Quote } from "../../src/lib/protocol/messages.ts";
import { issueTicketParams } from "../../src/lib/protocol/params.ts";
import { chooseTicketTerms } from "../../src/lib/protocol/winprob.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import { InvalidLadder, validateLadder } from "../transcode/ladder.ts";

/** Gas of one single-ticket redemption (measured ~117k by the TicketBroker gas report), with headroom. */
export const REDEEM_GAS = 130_000n;
/** How long a quoted price stands; the ticket params themselves expire by block. */
export const QUOTE_VALIDITY_MS = 60_000;
/** When full, how long a broadcaster should wait before asking again. */
const BUSY_RETRY_AFTER_MS = 10_000;

/** What the quote needs from the chain, read fresh for every quote. */
export interface ChainView {
  blockNumber(): Promise<bigint>;
  currentRound(): Promise<bigint>;
  /** The latest round someone initialized (its block hash is known). */
  lastInitializedRound(): Promise<bigint>;
  /** Initializes the current round if nobody has (a transaction, at most once per round). */
  initializeCurrentRound(): Promise<void>;
  blockHashForRound(round: bigint): Promise<Hex>;
  gasPriceWei(): Promise<bigint>;
}

export interface QuoteContext {
  orchestrator: Address;
  secret: Uint8Array;
  pricePerSegmentWei: bigint;
  maxRedeemOverheadPpm: bigint;
  ticketParamsValidityBlocks: number;
  serviceIds: readonly string[];
  maxSessions: number;
  sessionsInUse(): number;
  /**
   * Whether the job's stream holds a session here already: it asks again for params when the round took its own
   * (the broadcaster's OrchestratorSession.requestQuote), and a full house must not refuse the stream it is serving.
   */
  holdsSession(job: JobRequest): boolean;
  chain: ChainView;
  nowMs?: () => number;
}

/** Ticket params for the configured price at today's gas price and round: for a quote, and after a win. */
export async function issueCurrentTicketParams(
  ctx: Pick<QuoteContext, "chain" | "pricePerSegmentWei" | "maxRedeemOverheadPpm" | "secret" | "orchestrator" | "ticketParamsValidityBlocks">,
): Promise<TicketParams> {
  const [blockNumber, currentRound, gasPriceWei] = await Promise.all([ctx.chain.blockNumber(), ctx.chain.currentRound(), ctx.chain.gasPriceWei()]);
  // Tickets must name an initialized round (its block hash is on chain): initialize the current one if nobody has.
  // Should that fail (the chain refuses our transaction), the latest initialized round is the last resort.
  let round = currentRound;
  let creationRoundBlockHash = await ctx.chain.blockHashForRound(round);
  if (BigInt(creationRoundBlockHash) === 0n) {
    await ctx.chain.initializeCurrentRound().catch(() => undefined);
    creationRoundBlockHash = await ctx.chain.blockHashForRound(round);
  }
  if (BigInt(creationRoundBlockHash) === 0n) {
    round = await ctx.chain.lastInitializedRound();
    creationRoundBlockHash = await ctx.chain.blockHashForRound(round);
  }
  const terms = chooseTicketTerms({
    ticketEVWei: ctx.pricePerSegmentWei,
    redeemGas: REDEEM_GAS,
    gasPriceWei,
    maxRedeemOverheadPpm: ctx.maxRedeemOverheadPpm,
  });
  return issueTicketParams({
    secret: ctx.secret,
    recipient: ctx.orchestrator,
    faceValue: terms.faceValue,
    winProb: terms.winProb,
    expirationBlock: blockNumber + BigInt(ctx.ticketParamsValidityBlocks),
    creationRound: round,
    creationRoundBlockHash,
  });
}

/** Validates the job against what this node offers, then prices it; throws a ProtocolError the wire can carry. */
export async function buildQuote(ctx: QuoteContext, job: JobRequest): Promise<Quote> {
  if (!ctx.serviceIds.includes(job.serviceId)) {
    throw new InvalidMessage({ messageType: "jobRequest", field: "serviceId", reason: `not offered here; offered: ${ctx.serviceIds.join(", ")}` });
  }
  try {
    validateLadder(job.output);
  } catch (error) {
    if (error instanceof InvalidLadder) throw new InvalidMessage({ messageType: "jobRequest", field: "output", reason: error.reason });
    throw error;
  }
  const capacityLeft = ctx.maxSessions - ctx.sessionsInUse();
  if (capacityLeft <= 0 && !ctx.holdsSession(job)) {
    throw new OrchestratorBusy({ orchestrator: ctx.orchestrator, maxSessions: ctx.maxSessions, retryAfterMs: BUSY_RETRY_AFTER_MS });
  }

  const ticketParams = await issueCurrentTicketParams(ctx);
  const now = (ctx.nowMs ?? Date.now)();
  return {
    v: 1,
    type: "quote",
    streamId: job.streamId,
    orchestrator: ctx.orchestrator,
    price: { per: "segment", priceWei: ctx.pricePerSegmentWei },
    ticketParams,
    capacityLeft,
    expiresAt: now + QUOTE_VALIDITY_MS,
  };
}
