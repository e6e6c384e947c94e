// One broadcaster ↔ orchestrator session: POST /session with a WebRTC offer, then segments with signed tickets over
// the data channel and verified results back. DOM-free: the peer (simple-peer, browser or @roamhq/wrtc) is injected.
import type SimplePeer from "simple-peer";
import type { Address } from "viem";
import type { LocalAccount } from "viem/accounts";
import { isAddressEqual } from "viem";
import { fromWireError, InvalidTicket, ProtocolError, TicketParamsExpired } from "../protocol/errors.ts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../protocol/message-channel.ts";
import {
  decodeMessage,
  encodeMessage,
  renditionPayloads,
  signedReceiptOf,
  type JobRequest,
  type Message,
  type Quote,
  type Result,
  type Segment,
} from "../protocol/messages.ts";
import { contentHash, ladderHash, recoverReceiptSigner, type SignedTranscodeReceipt } from "../protocol/receipt.ts";
import { InvalidResult, OrchestratorDisconnected, SegmentTimedOut, SessionNotOpened } from "./errors.ts";
import { relayedSegmentOf, type RelayableResult } from "./relay.ts";
import { PaymentTurns, likelyToWin } from "./payment-turns.ts";
import { TicketPayer, type PendingPayment } from "./ticket-payer.ts";

/** Makes the initiating simple-peer (the browser's bundle, or Node's with wrtc). */
export type CreatePeer = (options: { initiator: true; trickle: false }) => SimplePeer.Instance;

/** A segment as the broadcaster sends it. */
export interface OutgoingSegment {
  sequenceNumber: number;
  bytes: Uint8Array;
  durationMs: number;
  format: Segment["format"];
}

export interface TranscodedRendition {
  name: string;
  width: number;
  height: number;
  bytes: Uint8Array;
}

/** A verified result and what it took. */
export interface TranscodedSegment {
  sequenceNumber: number;
  orchestrator: Address;
  renditions: TranscodedRendition[];
  receipt: SignedTranscodeReceipt;
  /** Until the last byte was handed to the data channel. */
  uploadMs: number;
  /** As the orchestrator reports it. */
  transcodeMs: number;
  /** From the first byte sent to the whole result received. */
  roundTripMs: number;
  tickets: number;
  evPaidWei: bigint;
  /** Times the segment was paid again after a stale-params refusal (0 normally). */
  paidAgain: number;
}

/** Called once when a segment has had `afterMs` without a result; the wait goes on until the timeout. */
export interface SlowSignal {
  afterMs: number;
  onSlow(): void;
}

export interface OpenSessionOptions {
  uri: string;
  job: JobRequest;
  quote: Quote;
  account: LocalAccount;
  createPeer: CreatePeer;
  fetch?: typeof fetch;
  connectTimeoutMs?: number;
  /** Called once when the session ends for any reason after it opened. */
  onClosed?(error: ProtocolError): void;
  /**
   * Called as each payment goes out, result or not: the orchestrator may redeem a ticket of a segment whose result
   * never came back or lost to a faster one, and the tab still has to know which segment that money paid for.
   */
  onTicketsSent?(sequenceNumber: number, senderNonces: bigint[]): void;
  /** A fresh quote from the same orchestrator, for params that ran out while the session was idle (a standby). */
  requestQuote?(): Promise<Quote>;
}

