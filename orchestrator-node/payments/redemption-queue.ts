// The durable queue of winning tickets waiting for redemption, in SQLite (node:sqlite, built into Node 22): a
// ticket is committed here before the result that it paid for goes back, so a crash never loses a win.
import { DatabaseSync } from "node:sqlite";
import type { Hex } from "viem";
import type { Ticket } from "../../src/lib/protocol/types.ts";

export type QueuedTicketStatus = "queued" | "submitted" | "redeemed" | "lost" | "rejected";

export interface WinningTicket {
  ticketHash: Hex;
  ticket: Ticket;
  sig: Hex;
  recipientRand: bigint;
  /** The first round in which the TicketBroker no longer redeems it (creationRound + ticketValidityPeriod). */
  expirationRound: bigint;
}

export interface QueuedTicket extends WinningTicket {
  status: QueuedTicketStatus;
  attempts: number;
  nextAttemptAtMs: number;
  txHash: Hex | null;
  lastError: string | null;
}

/** Retry delay after `attempts` failures: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  const BASE_MS = 2_000;
  const MAX_MS = 5 * 60_000;
  return Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
}

interface Row {
  ticket_hash: string;
  ticket_json: string;
  sig: string;
  recipient_rand: string;
  face_value: string;
  expiration_round: string;
  status: string;
  attempts: number;
  next_attempt_at_ms: number;
  tx_hash: string | null;
  last_error: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS winning_tickets (
    ticket_hash TEXT PRIMARY KEY,
    ticket_json TEXT NOT NULL,
    sig TEXT NOT NULL,
    recipient_rand TEXT NOT NULL,
    face_value TEXT NOT NULL,
    expiration_round TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL DEFAULT 0,
    tx_hash TEXT,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS winning_tickets_due ON winning_tickets (status, next_attempt_at_ms);
`;

export class RedemptionQueue {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (creating if needed) the queue at `path` (":memory:" for a throwaway one). */
  static open(path: string): RedemptionQueue {
    const db = new DatabaseSync(path);
    // WAL + FULL sync: a committed enqueue is on disk before the result it paid for is sent.
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    db.exec(SCHEMA);
    return new RedemptionQueue(db);
  }

  /** Adds a winning ticket; false if it was already queued (a ticket is redeemed at most once). */
  enqueue(t: WinningTicket, nowMs = Date.now()): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO winning_tickets
           (ticket_hash, ticket_json, sig, recipient_rand, face_value, expiration_round, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.ticketHash,
        JSON.stringify(t.ticket, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
        t.sig,
        t.recipientRand.toString(),
        t.ticket.faceValue.toString(),
        t.expirationRound.toString(),
        nowMs,
      );
    return Number(result.changes) === 1;
  }

  /** Queued tickets due for an attempt and not yet expired, soonest expiry first, then the largest face value. */
  due(currentRound: bigint, nowMs = Date.now(), limit = 50): QueuedTicket[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM winning_tickets WHERE status = 'queued' AND next_attempt_at_ms <= ?
           ORDER BY CAST(expiration_round AS INTEGER), length(face_value) DESC, face_value DESC LIMIT ?`,
      )
      .all(nowMs, limit) as unknown as Row[];
    return rows.map(toQueuedTicket).filter((t) => t.expirationRound > currentRound);
  }

  /** Marks every queued or submitted ticket that can no longer be redeemed as lost, and returns them. */
  expire(currentRound: bigint): QueuedTicket[] {
    const rows = (
      this.db.prepare(`SELECT * FROM winning_tickets WHERE status IN ('queued', 'submitted')`).all() as unknown as Row[]
    ).map(toQueuedTicket);
    const lost = rows.filter((t) => t.expirationRound <= currentRound);
    for (const t of lost) this.setStatus(t.ticketHash, "lost", { lastError: `expired at round ${t.expirationRound}` });
    return lost;
  }

  markSubmitted(ticketHashes: readonly Hex[], txHash: Hex): void {
    for (const h of ticketHashes) this.setStatus(h, "submitted", { txHash });
  }

  markRedeemed(ticketHashes: readonly Hex[], txHash: Hex): void {
    for (const h of ticketHashes) this.setStatus(h, "redeemed", { txHash });
  }

  /** A permanent refusal (e.g. the ticket was already used): never retried. */
  markRejected(ticketHash: Hex, reason: string): void {
    this.setStatus(ticketHash, "rejected", { lastError: reason });
  }

  /** A transient failure: back to queued, retried after a growing delay. */
  markRetry(ticketHash: Hex, error: string, nowMs = Date.now()): void {
    const row = this.db.prepare(`SELECT attempts FROM winning_tickets WHERE ticket_hash = ?`).get(ticketHash) as
      | { attempts: number }
      | undefined;
    const attempts = (row?.attempts ?? 0) + 1;
    this.db
      .prepare(
        `UPDATE winning_tickets SET status = 'queued', attempts = ?, next_attempt_at_ms = ?, last_error = ?
           WHERE ticket_hash = ?`,
      )
      .run(attempts, nowMs + retryDelayMs(attempts), error.slice(0, 500), ticketHash);
  }

  /** Tickets in a status, e.g. those left 'submitted' by a crash, which the redeemer re-checks on chain at start. */
  withStatus(status: QueuedTicketStatus): QueuedTicket[] {
    return (this.db.prepare(`SELECT * FROM winning_tickets WHERE status = ?`).all(status) as unknown as Row[]).map(
      toQueuedTicket,
    );
  }

  get(ticketHash: Hex): QueuedTicket | undefined {
    const row = this.db.prepare(`SELECT * FROM winning_tickets WHERE ticket_hash = ?`).get(ticketHash) as
      | Row
      | undefined;
    return row ? toQueuedTicket(row) : undefined;
  }

  /** Count and total face value per status, for metrics. */
  totals(): Record<QueuedTicketStatus, { count: number; faceValueWei: bigint }> {
    const totals = Object.fromEntries(
      (["queued", "submitted", "redeemed", "lost", "rejected"] as const).map((s) => [s, { count: 0, faceValueWei: 0n }]),
    ) as Record<QueuedTicketStatus, { count: number; faceValueWei: bigint }>;
    for (const row of this.db.prepare(`SELECT status, face_value FROM winning_tickets`).all() as unknown as Row[]) {
      const t = totals[row.status as QueuedTicketStatus];
      t.count += 1;
      t.faceValueWei += BigInt(row.face_value);
    }
    return totals;
  }

  close(): void {
    this.db.close();
  }

  private setStatus(ticketHash: Hex, status: QueuedTicketStatus, o: { txHash?: Hex; lastError?: string }): void {
    this.db
      .prepare(
        `UPDATE winning_tickets SET status = ?, tx_hash = COALESCE(?, tx_hash), last_error = COALESCE(?, last_error)
           WHERE ticket_hash = ?`,
      )
      .run(status, o.txHash ?? null, o.lastError ?? null, ticketHash);
  }
}

function toQueuedTicket(row: Row): QueuedTicket {
  const raw = JSON.parse(row.ticket_json) as Record<string, string>;
  const ticket: Ticket = {
    recipient: raw.recipient as Hex,
    sender: raw.sender as Hex,
    faceValue: BigInt(raw.faceValue ?? "0"),
    winProb: BigInt(raw.winProb ?? "0"),
    senderNonce: BigInt(raw.senderNonce ?? "0"),
    recipientRandHash: raw.recipientRandHash as Hex,
    auxData: raw.auxData as Hex,
  };
  return {
    ticketHash: row.ticket_hash as Hex,
    ticket,
    sig: row.sig as Hex,
    recipientRand: BigInt(row.recipient_rand),
    expirationRound: BigInt(row.expiration_round),
    status: row.status as QueuedTicketStatus,
    attempts: row.attempts,
    nextAttemptAtMs: row.next_attempt_at_ms,
    txHash: row.tx_hash as Hex | null,
    lastError: row.last_error,
  };
}
