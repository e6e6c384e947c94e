// A live broadcast's sessions: each segment goes to the serving orchestrator(s) — `redundancy` of them, first
// verified result wins — and, when they fail or time out, at once to a warm standby or the next on the ranked list,
// so the segment still comes back within about one segment interval.
import type { Address } from "viem";
import type { LocalAccount } from "viem/accounts";
import { ProtocolError } from "../protocol/errors.ts";
import type { JobRequest, Quote } from "../protocol/messages.ts";
import { NoOrchestratorLeft, OrchestratorDisconnected, SegmentTimedOut, SessionNotOpened } from "./errors.ts";
import { OrchestratorSession, refusedForStaleParams, type CreatePeer, type OutgoingSegment, type TranscodedSegment } from "./orchestrator-session.ts";
import { DEADLINE_PER_TIMEOUT } from "./deadlines.ts";
import { HedgeBudget, type HedgeClaim } from "./hedge-budget.ts";
import { RecentResults } from "./relay.ts";

/** An orchestrator the broadcaster may use, best first; `quote` is the one discovery got, if still fresh. */
export interface BroadcastCandidate {
  address: Address;
  uri: string;
  quote?: Quote;
}

export interface BroadcastEvents {
  onSessionOpened?(orchestrator: Address, role: "serving" | "standby"): void;
  /** An orchestrator failed a segment or its connection: it is out of this broadcast. */
  onOrchestratorDropped?(orchestrator: Address, error: ProtocolError): void;
  /** An orchestrator was too slow for a segment: it steps back behind the standbys (Broadcast.slow), its session kept open. */
  onOrchestratorSlow?(orchestrator: Address, error: ProtocolError): void;
  /** Tickets went out with a segment, whatever becomes of it (OpenSessionOptions.onTicketsSent). */
  onTicketsSent?(orchestrator: Address, sequenceNumber: number, senderNonces: bigint[]): void;
}

export interface BroadcastOptions {
  job: JobRequest;
  account: LocalAccount;
  candidates: readonly BroadcastCandidate[];
  /** Orchestrators each segment is sent to (1..N). */
  redundancy: number;
  /** Sessions kept open and idle, ready to take over at once (0 opens the next candidate only when needed). */
  standby: number;
  /** How long an orchestrator has to return a segment's result before it goes elsewhere. */
  segmentTimeoutMs: number;
  /** How long its result is still awaited after that, in case every other one is slower (default 3 × the timeout). */
  segmentDeadlineMs?: number;
  createPeer: CreatePeer;
  /** A fresh quote from a candidate, for sessions opened after discovery's quotes may have gone stale. */
  requestQuote(candidate: BroadcastCandidate): Promise<Quote>;
  fetch?: typeof fetch;
  events?: BroadcastEvents;
}

/** A result, and how it was got. */
export interface BroadcastResult extends TranscodedSegment {
  /** Orchestrators that failed this segment before the one that returned it. */
  failedOver: Address[];
}

/** One hedge at a time: a failed orchestrator's segments are hedged one after another, each as the last comes back. */
const MAX_HEDGES_IN_FLIGHT = 1;

export class Broadcast {
  readonly #o: BroadcastOptions;
  readonly #serving: OrchestratorSession[] = [];
  readonly #standby: OrchestratorSession[] = [];
  /**
   * Sessions that stepped back for being slow: still open, but tried only when no warm standby or untried candidate
   * is left. One killed mid-stream looks slow until WebRTC notices (up to ~30 s): kept among the standbys, it would
   * be promoted again at the next slow segment, and keep a fresh standby from being opened meanwhile.
   */
  readonly #slow: OrchestratorSession[] = [];
  /** Candidates not yet tried, in ranked order. */
  readonly #untried: BroadcastCandidate[];
  readonly #dropped = new Set<string>();
  readonly #candidateOf = new Map<OrchestratorSession, BroadcastCandidate>();
  #opening?: Promise<OrchestratorSession | undefined>;
  /** A published stream's last results, relayed to whoever takes over after a failover (relay.ts). */
  readonly #recent?: RecentResults;
  /** Sessions that took over serving and have not been sent the recent results yet: after their first result. */
  readonly #relayDue = new Set<OrchestratorSession>();
  /** Slow segments hedged at once (hedge-budget.ts): enough for one orchestrator's failure, not a loaded machine's. */
  readonly #hedges = new HedgeBudget(MAX_HEDGES_IN_FLIGHT);
  #stopped = false;

