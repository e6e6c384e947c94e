// After a failover, the recent segments the orchestrator that went away had published exist nowhere a viewer can
// fetch them: a viewer polls about once a second, so it may be a segment or two behind. The broadcaster holds their
// results (receipt and renditions), so it relays the last few to the orchestrator that took over (relayedSegment),
// and the viewer's follower finds them in its window. Only for published streams.
import { concatBytes, isAddressEqual, type Address } from "viem";
import type { RelayedSegment } from "../protocol/messages.ts";
import { contentHash } from "../protocol/receipt.ts";
import type { TranscodedSegment } from "./orchestrator-session.ts";

/**
 * Results kept for relaying. A viewer polls once a second and fetches up to the newest each time, so it is at most
 * about one 2 s segment behind; one more covers a fetch cut off by the failure. Few, because they go out on the
 * new session's channel before the next live segment does (the node takes up to 3).
 */
export const RELAYED_SEGMENTS = 2;

/** A result and its segment's duration, as a relayedSegment message needs them. */
export interface RelayableResult {
  result: Pick<TranscodedSegment, "sequenceNumber" | "orchestrator" | "renditions" | "receipt">;
  durationMs: number;
}

/** Results kept: the newest by others are relayed, and the one that took over may have made some of the newest. */
const KEPT_RESULTS = RELAYED_SEGMENTS * 2;

/** The last results of a stream, and which orchestrator has been sent which of them. */
export class RecentResults {
  readonly #kept: RelayableResult[] = [];
  readonly #sent = new Map<string, Set<number>>();
  /** Orchestrators whose results are never relayed again (a failed spot check). */
  readonly #faulty = new Set<string>();

  /** Keeps a verified result (only the newest few by sequence number stay). */
  remember(entry: RelayableResult): void {
    if (this.#faulty.has(entry.result.orchestrator.toLowerCase())) return;
    const at = this.#kept.findIndex((k) => k.result.sequenceNumber === entry.result.sequenceNumber);
    if (at >= 0) this.#kept.splice(at, 1);
    this.#kept.push(entry);
    this.#kept.sort((a, b) => a.result.sequenceNumber - b.result.sequenceNumber);
    if (this.#kept.length > KEPT_RESULTS) this.#kept.splice(0, this.#kept.length - KEPT_RESULTS);
  }

  /**
   * Drops an orchestrator's results, and any it returns later (segments it still had in flight): it failed a spot
   * check, so what it made is not to be shown anywhere.
   */
  forget(orchestrator: Address): void {
    this.#faulty.add(orchestrator.toLowerCase());
    for (let i = this.#kept.length - 1; i >= 0; i--) if (isAddressEqual(this.#kept[i]!.result.orchestrator, orchestrator)) this.#kept.splice(i, 1);
  }

  /**
   * The newest RELAYED_SEGMENTS kept results `to` did not make and has not been sent yet, oldest first; they count as
   * sent from now on.
   */
  takeFor(to: Address): RelayableResult[] {
    const key = to.toLowerCase();
    const sent = this.#sent.get(key) ?? new Set<number>();
    this.#sent.set(key, sent);
    const due = this.#kept.filter((k) => !isAddressEqual(k.result.orchestrator, to) && !sent.has(k.result.sequenceNumber)).slice(-RELAYED_SEGMENTS);
    for (const k of due) sent.add(k.result.sequenceNumber);
    // Only numbers still kept can come up again: the set stays as small as the window.
    for (const n of sent) if (!this.#kept.some((k) => k.result.sequenceNumber === n)) sent.delete(n);
    return due;
  }
}

/** The relayedSegment message for a result (its renditions' bytes, concatenated in order, are the payload). */
export function relayedSegmentOf({ result, durationMs }: RelayableResult): { message: RelayedSegment; payload: Uint8Array } {
  const { receipt, sig } = result.receipt;
  const payload = concatBytes(result.renditions.map((r) => r.bytes));
  return {
    message: {
      v: 1,
      type: "relayedSegment",
      streamId: receipt.streamId,
      sequenceNumber: result.sequenceNumber,
      durationMs,
      renditions: result.renditions.map((r, i) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        byteLength: r.bytes.byteLength,
        contentHash: receipt.outputs[i]?.hash ?? contentHash(r.bytes),
      })),
      receipt: { inputHash: receipt.inputHash, jobHash: receipt.jobHash, round: receipt.round, orchestrator: receipt.orchestrator, sig },
    },
    payload,
  };
}
