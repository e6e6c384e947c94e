// One broadcaster's session on this orchestrator: segments arrive over the data channel and each goes through
// payment check → format check → payment commit (winning tickets made durable) → transcode → signed receipt →
// result. A refusal at any step is answered with its named error and costs no transcoding.
import { concatBytes, isAddressEqual, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { InvalidMessage, InvalidTicket, ProtocolError, toWireError } from "../../src/lib/protocol/errors.ts";
import { chainUnavailableFrom } from "../chain/unavailable.ts";
import { renditionPayloads, signedReceiptOf, type JobRequest, type Message, type RelayedSegment, type Segment } from "../../src/lib/protocol/messages.ts";
import { contentHash, ladderHash, recoverReceiptSigner, signReceipt } from "../../src/lib/protocol/receipt.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import type { Logger } from "../log.ts";
import { sameSizes, type Rendition } from "../transcode/ladder.ts";
import { checkSegmentMatchesJob } from "./segment-check.ts";

/** A payment that passed validation but changed nothing yet; commit() makes it count (nonces, balance, queue). */
export interface CheckedPayment {
  commit(): Promise<{ newTicketParams?: TicketParams }>;
}

/** How the session gets paid: validation first (throws a ProtocolError), side effects only on commit. */
export interface PaymentGate {
  check(segment: Segment): Promise<CheckedPayment>;
}

export type Transcode = (
  streamId: string,
  segment: Uint8Array,
  ladder: readonly Rendition[],
) => Promise<{ renditions: { rendition: Rendition; bytes: Uint8Array }[]; transcodeMs: number }>;

export interface SessionEvents {
  /** `reason`: an InvalidTicket's rule, for the tickets-refused counter. */
  segment(outcome: "transcoded" | "refused", detail: { sequenceNumber: number; error?: string; reason?: string; transcodeMs?: number }): void;
  /**
   * A segment's renditions went back to the broadcaster: for what else they serve (the public window of a published
   * stream). Called in sequence order per session; it must not throw, and a throw costs the broadcaster nothing.
   */
  transcoded?(job: JobRequest, segment: PublishedSegment): void;
  /**
   * The broadcaster relayed a segment another orchestrator of this stream transcoded (after a failover), checked:
   * for the public window only, where it must not replace a segment this node made. It must not throw.
   */
  relayed?(job: JobRequest, segment: PublishedSegment & { transcodedBy: Hex }): void;
}

/** A segment's renditions as the public window keeps them. */
export interface PublishedSegment {
  sequenceNumber: number;
  durationMs: number;
  renditions: readonly { rendition: Rendition; bytes: Uint8Array }[];
}

/**
 * Relayed segments a session takes before it has transcoded any: the few a viewer polling once a second can be
 * behind live when the orchestrator it watched from goes away. Each segment transcoded here allows one more, so a
 * broadcaster cannot use the window as free storage beyond the segments it pays for.
 */
export const RELAYED_SEGMENTS_ALLOWANCE = 3;

export interface BroadcastSessionOptions {
  job: JobRequest;
  orchestrator: LocalAccount;
  payments: PaymentGate;
  transcode: Transcode;
  send(message: Message, payload?: Uint8Array): Promise<void>;
  /** The RoundsManager's current round: each receipt names the round it was signed in (its challenge window starts there). */
  currentRound(): Promise<bigint>;
  log: Logger;
  events?: SessionEvents;
}

export class BroadcastSession {
  readonly streamId: string;
  readonly #o: BroadcastSessionOptions;
  /** What every receipt of this session names as the job: the ladder cannot change within a session. */
  readonly #jobHash: Hex;
  /** Segments are handled one after another: results go back in order and one session cannot hog the node. */
  #queue: Promise<void> = Promise.resolve();
  /** Relayed segments this session may still take (RELAYED_SEGMENTS_ALLOWANCE). */
  #relayAllowance = RELAYED_SEGMENTS_ALLOWANCE;

  constructor(options: BroadcastSessionOptions) {
    this.#o = options;
    this.streamId = options.job.streamId;
    this.#jobHash = ladderHash(options.job.output);
  }

  /** Resolves when every segment received so far has been answered. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Handles a message from the broadcaster (resolves once it has been dealt with). */
  handle(message: Message, payload: Uint8Array): Promise<void> {
    const done = this.#queue.then(() => this.#dispatch(message, payload));
    this.#queue = done.catch(() => {});
    return done;
  }

  async #dispatch(message: Message, payload: Uint8Array): Promise<void> {
    if (message.type === "relayedSegment") {
      try {
        await this.#takeRelayed(message, payload);
      } catch (error) {
        this.#o.log.info({ stream: this.streamId, segment: message.sequenceNumber, err: (error as Error).name, why: (error as Error).message }, "relayed segment refused");
        await this.#sendError(error, message.sequenceNumber);
      }
      return;
    }
    if (message.type !== "segment") {
      await this.#sendError(new InvalidMessage({ messageType: message.type, field: "type", reason: "a session takes segment and relayedSegment messages" }));
      return;
    }
    try {
      await this.#handleSegment(message, payload);
    } catch (error) {
      const reason = error instanceof InvalidTicket ? error.data.reason : undefined;
      this.#o.events?.segment("refused", { sequenceNumber: message.sequenceNumber, error: (error as Error).name, ...(reason ? { reason } : {}) });
      this.#o.log.info({ stream: this.streamId, segment: message.sequenceNumber, err: (error as Error).name, why: (error as Error).message }, "segment refused");
      await this.#sendError(error, message.sequenceNumber);
    }
  }

  async #handleSegment(segment: Segment, bytes: Uint8Array): Promise<void> {
    const { job } = this.#o;
    if (segment.streamId !== job.streamId) {
      throw new InvalidMessage({ messageType: "segment", field: "streamId", reason: `this session is ${job.streamId}` });
    }
    const inputHash = contentHash(bytes);
    if (inputHash !== segment.contentHash) {
      throw new InvalidMessage({ messageType: "segment", field: "contentHash", reason: "does not match the bytes received" });
    }
    const payment = await this.#o.payments.check(segment);
    await checkSegmentMatchesJob(job, segment, bytes);
    // The round the receipt will name, read before the payment counts: a chain that cannot be read then costs the
    // broadcaster nothing, rather than a paid segment without a result.
    const round = await this.#o.currentRound();
    const { newTicketParams } = await payment.commit();
    // After a win the old recipientRand is about to become public on chain: the broadcaster pays with new params from
    // now on. Sent before transcoding, not after the result: every segment it sends meanwhile with the retired params
    // would be refused and paid again (a transcode is ~1 s; on a busy machine the refusals pushed segments past
    // their timeout and set off failovers).
    if (newTicketParams) await this.#o.send({ v: 1, type: "ticketParamsUpdate", streamId: job.streamId, ticketParams: newTicketParams });

    const { renditions, transcodeMs } = await this.#o.transcode(job.streamId, bytes, job.output);
    const outputs = renditions.map(({ rendition, bytes: out }) => ({ rendition: rendition.name, hash: contentHash(out) }));
    const signed = await signReceipt(this.#o.orchestrator, {
      streamId: job.streamId,
      sequenceNumber: segment.sequenceNumber,
      inputHash,
      jobHash: this.#jobHash,
      outputs,
      orchestrator: this.#o.orchestrator.address,
      round,
    });
    const payload = concatBytes(renditions.map((r) => r.bytes));
    await this.#o.send(
      {
        v: 1,
        type: "result",
        streamId: job.streamId,
        sequenceNumber: segment.sequenceNumber,
        renditions: renditions.map(({ rendition, bytes: out }, i) => ({
          name: rendition.name,
          width: rendition.width,
          height: rendition.height,
          byteLength: out.byteLength,
          contentHash: outputs[i]!.hash,
        })),
        receipt: { inputHash, jobHash: this.#jobHash, round, orchestrator: this.#o.orchestrator.address, sig: signed.sig },
        transcodeMs: Math.round(transcodeMs),
      },
      payload,
    );
    this.#o.events?.segment("transcoded", { sequenceNumber: segment.sequenceNumber, transcodeMs });
    this.#relayAllowance++;
    try {
      this.#o.events?.transcoded?.(job, { sequenceNumber: segment.sequenceNumber, durationMs: segment.durationMs, renditions });
    } catch (error) {
      // The broadcaster has its result and paid for it: a fault in what else the renditions serve is ours alone.
      this.#o.log.error({ stream: this.streamId, segment: segment.sequenceNumber, err: String(error) }, "handing on a transcoded segment failed");
    }
  }

  /**
   * Checks a relayed segment as the broadcaster checked the result it came in — the same ladder, bytes that match
   * their hashes, a receipt signed by the orchestrator it names — and hands it to the public window.
   * @throws InvalidMessage naming what does not hold
   */
  async #takeRelayed(relayed: RelayedSegment, payload: Uint8Array): Promise<void> {
    const { job } = this.#o;
    const refuse = (field: string, reason: string) => new InvalidMessage({ messageType: "relayedSegment", field, reason });
    if (job.publish !== true) throw refuse("type", "this stream is not published: relayed segments only feed a public window");
    if (relayed.streamId !== job.streamId) throw refuse("streamId", `this session is ${job.streamId}`);
    if (this.#relayAllowance <= 0) throw refuse("sequenceNumber", "more relayed segments than this session has transcoded");
    if (relayed.receipt.jobHash !== this.#jobHash) throw refuse("receipt.jobHash", "names another ladder than this session's");
    if (isAddressEqual(relayed.receipt.orchestrator, this.#o.orchestrator.address)) throw refuse("receipt.orchestrator", "is this orchestrator: its own segments need no relay");
    if (!sameSizes(relayed.renditions, job.output)) throw refuse("renditions", "are not this job's ladder, in its order");
    const parts = renditionPayloads(relayed, payload);
    parts.forEach((bytes, i) => {
      if (contentHash(bytes) !== relayed.renditions[i]!.contentHash) throw refuse(`renditions[${i}].contentHash`, "does not match the bytes received");
    });
    const signer = await recoverReceiptSigner(signedReceiptOf(relayed)).catch(() => undefined);
    if (!signer || !isAddressEqual(signer, relayed.receipt.orchestrator)) throw refuse("receipt.sig", "is not the signature of the orchestrator the receipt names");
    this.#relayAllowance--;
    try {
      this.#o.events?.relayed?.(job, {
        sequenceNumber: relayed.sequenceNumber,
        durationMs: relayed.durationMs,
        renditions: job.output.map((rendition, i) => ({ rendition, bytes: parts[i]! })),
        transcodedBy: relayed.receipt.orchestrator,
      });
    } catch (error) {
      this.#o.log.error({ stream: this.streamId, segment: relayed.sequenceNumber, err: String(error) }, "publishing a relayed segment failed");
    }
  }

  async #sendError(thrown: unknown, sequenceNumber?: number): Promise<void> {
    const error = chainUnavailableFrom(thrown, "the payment") ?? thrown;
    if (!(error instanceof ProtocolError)) this.#o.log.error({ stream: this.streamId, err: String(error) }, "unexpected error in a session");
    await this.#o
      .send({ v: 1, type: "error", streamId: this.streamId, ...(sequenceNumber !== undefined ? { sequenceNumber } : {}), error: toWireError(error) })
      .catch(() => {}); // the channel may be gone; nothing else to tell
  }
}

