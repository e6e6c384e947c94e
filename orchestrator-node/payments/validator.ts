// Validates the tickets of one segment payment made out to this orchestrator and says what they are worth: the
// TicketBroker's own rules (so a winner will redeem) and the recipient's (params it issued, unexpired, each nonce once,
// params retired after a win).
import { zeroAddress, type Address, type Hex } from "viem";
import { InvalidTicket, TicketParamsExpired, type InvalidTicketReason } from "../../src/lib/protocol/errors.ts";
import { echoedTicketParams, type Payment } from "../../src/lib/protocol/messages.ts";
import { MIN_RECIPIENT_SECRET_BYTES, RecipientSecretTooShort, isExpired, issuedRecipientRand } from "../../src/lib/protocol/params.ts";
import { InvalidSignature, type DigestSignerRecovery } from "../../src/lib/protocol/signature.ts";
import { InvalidAuxData, isWinningTicket, recoverTicketSigner, ticketHash } from "../../src/lib/protocol/ticket.ts";
import type { SignedTicket, TicketParams } from "../../src/lib/protocol/types.ts";
import { expectedValue } from "../../src/lib/protocol/winprob.ts";
import { DEFAULT_MAX_NONCES_PER_RECIPIENT_RAND_HASH, NonceTracker, type NonceClaim } from "./nonce-tracker.ts";
import type { WinningTicket } from "./redemption-queue.ts";

/** Rounds whose block hash is kept: a ticket's creation round is at most ticketValidityPeriodRounds old. */
const BLOCK_HASH_CACHE_ROUNDS = 16;

export interface TicketValidatorConfig {
  /** The recipient secret the orchestrator issues ticket params with (params.ts issueTicketParams). */
  secret: Uint8Array;
  /** This orchestrator's address: every ticket must be made out to it. */
  recipient: Address;
  /** TicketBroker.ticketValidityPeriodRounds(): a ticket is redeemable until creationRound + this. */
  ticketValidityPeriodRounds: bigint;
  /** RoundsManager.blockHashForRound(round): zero for a round that was never initialized. */
  blockHashForRound: (round: bigint) => Promise<Hex>;
  /** Tickets per recipientRandHash before it is retired and new params must be sent (go-livepeer's maxSenderNonces). */
  maxNoncesPerRecipientRandHash?: number;
  /** Signature recovery (default: viem's, pure JS); the node passes native secp256k1 for throughput. */
  recoverSigner?: DigestSignerRecovery;
  /** Live recipientRandHashes tracked at once (NonceTracker). */
  maxRecipientRandHashes?: number;
}

/** What the chain looks like to this payment, and whom the stream belongs to. */
export interface PaymentContext {
  currentBlock: bigint;
  currentRound: bigint;
  /** The broadcaster that opened the stream (its jobRequest's address); when given, tickets of any other sender are refused. */
  sender?: Address;
}

export interface TicketRejection {
  /** Position of the ticket in payment.tickets. */
  index: number;
  error: InvalidTicket | TicketParamsExpired;
}

export interface ValidatedPayment {
  /** Expected value of the accepted tickets (faceValue × winProb / 2^256 each): what to credit the stream's Balance. */
  evWei: bigint;
  acceptedTickets: number;
  /** Accepted tickets that won: to commit to the RedemptionQueue before the segment's result goes back. */
  winningTickets: WinningTicket[];
  /** Refused tickets, each with the error to send back. */
  rejections: TicketRejection[];
  /**
   * Set when the payment's params may no longer be used once it is committed — a ticket won (its redemption will
   * reveal recipientRand) or they reached their nonce limit: send the broadcaster new params (ticketParamsUpdate).
   */
  retiredRecipientRandHash?: Hex;
}

/** A ticket that passed every check that needs no shared state; the nonce is checked and spent afterwards. */
interface CheckedTicket {
  index: number;
  signed: SignedTicket;
  params: TicketParams;
  recipientRand: bigint;
  ticketHash: Hex;
}

/** What commit() spends for a checked payment: its accepted tickets' nonces, and the hash to retire. */
interface PendingCommit {
  claims: NonceClaim[];
  ticketHashes: Hex[];
  retire?: { recipientRandHash: Hex; expirationBlock: bigint };
}

export class TicketValidator {
  private readonly config: TicketValidatorConfig;
  private readonly nonces: NonceTracker;
  private readonly maxNonces: number;
  private readonly blockHashes = new Map<bigint, Hex>();
  /** Checked payments not yet committed; a payment can be committed once, and only as it was checked. */
  private readonly pending = new WeakMap<ValidatedPayment, PendingCommit>();
  /** Highest block any caller has reported, so that a lagging RPC answer cannot revive expired params. */
  private latestBlock = 0n;