interface Waiting {
  resolve(result: { message: Message; payload: Uint8Array }): void;
  reject(error: ProtocolError): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Payments per segment on one session: the first, and retries after stale-params refusals. When nearly every ticket
 * wins, k segments on their way to one orchestrator with the same params settle one per round (each win retires the
 * params the others carry); a refusal and its ticketParamsUpdate come at once, so a round is cheap.
 */
const MAX_PAYMENT_ATTEMPTS = 5;
/** How long to wait for the ticketParamsUpdate that normally precedes a stale-params refusal. */
const PARAMS_UPDATE_WAIT_MS = 1_000;
/** Longest a payment waits for the outcome of the one before (payment-turns.ts). */
const PAYMENT_TURN_WAIT_MS = 1_000;

/**
 * A payment refused only because its params went stale while it was on its way: a win retired them (a pipelined
 * segment was already sent with them) or they expired. The segment was not worked on; paying again with fresh params
 * is the protocol's answer.
 */
export function refusedForStaleParams(error: unknown): boolean {
  return (
    error instanceof TicketParamsExpired ||
    (error instanceof InvalidTicket && (error.data.reason === "unknownParams" || error.data.reason === "wrongCreationRound"))
  );
}

/** Stale params for which no ticketParamsUpdate is coming: they ran out with time, not with a win. */
function refusedForOldParams(error: unknown): boolean {
  return error instanceof TicketParamsExpired || (error instanceof InvalidTicket && error.data.reason === "wrongCreationRound");
}

export class OrchestratorSession {
  readonly orchestrator: Address;
  readonly uri: string;
  readonly job: JobRequest;
  readonly #peer: SimplePeer.Instance;
  readonly #payer: TicketPayer;
  readonly #channel: ProtocolMessageChannel;
  readonly #waiting = new Map<number, Waiting>();
  readonly #turns = new PaymentTurns();
  #closed?: ProtocolError;
  #onClosed?: (error: ProtocolError) => void;
  readonly #onTicketsSent?: (sequenceNumber: number, senderNonces: bigint[]) => void;
  readonly #requestQuote?: () => Promise<Quote>;

