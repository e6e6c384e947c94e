// Opens and tracks broadcast sessions: answers a WebRTC offer (no trickle: one HTTP round trip), wires the data
// channel to a BroadcastSession, enforces the session limit, and closes everything on shutdown.
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import type { LocalAccount } from "viem/accounts";
import { InvalidMessage, OrchestratorBusy, toWireError } from "../../src/lib/protocol/errors.ts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../src/lib/protocol/message-channel.ts";
import type { JobRequest, SessionAnswer, SessionOffer } from "../../src/lib/protocol/messages.ts";
import type { Logger } from "../log.ts";
import { InvalidLadder, validateLadder } from "../transcode/ladder.ts";
import { BroadcastSession, type PaymentGate, type SessionEvents, type Transcode } from "./broadcast-session.ts";

const ANSWER_TIMEOUT_MS = 10_000;
const BUSY_RETRY_AFTER_MS = 10_000;
/** How often partial messages that stopped arriving are dropped. */
const EVICT_INTERVAL_MS = 5_000;
const FLUSH_POLL_MS = 20;
const FLUSH_GRACE_MS = 250;

export interface SessionManagerOptions {
  orchestrator: LocalAccount;
  maxSessions: number;
  serviceIds: readonly string[];
  /** The payment gate for one session (it knows the job and the broadcaster). */
  paymentsFor(job: JobRequest): PaymentGate;
  transcode: Transcode;
  /** The RoundsManager's current round, which every session's receipts name (BroadcastSessionOptions.currentRound). */
  currentRound(): Promise<bigint>;
  log: Logger;
  events?: SessionEvents & { sessions(count: number): void };
  /** A session ended: release what it held elsewhere (its balance, its transcoder stickiness). */
  onClosed?(job: JobRequest): void;
}

interface Open {
  job: JobRequest;
  peer: Peer.Instance;
  session: BroadcastSession;
  evictTimer: ReturnType<typeof setInterval>;
}

export class SessionManager {
  readonly #o: SessionManagerOptions;
  readonly #open = new Map<string, Open>();
  #draining = false;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
  }

  get count(): number {
    return this.#open.size;
  }

  /** Whether this job's stream, from the same broadcaster, holds one of the sessions already. */
  holds(job: Pick<JobRequest, "streamId" | "broadcaster">): boolean {
    const open = this.#open.get(job.streamId);
    return open !== undefined && open.job.broadcaster.toLowerCase() === job.broadcaster.toLowerCase();
  }

  /** Validates the offer's job, opens the data channel and returns the answer; throws a ProtocolError otherwise. */
  async open(offer: SessionOffer): Promise<SessionAnswer> {
    const { job } = offer;
    if (this.#open.has(job.streamId)) {
      throw new InvalidMessage({ messageType: "sessionOffer", field: "job.streamId", reason: "a session with this streamId is open" });
    }
    if (!this.#o.serviceIds.includes(job.serviceId)) {
      throw new InvalidMessage({ messageType: "sessionOffer", field: "job.serviceId", reason: "not offered here" });
    }
    try {
      validateLadder(job.output);
    } catch (error) {
      if (error instanceof InvalidLadder) throw new InvalidMessage({ messageType: "sessionOffer", field: "job.output", reason: error.reason });
      throw error;
    }
    if (this.#draining || this.#open.size >= this.#o.maxSessions) {
      throw new OrchestratorBusy({ orchestrator: this.#o.orchestrator.address, maxSessions: this.#o.maxSessions, retryAfterMs: BUSY_RETRY_AFTER_MS });
    }

    const peer = new Peer({ initiator: false, trickle: false, wrtc });
    const channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), {
      onMessage: (message, payload) => void session.handle(message, payload),
      onError: (error) => {
        this.#o.log.info({ stream: job.streamId, err: error.name }, "unreadable data on the channel");
        // Told, not only logged: a broadcaster whose message was dropped learns why instead of waiting for a reply.
        channel.send({ v: 1, type: "error", streamId: job.streamId, error: toWireError(error) }).catch(() => {});
      },
    });
    const session = new BroadcastSession({
      job,
      orchestrator: this.#o.orchestrator,
      payments: this.#o.paymentsFor(job),
      transcode: this.#o.transcode,
      send: (message, payload) => channel.send(message, payload),
      currentRound: () => this.#o.currentRound(),
      log: this.#o.log,
      events: this.#o.events,
    });
    const evictTimer = setInterval(() => channel.evictExpired(), EVICT_INTERVAL_MS);
    this.#open.set(job.streamId, { job, peer, session, evictTimer });
    this.#o.events?.sessions(this.#open.size);
    peer.on("data", (data: Uint8Array) => channel.receive(data));
    peer.on("close", () => this.close(job.streamId));
    peer.on("error", (error) => {
      this.#o.log.info({ stream: job.streamId, err: error.message }, "session peer error");
      this.close(job.streamId);
    });

    try {
      const answer = await new Promise<Peer.SignalData>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no WebRTC answer in time")), ANSWER_TIMEOUT_MS);
        peer.once("signal", (data) => (clearTimeout(timer), resolve(data)));
        peer.signal(offer.offer);
      });
      if (answer.type !== "answer" || !("sdp" in answer) || !answer.sdp) throw new Error(`unexpected signal ${answer.type}`);
      this.#o.log.info({ stream: job.streamId, broadcaster: job.broadcaster }, "session opened");
      return { v: 1, type: "sessionAnswer", streamId: job.streamId, answer: { type: "answer", sdp: answer.sdp } };
    } catch (error) {
      this.close(job.streamId);
      throw new InvalidMessage({ messageType: "sessionOffer", field: "offer", reason: `could not answer: ${(error as Error).message}` });
    }
  }

  close(streamId: string): void {
    const open = this.#open.get(streamId);
    if (!open) return;
    this.#open.delete(streamId);
    clearInterval(open.evictTimer);
    open.peer.destroy();
    this.#o.onClosed?.(open.job);
    this.#o.events?.sessions(this.#open.size);
    this.#o.log.info({ stream: streamId }, "session closed");
  }

  /**
   * Graceful shutdown: take no new session, let every segment already received be answered (up to `timeoutMs`),
   * then close all sessions.
   */
  async drain(timeoutMs = 15_000): Promise<void> {
    this.#draining = true;
    const deadline = Date.now() + timeoutMs;
    const idle = Promise.all([...this.#open.values()].map((o) => o.session.idle()));
    await Promise.race([idle, new Promise((r) => setTimeout(r, timeoutMs))]);
    // Answered is not delivered: wait for the channels' buffers to empty, then a moment for SCTP to send them.
    while (Date.now() < deadline && [...this.#open.values()].some((o) => o.peer.bufferSize > 0)) {
      await new Promise((r) => setTimeout(r, FLUSH_POLL_MS));
    }
    await new Promise((r) => setTimeout(r, FLUSH_GRACE_MS));
    this.closeAll();
  }

  closeAll(): void {
    for (const streamId of [...this.#open.keys()]) this.close(streamId);
  }
}