  /** @throws RecipientSecretTooShort for a secret shorter than 32 bytes */
  constructor(config: TicketValidatorConfig) {
    if (config.secret.length < MIN_RECIPIENT_SECRET_BYTES) throw new RecipientSecretTooShort(config.secret.length);
    this.config = config;
    this.nonces = new NonceTracker({ maxRecipientRandHashes: config.maxRecipientRandHashes });
    this.maxNonces = config.maxNoncesPerRecipientRandHash ?? DEFAULT_MAX_NONCES_PER_RECIPIENT_RAND_HASH;
  }

  /**
   * Judges every ticket of a segment's payment and says what the accepted ones are worth, changing nothing: no nonce
   * is spent until commit(), so a segment refused for another reason (its format, its price) leaves its tickets
   * unspent and the broadcaster may send them again. Each ticket is judged on its own.
   * @throws only what blockHashForRound throws (the chain is unreachable)
   */
  async check(payment: Pick<Payment, "seed" | "expirationBlock" | "tickets">, ctx: PaymentContext): Promise<ValidatedPayment> {
    if (ctx.currentBlock > this.latestBlock) this.latestBlock = ctx.currentBlock;
    const rejections: TicketRejection[] = [];
    const checked: CheckedTicket[] = [];
    for (const [index, signed] of payment.tickets.entries()) {
      try {
        checked.push(await this.checkTicket(index, payment, signed, ctx));
      } catch (error) {
        if (!(error instanceof InvalidTicket || error instanceof TicketParamsExpired)) throw error;
        rejections.push({ index, error });
      }
    }

    const result: ValidatedPayment = { evWei: 0n, acceptedTickets: 0, winningTickets: [], rejections };
    const commit: PendingCommit = { claims: [], ticketHashes: [] };
    const spent = new Set<string>();
    const noncesByHash = new Map<string, number>();
    for (const t of checked) {
      const { ticket, sig } = t.signed;
      const pair = `${ticket.recipientRandHash.toLowerCase()}/${ticket.senderNonce}`;
      if (spent.has(pair)) {
        rejections.push({ index: t.index, error: new InvalidTicket({ reason: "replayedNonce", ticketHash: t.ticketHash, senderNonce: ticket.senderNonce }) });
        continue;
      }
      spent.add(pair);
      commit.claims.push({ recipientRandHash: ticket.recipientRandHash, senderNonce: ticket.senderNonce, expirationBlock: t.params.expirationBlock });
      commit.ticketHashes.push(t.ticketHash);
      result.acceptedTickets++;
      result.evWei += expectedValue(ticket.faceValue, ticket.winProb);

      // Tickets after a winner in the same payment still count: they were signed before the payment was sent, so
      // before the winner's redemption could reveal recipientRand. Later payments with these params are refused.
      const won = isWinningTicket(sig, t.recipientRand, ticket.winProb);
      if (won) {
        result.winningTickets.push({
          ticketHash: t.ticketHash,
          ticket,
          sig,
          recipientRand: t.recipientRand,
          expirationRound: t.params.creationRound + this.config.ticketValidityPeriodRounds,
        });
      }
      const hashKey = ticket.recipientRandHash.toLowerCase();
      noncesByHash.set(hashKey, (noncesByHash.get(hashKey) ?? this.nonces.nonceCount(ticket.recipientRandHash)) + 1);
      if (won || (noncesByHash.get(hashKey) ?? 0) >= this.maxNonces) {
        // One payment carries one seed, so one issued params: its tickets share one recipientRandHash.
        commit.retire = { recipientRandHash: ticket.recipientRandHash, expirationBlock: t.params.expirationBlock };
        result.retiredRecipientRandHash = ticket.recipientRandHash;
      }
    }
    rejections.sort((a, b) => a.index - b.index);
    this.pending.set(result, commit);
    return result;
  }

  /**
   * Spends the nonces of a checked payment's accepted tickets and retires its params if they won: after this the
   * tickets count and can never count again. All or nothing.
   * @throws InvalidTicket (replayedNonce, or unknownParams for params retired meanwhile) when another payment spent
   *         one of these nonces since the check — nothing is spent then; Error for a payment not checked here or
   *         committed already
   */
  commit(checked: ValidatedPayment): void {
    const commit = this.pending.get(checked);
    if (commit === undefined) throw new Error("commit() takes a payment from this validator's check(), once");
    const refused = this.nonces.claimAll(commit.claims, this.latestBlock);
    if (refused !== null) {
      const claim = commit.claims[refused.index]!;
      const reason: InvalidTicketReason = refused.status === "replayed" ? "replayedNonce" : "unknownParams";
      throw new InvalidTicket({ reason, ticketHash: commit.ticketHashes[refused.index], senderNonce: claim.senderNonce });
    }
    this.pending.delete(checked);
    if (commit.retire) this.nonces.retire(commit.retire.recipientRandHash, commit.retire.expirationBlock);
  }

