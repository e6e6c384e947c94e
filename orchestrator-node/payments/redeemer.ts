// Redeems the winning tickets of the RedemptionQueue on chain: batched when several are due, held back while gas would
// take more than maxRedeemOverheadPpm of their faceValue (unless they near expiry), retried with backoff on failure.
import {
  BaseError,
  ContractFunctionRevertedError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  decodeErrorResult,
  encodeFunctionData,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  type Abi,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { bondingManagerAbi, minterAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { recipientRandHash, ticketHash } from "../../src/lib/protocol/ticket.ts";
import { DEFAULT_MAX_REDEEM_OVERHEAD_PPM, PPM } from "../../src/lib/protocol/winprob.ts";
import type { ChainClients } from "../chain/clients.ts";
import { ensureRoundInitialized } from "../chain/rounds.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { SenderMonitor } from "./monitor.ts";
import type { QueuedTicket, RedemptionQueue } from "./redemption-queue.ts";

/**
 * TicketBroker reverts after which a ticket can never be redeemed, so retrying would only spend gas. Anything else
 * (an uninitialized round, a sender out of funds who may top up, an unregistered recipient, an RPC failure) is retried
 * until the ticket expires.
 */
export const PERMANENT_REDEEM_ERRORS: ReadonlySet<string> = new Set([
  "TicketAlreadyUsed",
  "TicketExpired",
  "TicketDidNotWin",
  "RecipientRandMismatch",
  "InvalidSignature",
  "SignerNotSender",
  "InvalidAuxDataLength",
  "UnknownCreationRound",
  "CreationRoundBlockHashMismatch",
  "ZeroRecipient",
  "ZeroSender",
  "SenderUnlocked",
]);

/** The errors a redemption can revert with: the BondingManager's and the Minter's bubble up through the TicketBroker. */
const REDEEM_ERRORS_ABI = [...ticketBrokerAbi, ...bondingManagerAbi, ...minterAbi].filter((item) => item.type === "error") as Abi;

export const DEFAULT_REDEEM_INTERVAL_MS = 10_000;

export interface RedeemerOptions {
  clients: ChainClients;
  queue: RedemptionQueue;
  /** Told when a queued ticket stops counting against its sender's float: redeemed, refused or lost. */
  monitor?: Pick<SenderMonitor, "addPending" | "removePending">;
  log?: Logger;
  /**
   * Largest share of a ticket's faceValue its redemption may cost, in parts per million (default 1%): the same figure
   * the orchestrator chooses its ticket terms with (winprob.ts chooseTicketTerms), so that normally no ticket waits.
   */
  maxRedeemOverheadPpm?: bigint;
  /**
   * A ticket this many rounds or fewer before its expiration round is redeemed whatever the overhead, as long as it
   * pays more than it costs (default 1: in its last redeemable round).
   */
  urgentRoundsBeforeExpiry?: bigint;
  /** Most tickets in one batchRedeemWinningTickets transaction. */
  maxBatchSize?: number;
  /** Most due tickets looked at per tick. */
  maxTicketsPerTick?: number;
  /** How long to wait for a sent transaction's receipt before leaving it to a later tick. */
  receiptTimeoutMs?: number;
}

/** Running totals since the node started, for the metrics endpoint. */
export interface RedeemerCounters {
  ticketsRedeemed: number;
  /** Wei the TicketBroker paid for them (WinningTicketTransfer): below their faceValue when a sender ran short. */
  weiRedeemed: bigint;
  /** Refused by the TicketBroker for good (already used, bad signature, …). */
  ticketsRejected: number;
  /** Expired before they could be redeemed. */
  ticketsLost: number;
  faceValueLostWei: bigint;
  redeemTransactions: number;
  /** gasUsed × effectiveGasPrice over every redemption transaction. */
  gasSpentWei: bigint;
}

/** What one tick did, ticket hash by ticket hash. */
export interface TickReport {
  round: bigint;
  redeemed: Hex[];
  rejected: Hex[];
  retried: Hex[];
  lost: Hex[];
  /** Due, but not yet worth their gas; looked at again next tick. */
  heldBack: Hex[];
  transactions: Hex[];
}

/** What a mined redemption transaction says happened to one ticket. */
type Outcome = { redeemed: true; amountWei: bigint } | { redeemed: false; errorName: string };

interface ReadyTicket {
  ticket: QueuedTicket;
  /** estimateGas of redeeming it alone. */
  gas: bigint;
}

export class Redeemer {
  readonly counters: RedeemerCounters = {
    ticketsRedeemed: 0,
    weiRedeemed: 0n,
    ticketsRejected: 0,
    ticketsLost: 0,
    faceValueLostWei: 0n,
    redeemTransactions: 0,
    gasSpentWei: 0n,
  };
  private readonly c: ChainClients;
  private readonly queue: RedemptionQueue;
  private readonly monitor: Pick<SenderMonitor, "addPending" | "removePending"> | undefined;
  private readonly log: Logger;
  private readonly maxRedeemOverheadPpm: bigint;
  private readonly urgentRoundsBeforeExpiry: bigint;
  private readonly maxBatchSize: number;
  private readonly maxTicketsPerTick: number;
  private readonly receiptTimeoutMs: number;
  private started = false;
  private inFlight: Promise<TickReport> | undefined;

  constructor(o: RedeemerOptions) {
    this.c = o.clients;
    this.queue = o.queue;
    this.monitor = o.monitor;
    this.log = o.log ?? silentLogger;
    this.maxRedeemOverheadPpm = o.maxRedeemOverheadPpm ?? DEFAULT_MAX_REDEEM_OVERHEAD_PPM;
    this.urgentRoundsBeforeExpiry = o.urgentRoundsBeforeExpiry ?? 1n;
    this.maxBatchSize = o.maxBatchSize ?? 20;
    this.maxTicketsPerTick = o.maxTicketsPerTick ?? 100;
    this.receiptTimeoutMs = o.receiptTimeoutMs ?? 120_000;
    if (this.maxRedeemOverheadPpm <= 0n || this.maxRedeemOverheadPpm > PPM) {
      throw new RangeError(`maxRedeemOverheadPpm must be between 1 and ${PPM}; got ${this.maxRedeemOverheadPpm}`);
    }
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) throw new RangeError(`maxBatchSize must be at least 1; got ${this.maxBatchSize}`);
  }

  /**
   * Picks up where a previous run stopped: tickets still in the queue count against their senders' floats again, and
   * tickets left 'submitted' are looked up on chain (used → redeemed, else queued again). Once per process.
   */
  async start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const t of [...this.queue.withStatus("queued"), ...this.queue.withStatus("submitted")]) {
        this.monitor?.addPending(t.ticket.sender, t.ticket.faceValue);
      }
    }
    await this.reconcileSubmitted(emptyReport(0n));
  }

  /**
   * One pass: expire what can no longer be redeemed, then redeem what is due and worth its gas. Never runs twice at
   * once; a call during a pass gets that pass's report.
   * @throws when the chain cannot be read at all (the current round, the gas price); tickets settled before that stay
   *         settled, the rest are looked at again next tick
   */
  tick(nowMs = Date.now()): Promise<TickReport> {
    this.inFlight ??= this.runTick(nowMs).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * start(), then a tick every `intervalMs` until `signal` aborts; a failed tick is logged and the next one tries again.
   * (Call start() yourself only before the first tick: it settles 'submitted' tickets a running tick may be waiting on.)
   */
  async run(signal: AbortSignal, intervalMs = DEFAULT_REDEEM_INTERVAL_MS): Promise<void> {
    while (!signal.aborted) {
      try {
        if (!this.started) await this.start();
        await this.tick();
      } catch (error) {
        this.log.warn({ err: shortMessage(error) }, "redeemer: will retry");
      }
      await sleep(intervalMs, signal);
    }
  }

  private async runTick(nowMs: number): Promise<TickReport> {
    const round = await this.c.contracts.rounds.read.currentRound();
    const report = emptyReport(round);
    await this.reconcileSubmitted(report);
    this.expire(round, report);

    const due = this.queue.due(round, nowMs, this.maxTicketsPerTick);
    if (due.length === 0) return report;
    // The TicketBroker redeems only in an initialized round; getting paid is worth the one transaction it may take.
    await ensureRoundInitialized(this.c);
    const gasPriceWei = await this.c.publicClient.getGasPrice();

    const ready: ReadyTicket[] = [];
    for (const ticket of due) {
      const gas = await this.estimateRedeemGas(ticket, report);
      if (gas === undefined) continue;
      const costWei = gas * gasPriceWei;
      if (this.worthRedeemingNow(ticket, costWei, round)) {
        ready.push({ ticket, gas });
      } else {
        report.heldBack.push(ticket.ticketHash);
        this.log.debug(
          { ticketHash: ticket.ticketHash, faceValueWei: ticket.ticket.faceValue, costWei, expirationRound: ticket.expirationRound },
          "winning ticket held back until its gas is worth it or it nears expiry",
        );
      }
    }
    for (let i = 0; i < ready.length; i += this.maxBatchSize) await this.submit(ready.slice(i, i + this.maxBatchSize), report);
    return report;
  }

  /**
   * Within the overhead, or near expiry and still paying more than it costs. The single-ticket estimate is an upper
   * bound: in a batch a ticket costs about half as much, so a ticket that passes alone passes in any batch.
   */
  private worthRedeemingNow(t: QueuedTicket, costWei: bigint, round: bigint): boolean {
    const { faceValue } = t.ticket;
    if (costWei * PPM <= this.maxRedeemOverheadPpm * faceValue) return true;
    // Letting a ticket lapse pays nothing, so near expiry any redemption that pays more than it costs is the better deal.
    return round + this.urgentRoundsBeforeExpiry >= t.expirationRound && costWei < faceValue;
  }

  /**
   * estimateGas of redeeming the ticket alone, which also runs every check the TicketBroker makes: a ticket it would
   * refuse is settled here (rejected or retried) and never costs a transaction. Undefined when it was settled.
   */
  private async estimateRedeemGas(t: QueuedTicket, report: TickReport): Promise<bigint | undefined> {
    try {
      return await this.c.contracts.ticketBroker.estimateGas.redeemWinningTicket([t.ticket, t.sig, t.recipientRand], {
        account: this.c.account,
      });
    } catch (error) {
      const errorName = revertErrorName(error);
      if (errorName === "TicketAlreadyUsed" && t.txHash !== null) {
        // Spent by a transaction of ours that was mined after we stopped waiting for it: that is a redemption.
        const receipt = await this.receiptOf(t.txHash);
        const outcome = receipt?.status === "success" ? outcomesOf(receipt, this.c.contracts.ticketBroker.address).get(t.ticketHash) : undefined;
        if (outcome?.redeemed) {
          this.redeemed(t, t.txHash, outcome.amountWei, report);
          return undefined;
        }
      }
      if (errorName !== undefined && PERMANENT_REDEEM_ERRORS.has(errorName)) this.rejected(t, errorName, report);
      else this.retry(t, errorName ?? shortMessage(error), report);
      return undefined;
    }
  }

  /** Sends one transaction for `batch` (redeemWinningTicket for one ticket) and settles every ticket from its receipt. */
  private async submit(batch: ReadyTicket[], report: TickReport): Promise<void> {
    const tickets = batch.map((b) => b.ticket);
    const [first] = batch;
    if (first === undefined) return;
    const data =
      batch.length === 1
        ? encodeFunctionData({
            abi: ticketBrokerAbi,
            functionName: "redeemWinningTicket",
            args: [first.ticket.ticket, first.ticket.sig, first.ticket.recipientRand],
          })
        : encodeFunctionData({
            abi: ticketBrokerAbi,
            functionName: "batchRedeemWinningTickets",
            args: [tickets.map((t) => t.ticket), tickets.map((t) => t.sig), tickets.map((t) => t.recipientRand)],
          });
    // A batch runs each ticket in a try/catch, so its own estimate could be a gas limit at which tickets run out of gas
    // and are skipped. The single estimates add up to more than the batch needs; only the gas used is paid for.
    const gas = batch.length === 1 ? (first.gas * 6n) / 5n : batch.reduce((sum, b) => sum + b.gas, 0n);

    let txHash: Hex;
    try {
      const request = await this.c.walletClient.prepareTransactionRequest({
        account: this.c.account,
        chain: this.c.chain,
        to: this.c.contracts.ticketBroker.address,
        data,
        gas,
      });
      const serializedTransaction = await this.c.walletClient.signTransaction(request);
      txHash = keccak256(serializedTransaction);
      // Recorded before it is sent: after a crash from here on, start() finds the hash to look up.
      this.queue.markSubmitted(
        tickets.map((t) => t.ticketHash),
        txHash,
      );
      await this.c.walletClient.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      for (const t of tickets) this.retry(t, shortMessage(error), report);
      return;
    }
    report.transactions.push(txHash);
    this.log.info({ tx: txHash, tickets: tickets.length }, "redeeming winning tickets");

    let receipt: TransactionReceipt;
    try {
      receipt = await this.c.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: this.receiptTimeoutMs });
    } catch (error) {
      // Left 'submitted': the next tick looks the transaction up again.
      this.log.warn({ tx: txHash, err: shortMessage(error) }, "no receipt yet for a redemption transaction");
      return;
    }
    this.settle(tickets, receipt, report);
  }

  /** Settles each ticket from the receipt of the transaction that carried it. */
  private settle(tickets: QueuedTicket[], receipt: TransactionReceipt, report: TickReport): void {
    this.counters.redeemTransactions++;
    this.counters.gasSpentWei += receipt.gasUsed * receipt.effectiveGasPrice;
    if (receipt.status !== "success") {
      for (const t of tickets) this.retry(t, `transaction ${receipt.transactionHash} reverted`, report);
      return;
    }
    const outcomes = outcomesOf(receipt, this.c.contracts.ticketBroker.address);
    for (const t of tickets) {
      const outcome = outcomes.get(t.ticketHash);
      if (outcome === undefined) this.retry(t, `transaction ${receipt.transactionHash} says nothing of it`, report);
      else if (outcome.redeemed) this.redeemed(t, receipt.transactionHash, outcome.amountWei, report);
      else if (PERMANENT_REDEEM_ERRORS.has(outcome.errorName)) this.rejected(t, outcome.errorName, report);
      else this.retry(t, outcome.errorName, report);
    }
  }

  /**
   * Tickets left 'submitted' (a crash, or a receipt that did not come in time): settled from their transaction's
   * receipt; left alone while it is still pending; otherwise redeemed if the chain has spent them, else queued again.
   */
  private async reconcileSubmitted(report: TickReport): Promise<void> {
    const byTx = new Map<Hex, QueuedTicket[]>();
    for (const t of this.queue.withStatus("submitted")) {
      // markSubmitted always records the hash; a row without one can only be re-queued.
      if (t.txHash === null) this.retry(t, "submitted without a transaction hash", report);
      else byTx.set(t.txHash, [...(byTx.get(t.txHash) ?? []), t]);
    }
    for (const [txHash, tickets] of byTx) {
      const receipt = await this.receiptOf(txHash);
      if (receipt !== undefined) {
        this.settle(tickets, receipt, report);
        continue;
      }
      if (await this.isPending(txHash)) continue;
      for (const t of tickets) {
        // Spent, yet not by a transaction the chain knows of: its amount is unknown, but it is paid for.
        if (await this.c.contracts.ticketBroker.read.usedTickets([t.ticketHash])) this.redeemed(t, txHash, 0n, report);
        else this.retry(t, `transaction ${txHash} was never mined`, report);
      }
    }
  }

  /** Marks every ticket that can no longer be redeemed as lost, and says so loudly: it is money the node did not collect. */
  private expire(round: bigint, report: TickReport): void {
    const lost = this.queue.expire(round);
    if (lost.length === 0) return;
    let faceValueWei = 0n;
    for (const t of lost) {
      faceValueWei += t.ticket.faceValue;
      this.monitor?.removePending(t.ticket.sender, t.ticket.faceValue);
      report.lost.push(t.ticketHash);
      this.log.warn(
        { ticketHash: t.ticketHash, sender: t.ticket.sender, faceValueWei: t.ticket.faceValue, expirationRound: t.expirationRound, lastError: t.lastError },
        "winning ticket expired unredeemed",
      );
    }
    this.counters.ticketsLost += lost.length;
    this.counters.faceValueLostWei += faceValueWei;
    this.log.error({ count: lost.length, faceValueWei, round }, "winning tickets lost: they expired before they could be redeemed");
  }

  private redeemed(t: QueuedTicket, txHash: Hex, amountWei: bigint, report: TickReport): void {
    this.queue.markRedeemed([t.ticketHash], txHash);
    this.monitor?.removePending(t.ticket.sender, t.ticket.faceValue);
    this.counters.ticketsRedeemed++;
    this.counters.weiRedeemed += amountWei;
    report.redeemed.push(t.ticketHash);
    this.log.info({ ticketHash: t.ticketHash, sender: t.ticket.sender, faceValueWei: t.ticket.faceValue, amountWei, tx: txHash }, "winning ticket redeemed");
  }

  private rejected(t: QueuedTicket, errorName: string, report: TickReport): void {
    this.queue.markRejected(t.ticketHash, errorName);
    this.monitor?.removePending(t.ticket.sender, t.ticket.faceValue);
    this.counters.ticketsRejected++;
    report.rejected.push(t.ticketHash);
    this.log.warn({ ticketHash: t.ticketHash, sender: t.ticket.sender, faceValueWei: t.ticket.faceValue, reason: errorName }, "winning ticket refused by the TicketBroker for good");
  }

  private retry(t: QueuedTicket, error: string, report: TickReport): void {
    this.queue.markRetry(t.ticketHash, error);
    report.retried.push(t.ticketHash);
    this.log.warn({ ticketHash: t.ticketHash, attempts: t.attempts + 1, err: error }, "winning ticket not redeemed: will retry");
  }

  private async receiptOf(txHash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.c.publicClient.getTransactionReceipt({ hash: txHash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw error;
    }
  }

  private async isPending(txHash: Hex): Promise<boolean> {
    try {
      await this.c.publicClient.getTransaction({ hash: txHash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  }
}

/**
 * Each ticket's outcome in a mined redemption transaction, by ticket hash: WinningTicketRedeemed (with the amount of
 * the WinningTicketTransfer just before it; none when the sender had nothing left) or WinningTicketSkipped.
 */
export function outcomesOf(receipt: TransactionReceipt, ticketBroker: Hex): Map<Hex, Outcome> {
  const outcomes = new Map<Hex, Outcome>();
  const logs = parseEventLogs({
    abi: ticketBrokerAbi,
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, ticketBroker)),
    eventName: ["WinningTicketTransfer", "WinningTicketRedeemed", "WinningTicketSkipped"],
  });
  let transferredWei = 0n;
  for (const log of logs) {
    if (log.eventName === "WinningTicketTransfer") {
      transferredWei = log.args.amount;
    } else if (log.eventName === "WinningTicketRedeemed") {
      const { recipientRand, ...fields } = log.args;
      const hash = ticketHash({ ...fields, recipientRandHash: recipientRandHash(recipientRand) });
      outcomes.set(hash, { redeemed: true, amountWei: transferredWei });
      transferredWei = 0n;
    } else {
      outcomes.set(log.args.ticketHash, { redeemed: false, errorName: errorNameOf(log.args.reason) });
    }
  }
  return outcomes;
}

/** The name of the custom error in revert data, e.g. "TicketAlreadyUsed"; "EmptyRevert" for none (such as out of gas). */
export function errorNameOf(revertData: Hex): string {
  if (revertData === "0x") return "EmptyRevert";
  try {
    return decodeErrorResult({ abi: REDEEM_ERRORS_ABI, data: revertData }).errorName;
  } catch {
    return `UnknownError(${revertData.slice(0, 10)})`;
  }
}

/** The custom error a failed call or estimate reverted with, or undefined when it failed for another reason (the RPC). */
function revertErrorName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  return revert.data?.errorName ?? errorNameOf(revert.raw ?? "0x");
}

function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
}

function emptyReport(round: bigint): TickReport {
  return { round, redeemed: [], rejected: [], retried: [], lost: [], heldBack: [], transactions: [] };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