  private constructor(o: BroadcastOptions) {
    this.#o = o;
    this.#untried = [...o.candidates];
    if (o.job.publish === true) this.#recent = new RecentResults();
  }

  /** Opens the serving sessions (and standbys); throws NoOrchestratorLeft when not one serving session opens. */
  static async start(o: BroadcastOptions): Promise<Broadcast> {
    if (!Number.isInteger(o.redundancy) || o.redundancy < 1) throw new RangeError("redundancy must be 1 or more");
    const broadcast = new Broadcast(o);
    while (broadcast.#serving.length < o.redundancy) {
      const session = await broadcast.#openNext();
      if (!session) break;
      broadcast.#serving.push(session);
      o.events?.onSessionOpened?.(session.orchestrator, "serving");
    }
    if (broadcast.#serving.length === 0) throw new NoOrchestratorLeft({ sequenceNumber: 0, tried: o.candidates.length });
    void broadcast.#refillStandby();
    return broadcast;
  }

  get serving(): Address[] {
    return this.#serving.map((s) => s.orchestrator);
  }

  get standby(): Address[] {
    return this.#standby.map((s) => s.orchestrator);
  }

  /** Open sessions that stepped back for being slow: the last resort. */
  get slow(): Address[] {
    return this.#slow.map((s) => s.orchestrator);
  }

  /** The sessions in use (serving first), e.g. to read their ticket payers. */
  get sessions(): readonly OrchestratorSession[] {
    return [...this.#serving, ...this.#standby, ...this.#slow];
  }

  /**
   * Sends a segment; resolves with the first verified result, failing over until one comes or nobody is left. An
   * orchestrator without a result after segmentTimeoutMs steps back behind the standbys and the segment also goes to
   * the next one (a hedge) as soon as a hedge slot is free, but its answer is still awaited until segmentDeadlineMs:
   * on a machine that is slow everywhere, a late segment is better than none, and whichever result comes first is
   * taken.
   */
  submit(segment: OutgoingSegment): Promise<BroadcastResult> {
    const failedOver: Address[] = [];
    const tried = new Set<OrchestratorSession>();
    const deadlineMs = this.#o.segmentDeadlineMs ?? this.#o.segmentTimeoutMs * DEADLINE_PER_TIMEOUT;
    return new Promise<BroadcastResult>((resolve, reject) => {
      let pending = 0;
      let settled = false;
      /** This segment's hedge slot (hedge-budget.ts), claimed at its first slow try; hedging once it is granted. */
      let hedge: HedgeClaim | undefined;
      let hedging = false;
      const settle = () => {
        settled = true;
        hedge?.done();
      };
      const launch = (s: OrchestratorSession) => {
        tried.add(s);
        pending++;
        const onSlow = () => {
          if (settled) return;
          failedOver.push(s.orchestrator);
          this.#demote(s, new SegmentTimedOut({ orchestrator: s.orchestrator, sequenceNumber: segment.sequenceNumber, timeoutMs: this.#o.segmentTimeoutMs }));
          // The first slow try claims a slot (and may wait for one, still awaited meanwhile); a later slow try of a
          // segment already hedging goes on at once.
          if (!hedge) hedge = this.#hedges.claim(() => ((hedging = true), void next()));
          else if (hedging) void next();
        };
        s.transcode(segment, deadlineMs, { afterMs: this.#o.segmentTimeoutMs, onSlow }).then(
          (result) => {
            pending--;
            if (settled) return;
            settle();
            this.#recent?.remember({ result, durationMs: segment.durationMs });
            this.#relayRecent(result.orchestrator);
            resolve({ ...result, failedOver: failedOver.filter((a) => a !== result.orchestrator) });
          },
          (error: unknown) => {
            pending--;
            if (!failedOver.includes(s.orchestrator)) failedOver.push(s.orchestrator);
            if (error instanceof SegmentTimedOut || refusedForStaleParams(error)) this.#demote(s, asProtocolError(error));
            else this.#drop(s, asProtocolError(error));
            // A failed try leaves nobody on the segment: the next one is tried at once, hedge slot or not.
            if (!settled) void next();
          },
        );
      };
      const next = async () => {
        // Each candidate at most once per segment: requeued ones come round again only for later segments.
        const session = tried.size < this.#o.candidates.length ? await this.#promote(tried) : undefined;
        if (settled) return;
        if (session && !tried.has(session)) return launch(session);
        // Slow ones may still answer before their deadline.
        if (pending === 0) {
          settle();
          reject(new NoOrchestratorLeft({ sequenceNumber: segment.sequenceNumber, tried: tried.size }));
        }
      };
      const serving = [...this.#serving];
      if (serving.length === 0) void next();
      else for (const s of serving) launch(s);
    });
  }

  /**
   * The orchestrator's result failed a spot check: it leaves this broadcast for good (never requeued), and the
   * segment goes to the next session, as after any failure.
   */
  async redoAfterFault(segment: OutgoingSegment, fault: ProtocolError & { data: { orchestrator: string } }): Promise<BroadcastResult> {
    const faulty = fault.data.orchestrator.toLowerCase();
    this.#recent?.forget(fault.data.orchestrator as Address);
    for (let i = this.#untried.length - 1; i >= 0; i--) if (this.#untried[i]!.address.toLowerCase() === faulty) this.#untried.splice(i, 1);
    const session = this.sessions.find((s) => s.orchestrator.toLowerCase() === faulty);
    if (session) this.#drop(session, fault);
    else this.#dropped.add(faulty);
    const result = await this.submit(segment);
    return { ...result, failedOver: [fault.data.orchestrator as Address, ...result.failedOver] };
  }

  /**
   * A session that took over serving (the one before failed, whether or not a segment was on its way) gets the recent
   * segments others made once its first result is back, so that the relay never delays the live edge.
   */
  #relayRecent(to: Address): void {
    const session = [...this.#relayDue].find((s) => s.orchestrator === to);
    if (!session) return;
    this.#relayDue.delete(session);
    if (session.closed || !this.#recent) return;
    for (const entry of this.#recent.takeFor(to)) void session.relay(entry).catch(() => {}); // a viewer may miss it; the stream does not
  }

  /** Closes every session. */
  stop(): void {
    this.#stopped = true;
    this.#relayDue.clear();
    for (const s of this.sessions) s.close();
    this.#serving.length = 0;
    this.#standby.length = 0;
    this.#slow.length = 0;
  }

  /** A standby (or else a newly opened session) joins the serving set. */
  async #promote(triedForSegment: ReadonlySet<OrchestratorSession> = new Set()): Promise<OrchestratorSession | undefined> {
    if (this.#stopped) return undefined;
    // A segment's failover wants someone it has not tried: the one serving now may be one it already waited on.
    const fresh = (s: OrchestratorSession) => !s.closed && !triedForSegment.has(s);
    const live = this.#serving.find(fresh);
    if (live) return live; // another segment's failover already promoted one
    if (this.#serving.filter((s) => !s.closed).length >= this.#o.redundancy) return this.#lend(fresh);
    let next = this.#standby.shift();
    while (next?.closed) next = this.#standby.shift();
    next ??= await this.#openNext();
    next ??= this.#slow.find(fresh);
    if (!next) return undefined;
    const wasSlow = this.#slow.indexOf(next);
    if (wasSlow >= 0) this.#slow.splice(wasSlow, 1);
    // Two failovers may await the same opening (#openNext is shared): the session joins once.
    if (this.#serving.includes(next)) return next;
    this.#serving.push(next);
    if (this.#recent) this.#relayDue.add(next);
    this.#o.events?.onSessionOpened?.(next.orchestrator, "serving");
    void this.#refillStandby();
    return next;
  }

  /**
   * Someone for one segment that every serving session already had: a standby, a slow one, or a newly opened standby,
   * which stays where it is. Promoting it would add a serving session, and every later segment would go to both.
   */
  async #lend(fresh: (s: OrchestratorSession) => boolean): Promise<OrchestratorSession | undefined> {
    const kept = this.#standby.find(fresh) ?? this.#slow.find(fresh);
    if (kept) return kept;
    const opened = await this.#openNext();
    if (!opened) return undefined;
    if (this.#stopped) {
      opened.close();
      return undefined;
    }
    this.#standby.push(opened);
    this.#o.events?.onSessionOpened?.(opened.orchestrator, "standby");
    return opened;
  }

  /**
   * Slow (or paid with params that went stale again and again) is not broken: the session stays open among the slow
   * ones, so it serves again when every other fails (reopening it would be refused while the orchestrator still holds
   * this stream's session), and a fresh standby is opened in its place if a candidate is left.
   */
  #demote(session: OrchestratorSession, error: ProtocolError): void {
    if (this.#stopped || session.closed) return;
    const i = this.#serving.indexOf(session);
    if (i < 0) return;
    this.#serving.splice(i, 1);
    this.#slow.push(session);
    this.#o.events?.onOrchestratorSlow?.(session.orchestrator, error);
    if (this.#serving.length < this.#o.redundancy) void this.#promote();
    else void this.#refillStandby();
  }

  #drop(session: OrchestratorSession, error: ProtocolError): void {
    if (this.#stopped) return;
    for (const list of [this.#serving, this.#standby, this.#slow]) {
      const i = list.indexOf(session);
      if (i >= 0) list.splice(i, 1);
    }
    // Marked before close(): closing calls back here with "closed by the broadcaster", which must not be reported.
    this.#relayDue.delete(session);
    const key = session.orchestrator.toLowerCase();
    const first = !this.#dropped.has(key);
    this.#dropped.add(key);
    session.close();
    const candidate = this.#candidateOf.get(session);
    this.#candidateOf.delete(session);
    if (first && candidate && error instanceof OrchestratorDisconnected) {
      // Cut off is not faulty: it may come back (with a fresh quote and session) after the others, unlike an
      // orchestrator that sent an invalid result or refused the job.
      this.#untried.push({ address: candidate.address, uri: candidate.uri });
      this.#dropped.delete(key);
    }
    if (first) this.#o.events?.onOrchestratorDropped?.(session.orchestrator, error);
    if (this.#serving.length < this.#o.redundancy) void this.#promote();
  }

  async #refillStandby(): Promise<void> {
    while (!this.#stopped && this.#standby.length < this.#o.standby) {
      const session = await this.#openNext();
      if (!session) return;
      if (this.#stopped) return session.close();
      this.#standby.push(session);
      this.#o.events?.onSessionOpened?.(session.orchestrator, "standby");
    }
  }

  /** Opens a session with the next untried candidate; one opening at a time, so two failovers share it. */
  #openNext(): Promise<OrchestratorSession | undefined> {
    this.#opening ??= this.#openNextUncontended().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #openNextUncontended(): Promise<OrchestratorSession | undefined> {
    for (let candidate = this.#untried.shift(); candidate; candidate = this.#untried.shift()) {
      if (this.#stopped) return undefined;
      try {
        const quote = candidate.quote && candidate.quote.expiresAt > Date.now() + 5_000 ? candidate.quote : await this.#o.requestQuote(candidate);
        const session = await OrchestratorSession.open({
          uri: candidate.uri,
          job: this.#o.job,
          quote,
          account: this.#o.account,
          createPeer: this.#o.createPeer,
          fetch: this.#o.fetch,
          onClosed: (error) => this.#drop(session, error),
          onTicketsSent: (sequenceNumber, nonces) => this.#o.events?.onTicketsSent?.(candidate.address, sequenceNumber, nonces),
          requestQuote: () => this.#o.requestQuote(candidate),
        });
        this.#candidateOf.set(session, candidate);
        return session;
      } catch (error) {
        const named = asProtocolError(error, candidate.address);
        this.#dropped.add(candidate.address.toLowerCase());
        this.#o.events?.onOrchestratorDropped?.(candidate.address, named);
      }
    }
    return undefined;
  }
}

function asProtocolError(error: unknown, orchestrator = "unknown"): ProtocolError {
  return error instanceof ProtocolError ? error : new SessionNotOpened({ orchestrator, reason: error instanceof Error ? error.message : String(error) });
}