  /**
   * check() and commit() in one: the accepted tickets count even when others of the payment are refused.
   * @throws InvalidTicket when a payment validated at the same time spent one of its nonces first (nothing counts)
   */
  async validatePayment(payment: Pick<Payment, "seed" | "expirationBlock" | "tickets">, ctx: PaymentContext): Promise<ValidatedPayment> {
    const checked = await this.check(payment, ctx);
    this.commit(checked);
    return checked;
  }

  /** Whether tickets with this recipientRandHash are refused from now on (it won, or ran out of nonces). */
  isRetired(recipientRandHash: Hex): boolean {
    return this.nonces.status(recipientRandHash, 0n) === "retired";
  }

  /** recipientRandHashes whose nonces are tracked, for metrics. */
  get trackedRecipientRandHashes(): number {
    return this.nonces.size;
  }

  /**
   * Every check of one ticket but spending its nonce, cheapest first, so a bad ticket costs little.
   * @throws InvalidTicket, TicketParamsExpired
   */
  private async checkTicket(
    index: number,
    payment: Pick<Payment, "seed" | "expirationBlock">,
    signed: SignedTicket,
    ctx: PaymentContext,
  ): Promise<CheckedTicket> {
    const { ticket } = signed;
    const hash = ticketHash(ticket);
    const refuse = (reason: InvalidTicketReason, cause?: unknown) =>
      new InvalidTicket({ reason, ticketHash: hash, senderNonce: ticket.senderNonce }, cause === undefined ? undefined : { cause });

    if (sameAddress(ticket.sender, zeroAddress) || sameAddress(ticket.recipient, zeroAddress)) throw refuse("malformed");
    let params: TicketParams;
    try {
      params = echoedTicketParams(payment, signed);
    } catch (error) {
      if (error instanceof InvalidAuxData) throw refuse("malformed", error);
      throw error;
    }
    if (!sameAddress(ticket.recipient, this.config.recipient)) throw refuse("wrongRecipient");
    if (ctx.sender !== undefined && !sameAddress(ticket.sender, ctx.sender)) throw refuse("wrongSender");
    if (isExpired(params, this.latestBlock)) {
      throw new TicketParamsExpired({ recipient: this.config.recipient, expirationBlock: params.expirationBlock, currentBlock: this.latestBlock });
    }

    let recipientRand: bigint;
    try {
      recipientRand = issuedRecipientRand(this.config.secret, params);
    } catch (error) {
      // Re-raised with this ticket's hash and nonce, so the broadcaster can tell which ticket it was.
      if (error instanceof InvalidTicket) throw refuse(error.reason, error);
      throw error;
    }
    // Checked again when the nonce is spent (commit); here, so that a replay costs no chain lookup or signature recovery.
    const nonceStatus = this.nonces.status(ticket.recipientRandHash, ticket.senderNonce);
    if (nonceStatus === "retired") throw refuse("unknownParams");
    if (nonceStatus === "replayed") throw refuse("replayedNonce");

    await this.requireRedeemableCreationRound(params, ctx.currentRound, refuse);

    let signer: Address;
    try {
      signer = await recoverTicketSigner(signed, this.config.recoverSigner);
    } catch (error) {
      if (error instanceof InvalidSignature) throw refuse("badSignature", error);
      throw error;
    }
    if (!sameAddress(signer, ticket.sender)) throw refuse("badSignature");
    return { index, signed, params, recipientRand, ticketHash: hash };
  }

  /**
   * The TicketBroker redeems a ticket only if its creation round has begun, carries that round's block hash, and is
   * less than ticketValidityPeriodRounds old: otherwise a win could never be paid.
   */
  private async requireRedeemableCreationRound(
    params: TicketParams,
    currentRound: bigint,
    refuse: (reason: InvalidTicketReason) => InvalidTicket,
  ): Promise<void> {
    const { creationRound, creationRoundBlockHash } = params;
    if (creationRound > currentRound) throw refuse("wrongCreationRound");
    if (currentRound >= creationRound + this.config.ticketValidityPeriodRounds) throw refuse("wrongCreationRound");
    const blockHash = await this.blockHashForRound(creationRound);
    if (blockHash === undefined || blockHash.toLowerCase() !== creationRoundBlockHash.toLowerCase()) throw refuse("wrongCreationRound");
  }

  /** A round's block hash never changes once recorded, so it is asked for once; an unrecorded round is asked again. */
  private async blockHashForRound(round: bigint): Promise<Hex | undefined> {
    const cached = this.blockHashes.get(round);
    if (cached !== undefined) return cached;
    const blockHash = await this.config.blockHashForRound(round);
    if (BigInt(blockHash) === 0n) return undefined;
    if (this.blockHashes.size >= BLOCK_HASH_CACHE_ROUNDS) this.blockHashes.delete(this.blockHashes.keys().next().value as bigint);
    this.blockHashes.set(round, blockHash);
    return blockHash;
  }
}

function sameAddress(a: Address, b: Address): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
