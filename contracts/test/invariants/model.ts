// The invariant suite's shadow model: what the protocol owes and holds, kept from the actions' own inputs and the
// protocol's rules, independently of the contracts' storage, and the predictions a ticket redemption is checked by.
import { getAddress, type Address, type Hex } from "viem";
import type { SignedTicket } from "../helpers/tickets.ts";

/** A sender's funds as the TicketBroker should hold them. */
export interface SenderModel {
  deposit: bigint;
  reserve: bigint;
  /** 0 when no unlock is in progress. */
  withdrawRound: bigint;
}

export interface OpenChallenge {
  id: Hex;
  orchestrator: Address;
  bondWei: bigint;
  verdictDeadlineRound: bigint;
}

export interface UnbondingLockModel {
  amount: bigint;
  withdrawRound: bigint;
}

export interface Model {
  // LPT
  /** LPT minted by rewards (Reward events, each checked against the Minter's round budget). */
  minted: bigint;
  /** LPT burned by slashes: the penalty less the finder's fee, both predicted from the stake before the slash. */
  burned: bigint;
  /** Open unbonding locks per account, by lock id. */
  locks: Map<Address, Map<bigint, UnbondingLockModel>>;
  nextLockId: Map<Address, bigint>;
  /** Reward() calls per round, summed, against the Minter's mintable tokens of that round. */
  mintedInRound: Map<bigint, bigint>;
  // ETH
  senders: Map<Address, SenderModel>;
  /** Wei each orchestrator claimed from each sender's reserve, per round: key `${sender}/${round}/${claimant}`. */
  reserveClaims: Map<string, bigint>;
  /** Wei claimed from a sender's reserve in a round, all claimants: key `${sender}/${round}`. */
  reserveClaimedInRound: Map<string, bigint>;
  /** ETH paid into the Minter by redemptions, and paid out of it by withdrawFees. */
  feesIn: bigint;
  feesOut: bigint;
  /** Challenges filed and not yet judged or withdrawn: the FaultVerifier holds their bonds. */
  openChallenges: OpenChallenge[];
  // Tickets
  /** Signed tickets not yet redeemed, oldest first. */
  unredeemed: SignedTicket[];
  /** Tickets redeemed (spent), to replay and to check usedTickets. */
  redeemed: SignedTicket[];
  redeemedHashes: Set<Hex>;
}

export function newModel(stakers: readonly Address[], senders: readonly Address[], start: SenderModel): Model {
  return {
    minted: 0n,
    burned: 0n,
    locks: new Map(stakers.map((a) => [a, new Map()])),
    nextLockId: new Map(stakers.map((a) => [a, 0n])),
    mintedInRound: new Map(),
    senders: new Map(senders.map((a) => [getAddress(a), { ...start }])),
    reserveClaims: new Map(),
    reserveClaimedInRound: new Map(),
    feesIn: 0n,
    feesOut: 0n,
    openChallenges: [],
    unredeemed: [],
    redeemed: [],
    redeemedHashes: new Set(),
  };
}

export function senderOf(model: Model, sender: Address): SenderModel {
  const s = model.senders.get(getAddress(sender));
  if (!s) throw new Error(`${sender} is not a sender of the model`);
  return s;
}

export function reserveClaimKey(sender: Address, round: bigint, claimant: Address): string {
  return `${sender}/${round}/${claimant}`.toLowerCase();
}

export function reserveRoundKey(sender: Address, round: bigint): string {
  return `${sender}/${round}`.toLowerCase();
}

/** What the BondingManager says about the recipient and the round's pool, read just before a redemption. */
export interface RecipientStanding {
  active: boolean;
  registered: boolean;
  poolSize: bigint;
}

/**
 * A claimant's allocation from a reserve in `round` (the rule a sender relies on when it funds a reserve): an equal
 * share of what the reserve held at the round's start plus what was added since, over the round's active pool,
 * less what the claimant already took, and never more than is left.
 */
