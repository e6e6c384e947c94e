// A timed stream into a real orchestrator node for the pipeline benchmarks: a funded Node broadcaster (simple-peer on
// @roamhq/wrtc) that pays for each segment and measures segment sent → every rendition of the ladder back.
import { renditionPayloads, type JobRequest } from "../../src/lib/protocol/messages.ts";
import { LADDER_PRESETS, type Rendition } from "../../orchestrator-node/transcode/ladder.ts";
import type { E2eNetwork } from "../../tests/e2e/e2e-network.ts";
import { NodeBroadcaster } from "../../tests/e2e/node-broadcaster.ts";

export const SEGMENT_MS = 2_000;
/** The app's default ladder, as bench/suites/transcode.ts measures it. */
export const BENCH_LADDER: Rendition[] = [LADDER_PRESETS["480p"]!, LADDER_PRESETS["360p"]!];

/** The node answered a benchmark segment with something other than a result carrying the whole ladder. */
export class BenchSegmentFailed extends Error {
  override readonly name = "BenchSegmentFailed";
  readonly streamId: string;
  readonly sequenceNumber: number;

  constructor(streamId: string, sequenceNumber: number, what: string) {
    super(`stream ${streamId}, segment ${sequenceNumber}: ${what}; fix what the node's log says before reading any figure`);
    this.streamId = streamId;
    this.sequenceNumber = sequenceNumber;
  }
}

export interface SegmentTiming {
  /** From sending the segment on the data channel to its result, with every rendition, back. */
  totalMs: number;
  /** What the node reports its transcoder pool took (the result's transcodeMs): the rest is the node's path. */
  nodeTranscodeMs: number;
  /** Set when the node answered OrchestratorBusy (every pool slot full, or its transcodes timed out): no result. */
  refused?: "OrchestratorBusy";
}

export interface BenchStream {
  streamId: string;
  /** Segments paid again after a stale-params refusal (params that ran out with the round, or retired by a win). */
  paidAgain: number;
  /** Sends `bytes` as the stream's next paid segment; resolves with its timing once every rendition is back. */
  sendTimed(bytes: Uint8Array): Promise<SegmentTiming>;
  close(): void;
}

/** A broadcaster key funded on the chain, a quote and a WebRTC session with the node at `nodeUrl`. */
export async function openBenchStream(net: E2eNetwork, nodeUrl: string, streamId: string): Promise<BenchStream> {
  const account = await net.fundedBroadcaster();
  const job: JobRequest = {
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster: account.address,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 },
    output: BENCH_LADDER,
  };
  const broadcaster = new NodeBroadcaster(account, nodeUrl);
  await broadcaster.quote(job);
  await broadcaster.open(job);
  let sequenceNumber = 0;
  const stream: BenchStream = {
    streamId,
    paidAgain: 0,
    async sendTimed(bytes) {
      const n = sequenceNumber++;
      for (let attempt = 1; ; attempt++) {
        // Signing the tickets is the broadcaster's work before the segment leaves, so it stays outside the timing.
        // Not committing the payment only forgoes carried-over credit: every segment is paid in full.
        const { payment } = await broadcaster.pay();
        const message = broadcaster.segmentMessage(streamId, n, bytes, SEGMENT_MS, payment);
        const started = performance.now();
        const reply = await broadcaster.sendRaw(message, bytes);
        const elapsedMs = performance.now() - started;
        if (reply.message.type === "error" && isStaleParams(reply.message.error) && attempt < MAX_PAYMENT_ATTEMPTS) {
          // As the tab does (orchestrator-session.ts): the segment was not worked on; pay again with fresh params.
          stream.paidAgain++;
          await broadcaster.quote(job);
          continue;
        }
        // An overloaded node refusing is a result of the benchmark, not a fault in it: counted, not thrown.
        if (reply.message.type === "error" && reply.message.error.name === "OrchestratorBusy") return { totalMs: elapsedMs, nodeTranscodeMs: 0, refused: "OrchestratorBusy" };
        const fail = (what: string) => new BenchSegmentFailed(streamId, n, `${what}\n--- node log ---\n${net.nodeLog().slice(-3000)}`);
        if (reply.message.type !== "result") throw fail(`answered ${JSON.stringify(reply.message, bigintsAsText)}`);
        const renditions = renditionPayloads(reply.message, reply.payload);
        if (renditions.length !== BENCH_LADDER.length || renditions.some((r) => r.byteLength === 0)) {
          throw fail(`${renditions.length} renditions back, ${BENCH_LADDER.length} asked`);
        }
        return { totalMs: elapsedMs, nodeTranscodeMs: reply.message.transcodeMs };
      }
    },
    close: () => broadcaster.close(),
  };
  return stream;
}

/** Payments per segment: the first, and retries after stale-params refusals (as the tab's MAX_PAYMENT_ATTEMPTS). */
const MAX_PAYMENT_ATTEMPTS = 3;

/** The refusals the tab answers by paying again (refusedForStaleParams in orchestrator-session.ts), in wire form. */
function isStaleParams(error: { name: string; data?: unknown }): boolean {
  const reason = (error.data as { reason?: unknown } | undefined)?.reason;
  return error.name === "TicketParamsExpired" || (error.name === "InvalidTicket" && (reason === "unknownParams" || reason === "wrongCreationRound"));
}

/** Sends one segment on each stream at once; resolves with each one's timing, in the streams' order. */
export function sendTogether(streams: readonly BenchStream[], bytes: Uint8Array): Promise<SegmentTiming[]> {
  return Promise.all(streams.map((s) => s.sendTimed(bytes)));
}

/** Segments served (their total ms) and refused, over a setting's rounds. */
export interface Samples {
  servedMs: number[];
  refused: number;
}

export const newSamples = (): Samples => ({ servedMs: [], refused: 0 });

export function record(samples: Samples, timings: readonly SegmentTiming[]): void {
  for (const t of timings) {
    if (t.refused) samples.refused++;
    else samples.servedMs.push(t.totalMs);
  }
}

const bigintsAsText = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);
