// A broadcaster in Node built from the shared protocol library and the browser's ticket payer (plus simple-peer on
// @roamhq/wrtc for the data channel), with raw access for refusal tests: quote, session, paid segments, results.
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import type { LocalAccount } from "viem/accounts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../src/lib/protocol/message-channel.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Message, type Quote, type Segment } from "../../src/lib/protocol/messages.ts";
import { contentHash } from "../../src/lib/protocol/receipt.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import { TicketPayer, type PendingPayment } from "../../src/lib/broadcaster/ticket-payer.ts";

export interface SegmentReply {
  message: Message;
  payload: Uint8Array;
}

export class NodeBroadcaster {
  readonly #account: LocalAccount;
  readonly #url: string;
  #payer?: TicketPayer;
  #peer?: Peer.Instance;
  #channel?: ProtocolMessageChannel;
  readonly #waiting = new Map<number, (reply: SegmentReply) => void>();
  readonly received: SegmentReply[] = [];

  constructor(account: LocalAccount, orchestratorUrl: string) {
    this.#account = account;
    this.#url = orchestratorUrl;
  }

  async #post(path: string, message: Message): Promise<{ status: number; reply: Message }> {
    const res = await fetch(`${this.#url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage(message) });
    return { status: res.status, reply: decodeMessage(await res.text()) };
  }

  async quote(job: JobRequest): Promise<Quote> {
    const { reply } = await this.#post("/quote", job);
    if (reply.type !== "quote") throw new Error(`no quote: ${JSON.stringify(reply)}`);
    // Nonces from 1, so that tests can name the ones they replay.
    this.#payer = new TicketPayer(this.#account, reply.ticketParams, reply.price.priceWei, 0n);
    return reply;
  }

  async open(job: JobRequest): Promise<void> {
    const peer = new Peer({ initiator: true, trickle: false, wrtc });
    this.#peer = peer;
    const offer = (await new Promise<Peer.SignalData>((r) => peer.once("signal", r))) as { type: "offer"; sdp: string };
    const { reply } = await this.#post("/session", { v: 1, type: "sessionOffer", job, offer });
    if (reply.type !== "sessionAnswer") throw new Error(`no session: ${JSON.stringify(reply)}`);
    this.#channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), {
      onMessage: (message, payload) => this.#onMessage(message, payload),
      onError: (error) => console.error("broadcaster channel:", error.message),
    });
    peer.on("data", (d: Uint8Array) => this.#channel!.receive(d));
    peer.signal(reply.answer);
    await new Promise((r) => peer.once("connect", r));
  }

  #onMessage(message: Message, payload: Uint8Array): void {
    if (message.type === "ticketParamsUpdate") {
      this.#payer?.updateParams(message.ticketParams); // the old recipientRand is about to be revealed on chain
      return;
    }
    const reply = { message, payload };
    this.received.push(reply);
    const sequenceNumber = "sequenceNumber" in message ? message.sequenceNumber : undefined;
    if (sequenceNumber !== undefined) this.#waiting.get(sequenceNumber)?.(reply);
  }

  get ticketParams(): TicketParams | undefined {
    return this.#payer?.params;
  }

  /** Signed tickets worth the price of one segment, with the current params (commit with sendSegment's result). */
  async pay(): Promise<PendingPayment> {
    return this.#payer!.pay();
  }

  /** The segment message for `bytes` with a given payment. */
  segmentMessage(streamId: string, sequenceNumber: number, bytes: Uint8Array, durationMs: number, payment: Segment["payment"]): Segment {
    return {
      v: 1, type: "segment", streamId, sequenceNumber, durationMs, format: "mp4", byteLength: bytes.byteLength,
      contentHash: contentHash(bytes), payment,
    };
  }

  /** Sends a segment message as it is; resolves with the orchestrator's result or error for its sequence number. */
  async sendRaw(segment: Segment, bytes: Uint8Array): Promise<SegmentReply> {
    const reply = new Promise<SegmentReply>((resolve) => this.#waiting.set(segment.sequenceNumber, resolve));
    await this.#channel!.send(segment, bytes);
    return reply;
  }

  /** Pays for and sends one segment; resolves with the orchestrator's result or error for it. */
  async sendSegment(streamId: string, sequenceNumber: number, bytes: Uint8Array, durationMs: number): Promise<SegmentReply> {
    const pending = await this.pay();
    const answer = await this.sendRaw(this.segmentMessage(streamId, sequenceNumber, bytes, durationMs, pending.payment), bytes);
    if (answer.message.type === "result") this.#payer!.commit(pending); // a refused payment counts for nothing
    return answer;
  }

  /** POSTs a session offer and returns the HTTP status and reply without opening anything (for refusals). */
  async offerOnly(job: JobRequest): Promise<{ status: number; reply: Message }> {
    const peer = new Peer({ initiator: true, trickle: false, wrtc });
    try {
      const offer = (await new Promise<Peer.SignalData>((r) => peer.once("signal", r))) as { type: "offer"; sdp: string };
      return await this.#post("/session", { v: 1, type: "sessionOffer", job, offer });
    } finally {
      peer.destroy();
    }
  }

  close(): void {
    this.#peer?.destroy();
  }
}