export function reserveAllocation(model: Model, sender: Address, claimant: Address, round: bigint, standing: RecipientStanding): bigint {
  if (!standing.active || standing.poolSize === 0n) return 0n;
  const { reserve } = senderOf(model, sender);
  const share = (reserve + (model.reserveClaimedInRound.get(reserveRoundKey(sender, round)) ?? 0n)) / standing.poolSize;
  const claimed = model.reserveClaims.get(reserveClaimKey(sender, round, claimant)) ?? 0n;
  if (share <= claimed) return 0n;
  return share - claimed < reserve ? share - claimed : reserve;
}

/** A winning ticket's fate as the model predicts it, before any chain call. */
export type RedemptionOutcome =
  | { ok: true; fromDeposit: bigint; fromReserve: bigint }
  | { ok: false; error: string };

export interface RedemptionContext {
  currentRound: bigint;
  roundInitialized: boolean;
  ticketValidityPeriodRounds: bigint;
  standing: RecipientStanding;
}

/** The creation round a ticket carries in its auxData. */
export function creationRoundOf(t: SignedTicket): bigint {
  return BigInt(t.ticket.auxData.slice(0, 66));
}

/** The redemption rules in the order the TicketBroker applies them; the ticket always wins (winProb = max). */
export function predictRedemption(model: Model, t: SignedTicket, ctx: RedemptionContext): RedemptionOutcome {
  if (!ctx.roundInitialized) return { ok: false, error: "RoundNotInitialized" };
  if (ctx.currentRound >= creationRoundOf(t) + ctx.ticketValidityPeriodRounds) return { ok: false, error: "TicketExpired" };
  if (model.redeemedHashes.has(t.hash)) return { ok: false, error: "TicketAlreadyUsed" };
  const s = senderOf(model, t.ticket.sender);
  if (s.withdrawRound !== 0n && ctx.currentRound >= s.withdrawRound) return { ok: false, error: "SenderUnlocked" };
  if (s.deposit === 0n && s.reserve === 0n) return { ok: false, error: "SenderHasNoFunds" };
  const faceValue = t.ticket.faceValue;
  if (faceValue <= s.deposit) return paid(ctx, faceValue, 0n);
  const wanted = faceValue - s.deposit;
  const allocation = reserveAllocation(model, t.ticket.sender, t.ticket.recipient, ctx.currentRound, ctx.standing);
  return paid(ctx, s.deposit, wanted < allocation ? wanted : allocation);
}

function paid(ctx: RedemptionContext, fromDeposit: bigint, fromReserve: bigint): RedemptionOutcome {
  // The fee credit refuses an unregistered recipient, which undoes the whole redemption (the ticket stays unspent).
  if (fromDeposit + fromReserve !== 0n && !ctx.standing.registered) return { ok: false, error: "NotRegisteredOrchestrator" };
  return { ok: true, fromDeposit, fromReserve };
}

/** Applies a successful redemption to the model: the ticket is spent, the funds move to the Minter. */
export function applyRedemption(model: Model, t: SignedTicket, round: bigint, fromDeposit: bigint, fromReserve: bigint): void {
  const sender = t.ticket.sender;
  const s = senderOf(model, sender);
  s.deposit -= fromDeposit;
  s.reserve -= fromReserve;
  if (fromReserve > 0n) {
    const claimKey = reserveClaimKey(sender, round, t.ticket.recipient);
    model.reserveClaims.set(claimKey, (model.reserveClaims.get(claimKey) ?? 0n) + fromReserve);
    const roundKey = reserveRoundKey(sender, round);
    model.reserveClaimedInRound.set(roundKey, (model.reserveClaimedInRound.get(roundKey) ?? 0n) + fromReserve);
  }
  model.feesIn += fromDeposit + fromReserve;
  model.redeemedHashes.add(t.hash);
  model.redeemed.push(t);
  model.unredeemed = model.unredeemed.filter((u) => u.hash !== t.hash);
}