  private constructor(o: OpenSessionOptions, peer: SimplePeer.Instance) {
    this.orchestrator = o.quote.orchestrator;
    this.uri = o.uri;
    this.job = o.job;
    this.#peer = peer;
    this.#payer = new TicketPayer(o.account, o.quote.ticketParams, o.quote.price.priceWei);
    this.#onClosed = o.onClosed;
    this.#onTicketsSent = o.onTicketsSent;
    this.#requestQuote = o.requestQuote;
    this.#channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), {
      onMessage: (message, payload) => this.#onMessage(message, payload),
      onError: () => {}, // a dropped frame leaves its segment waiting; the segment timeout moves it on
    });
    peer.on("data", (data: Uint8Array) => this.#channel.receive(data));
    peer.on("close", () => this.#close(new OrchestratorDisconnected({ orchestrator: this.orchestrator, reason: "the data channel closed" })));
    peer.on("error", (err: Error) => this.#close(new OrchestratorDisconnected({ orchestrator: this.orchestrator, reason: err.message })));
  }

  /** Opens the data channel: offer → POST /session → answer → connected. */
  static async open(o: OpenSessionOptions): Promise<OrchestratorSession> {
    const orchestrator = o.quote.orchestrator;
    const peer = o.createPeer({ initiator: true, trickle: false });
    const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SessionNotOpened({ orchestrator, reason: `not connected within ${timeoutMs} ms` })), timeoutMs);
    });
    const failed = new Promise<never>((_, reject) => {
      peer.once("error", (err: Error) => reject(new SessionNotOpened({ orchestrator, reason: err.message }, { cause: err })));
    });
    try {
      const offer = (await Promise.race([new Promise<SimplePeer.SignalData>((r) => peer.once("signal", r)), timeout, failed])) as {
        type: "offer";
        sdp: string;
      };
      const answer = await Promise.race([postSessionOffer(o, { type: "offer", sdp: offer.sdp }), timeout, failed]);
      const connected = new Promise<void>((r) => peer.once("connect", () => r()));
      peer.signal(answer);
      await Promise.race([connected, timeout, failed]);
      return new OrchestratorSession(o, peer);
    } catch (error) {
      peer.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  get payer(): TicketPayer {
    return this.#payer;
  }

  /**
   * Pays for, sends and awaits one segment; the result is verified before it is returned. A refusal for stale
   * params is answered by paying again with the params the orchestrator sent meanwhile (or a fresh quote's), a few
   * times: with a high winProb every segment wins, so the params a retry switches to may be retired by the win of
   * a segment sent just before it.
   */
  async transcode(segment: OutgoingSegment, timeoutMs: number, slow?: SlowSignal): Promise<TranscodedSegment> {
    const started = performance.now();
    let said = false;
    const once = slow && { afterMs: slow.afterMs, onSlow: () => void (said || ((said = true), slow.onSlow())) };
    for (let attempt = 0; ; attempt++) {
      const params = this.#payer.params;
      try {
        // A full timeout each time (a refusal comes at once: it says nothing of the orchestrator's speed); the round
        // trip still counts from the first send.
        const result = await this.#transcodeOnce(segment, timeoutMs, started, once);
        return { ...result, paidAgain: attempt };
      } catch (error) {
        if (!refusedForStaleParams(error) || this.#closed || attempt >= MAX_PAYMENT_ATTEMPTS - 1) throw error;
        if (this.#payer.params === params && !refusedForOldParams(error)) await this.#paramsUpdate(PARAMS_UPDATE_WAIT_MS);
        if (this.#payer.params === params && this.#requestQuote) {
          const quote = await this.#requestQuote().catch(() => undefined);
          if (quote && isAddressEqual(quote.ticketParams.recipient, this.orchestrator)) this.#payer.updateParams(quote.ticketParams);
        }
        if (this.#payer.params === params) throw error;
      }
    }
  }

  #paramsWaiters: (() => void)[] = [];

  #paramsUpdate(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#paramsWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #transcodeOnce(segment: OutgoingSegment, timeoutMs: number, started: number, slow?: SlowSignal): Promise<TranscodedSegment> {
    if (this.#closed) throw this.#closed;
    const turn = await this.#turns.take(PAYMENT_TURN_WAIT_MS);
    if (this.#closed) {
      turn.settle();
      throw this.#closed;
    }
    let pending: PendingPayment;
    try {
      pending = await this.#payer.pay();
    } catch (error) {
      turn.settle();
      throw error;
    }
    if (!likelyToWin(pending.tickets, pending.payment.tickets[0]?.ticket.winProb ?? 0n)) turn.settle();
    const senderNonces = pending.payment.tickets.map((t) => t.ticket.senderNonce);
    const hash = contentHash(segment.bytes);
    const message: Segment = {
      v: 1,
      type: "segment",
      streamId: this.job.streamId,
      sequenceNumber: segment.sequenceNumber,
      durationMs: segment.durationMs,
      format: segment.format,
      byteLength: segment.bytes.byteLength,
      contentHash: hash,
      payment: pending.payment,
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Counted from the first send, across paying again: the slow signal says the segment is late, not the attempt.
    const slowTimer = slow && setTimeout(() => slow.onSlow(), Math.max(0, slow.afterMs - (performance.now() - started)));
    const reply = new Promise<{ message: Message; payload: Uint8Array }>((resolve, reject) => {
      this.#waiting.set(segment.sequenceNumber, { resolve, reject });
      timer = setTimeout(() => {
        this.#waiting.delete(segment.sequenceNumber);
        reject(new SegmentTimedOut({ orchestrator: this.orchestrator, sequenceNumber: segment.sequenceNumber, timeoutMs }));
      }, timeoutMs);
    });
    try {
      this.#onTicketsSent?.(segment.sequenceNumber, senderNonces);
      turn.sent();
      // The deadline holds for the upload too: a frozen orchestrator stops reading, and the send would wait on it
      // past the deadline (and the deadline's rejection went unhandled meanwhile).
      await Promise.race([this.#channel.send(message, segment.bytes), reply.then(() => undefined)]);
      const uploadMs = performance.now() - started;
      const { message: answer, payload } = await reply;
      const roundTripMs = performance.now() - started;
      if (answer.type === "error") throw fromWireError(answer.error);
      if (answer.type !== "result") throw new InvalidResult({ orchestrator: this.orchestrator, sequenceNumber: segment.sequenceNumber, reason: `answered with ${answer.type}` });
      const renditions = await this.#verify(answer, payload, hash);
      this.#payer.commit(pending);
      return {
        sequenceNumber: segment.sequenceNumber,
        orchestrator: this.orchestrator,
        renditions,
        receipt: signedReceiptOf(answer),
        uploadMs,
        transcodeMs: answer.transcodeMs,
        roundTripMs,
        tickets: pending.tickets,
        evPaidWei: pending.evWei,
        paidAgain: 0,
      };
    } finally {
      turn.settle();
      clearTimeout(timer);
      clearTimeout(slowTimer);
      this.#waiting.delete(segment.sequenceNumber);
    }
  }

  /**
   * Relays a segment another orchestrator transcoded, for this one's public window (relay.ts). Nothing comes back
   * when it is taken; a refusal is an error message that no segment waits for, and costs the stream nothing.
   */
  async relay(entry: RelayableResult): Promise<void> {
    if (this.#closed) return;
    const { message, payload } = relayedSegmentOf(entry);
    await this.#channel.send(message, payload);
  }

  close(): void {
    this.#close(new OrchestratorDisconnected({ orchestrator: this.orchestrator, reason: "closed by the broadcaster" }));
  }

  #close(error: ProtocolError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    this.#turns.settleSent();
    this.#peer.destroy();
    this.#onClosed?.(error);
  }

  #onMessage(message: Message, payload: Uint8Array): void {
    if (message.type === "ticketParamsUpdate") {
      // The old params' recipientRand is about to be revealed on chain (a win) or the round moved: switch now.
      this.#payer.updateParams(message.ticketParams);
      this.#turns.settleSent();
      for (const wake of this.#paramsWaiters.splice(0)) wake();
      return;
    }
    // A refused relay names its segment too, which may be on its way here itself (redone after a fault): the refusal
    // answers the relay, never the segment.
    if (message.type === "error" && message.error.data?.messageType === "relayedSegment") return;
    const sequenceNumber = "sequenceNumber" in message ? message.sequenceNumber : undefined;
    if (sequenceNumber !== undefined) this.#waiting.get(sequenceNumber)?.resolve({ message, payload });
  }

  /** The receipt is the orchestrator's, over this segment's bytes and the renditions that arrived. */
  async #verify(result: Result, payload: Uint8Array, inputHash: string): Promise<TranscodedRendition[]> {
    const bad = (reason: string) => new InvalidResult({ orchestrator: this.orchestrator, sequenceNumber: result.sequenceNumber, reason });
    if (result.receipt.inputHash !== inputHash) throw bad("its receipt names other input bytes");
    if (!isAddressEqual(result.receipt.orchestrator, this.orchestrator)) throw bad("its receipt names another orchestrator");
    // A receipt for another ladder would be worthless as evidence: a verifier re-encodes to the ladder it names.
    if (result.receipt.jobHash !== ladderHash(this.job.output)) throw bad("its receipt names another job");
    const signer = await recoverReceiptSigner(signedReceiptOf(result)).catch(() => undefined);
    if (!signer || !isAddressEqual(signer, this.orchestrator)) throw bad("its receipt is not signed by the orchestrator");
    const payloads = renditionPayloads(result, payload);
    return result.renditions.map((r, i) => {
      const bytes = payloads[i]!;
      if (contentHash(bytes) !== r.contentHash) throw bad(`rendition ${r.name} does not match its hash`);
      const wanted = this.job.output.find((o) => o.name === r.name);
      if (!wanted) throw bad(`rendition ${r.name} was not asked for`);
      return { name: r.name, width: r.width, height: r.height, bytes };
    });
  }
}

async function postSessionOffer(o: OpenSessionOptions, offer: { type: "offer"; sdp: string }): Promise<{ type: "answer"; sdp: string }> {
  const orchestrator = o.quote.orchestrator;
  let text: string;
  try {
    const res = await (o.fetch ?? fetch)(`${o.uri}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: encodeMessage({ v: 1, type: "sessionOffer", job: o.job, offer }),
    });
    text = await res.text();
  } catch (cause) {
    throw new SessionNotOpened({ orchestrator, reason: "the orchestrator could not be reached" }, { cause });
  }
  const reply = decodeMessage(text);
  if (reply.type === "error") throw fromWireError(reply.error);
  if (reply.type !== "sessionAnswer") throw new SessionNotOpened({ orchestrator, reason: `it answered with ${reply.type}` });
  return reply.answer;
}
