// Going live, end to end: discover orchestrators, get their quotes, select by policy, open the sessions, then
// cut the camera into segments and send each with its tickets, reporting every result, failover and error.
import type { Address, PublicClient } from "viem";
import type { LocalAccount } from "viem/accounts";
import type { Deployments } from "../chain/deployments.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { JobRequest, Quote } from "../protocol/messages.ts";
import { Broadcast, type BroadcastCandidate, type BroadcastResult } from "./broadcast.ts";
import type { CreatePeer } from "./orchestrator-session.ts";
import { discoverOrchestrators, requestQuotes, type QuoteOutcome } from "./discovery.ts";
import { NoOrchestratorLeft } from "./errors.ts";
import { loadHistory, recordSegment } from "./history.ts";
import { selectOrchestrators, type Selection, type SelectionPolicy } from "./selection.ts";
import { startSegmenter, type CapturedSegment, type Segmenter } from "./segmenter/segmenter.ts";

export interface RenditionChoice {
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
}

export interface LiveEvents {
  onSelection?(outcomes: QuoteOutcome[], selection: Selection): void;
  onSessionOpened?(orchestrator: Address, role: "serving" | "standby"): void;
  onOrchestratorDropped?(orchestrator: Address, error: ProtocolError): void;
  onOrchestratorSlow?(orchestrator: Address, error: ProtocolError): void;
  onTicketsSent?(orchestrator: Address, sequenceNumber: number, senderNonces: bigint[]): void;
  onSegment?(result: BroadcastResult, source: CapturedSegment): void;
  onSegmentFailed?(sequenceNumber: number, error: ProtocolError): void;
  /** Something that stops the broadcast (the camera, the encoder). */
  onFatal?(error: Error): void;
}

export interface GoLiveOptions {
  deployments: Pick<Deployments, "contracts">;
  publicClient: Pick<PublicClient, "readContract">;
  account: LocalAccount;
  stream: MediaStream;
  ladder: readonly RenditionChoice[];
  serviceId: string;
  region?: string;
  minStakeWei?: bigint;
  policy: SelectionPolicy;
  /** Warm spare sessions for instant failover. */
  standby: number;
  segmentDurationMs: number;
  /** How long an orchestrator has per segment before it goes to the next one. */
  segmentTimeoutMs: number;
  /** Let orchestrators keep a short public window for viewers (the watch page). */
  publish: boolean;
  createPeer: CreatePeer;
  events: LiveEvents;
}

export interface LiveBroadcast {
  streamId: string;
  job: JobRequest;
  selection: Selection;
  broadcast: Broadcast;
  stop(): Promise<void>;
}

/** A stream id nobody else picks: 16 random letters and digits. */
export function newStreamId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => alphabet[b % alphabet.length]).join("");
}

/** The job for this camera: its real frame size and rate in, the chosen ladder out. */
export function jobFor(o: Pick<GoLiveOptions, "account" | "ladder" | "serviceId" | "region" | "publish">, streamId: string, input: { width: number; height: number; fps: number }): JobRequest {
  return {
    v: 1,
    type: "jobRequest",
    streamId,
    serviceId: o.serviceId,
    broadcaster: o.account.address,
    input: { codec: "h264", ...input },
    output: o.ladder.map((r) => ({ ...r })),
    ...(o.region ? { region: o.region } : {}),
    publish: o.publish,
  };
}

export async function goLive(o: GoLiveOptions): Promise<LiveBroadcast> {
  const track = o.stream.getVideoTracks()[0];
  const settings = track?.getSettings() ?? {};
  const input = { width: settings.width ?? 1280, height: settings.height ?? 720, fps: Math.round(settings.frameRate || 30) }; // a canvas track reports 0
  const streamId = newStreamId();
  const job = jobFor(o, streamId, input);

  const candidates = await discoverOrchestrators(o.publicClient, o.deployments, { serviceId: o.serviceId, region: o.region, minStakeWei: o.minStakeWei });
  const [outcomes, history] = await Promise.all([requestQuotes(candidates, job), loadHistory()]);
  const selection = selectOrchestrators(outcomes, history, { ...o.policy, sessionStartedAtMs: Date.now() });
  o.events.onSelection?.(outcomes, selection);
  if (selection.ranked.length === 0) throw new NoOrchestratorLeft({ sequenceNumber: 0, tried: candidates.length });

  const byAddress = new Map(selection.ranked.map((r) => [r.address.toLowerCase(), r.candidate]));
  const requestQuote = async (c: BroadcastCandidate): Promise<Quote> => {
    const candidate = byAddress.get(c.address.toLowerCase());
    if (!candidate) throw new NoOrchestratorLeft({ sequenceNumber: 0, tried: 0 });
    const [outcome] = await requestQuotes([candidate], job);
    if (!outcome?.ok) throw outcome?.error ?? new NoOrchestratorLeft({ sequenceNumber: 0, tried: 1 });
    return outcome.quote;
  };
  const broadcast = await Broadcast.start({
    job,
    account: o.account,
    candidates: selection.ranked.map((r) => ({ address: r.address, uri: r.candidate.serviceURI, quote: r.quote })),
    redundancy: o.policy.redundancy,
    standby: o.standby,
    segmentTimeoutMs: o.segmentTimeoutMs,
    createPeer: o.createPeer,
    requestQuote,
    events: {
      onSessionOpened: o.events.onSessionOpened,
      onOrchestratorSlow: o.events.onOrchestratorSlow,
      onTicketsSent: o.events.onTicketsSent,
      onOrchestratorDropped: (orchestrator, error) => {
        void recordSegment(orchestrator, { ok: false }).catch(() => {});
        o.events.onOrchestratorDropped?.(orchestrator, error);
      },
    },
  });

  const send = async (segment: CapturedSegment) => {
    try {
      const result = await broadcast.submit({ sequenceNumber: segment.sequenceNumber, bytes: segment.bytes, durationMs: segment.durationMs, format: "mp4" });
      void recordSegment(result.orchestrator, { ok: true, roundTripMs: result.roundTripMs }).catch(() => {});
      o.events.onSegment?.(result, segment);
    } catch (error) {
      o.events.onSegmentFailed?.(segment.sequenceNumber, error instanceof ProtocolError ? error : new NoOrchestratorLeft({ sequenceNumber: segment.sequenceNumber, tried: 0 }));
    }
  };
  let segmenter: Segmenter;
  try {
    segmenter = await startSegmenter(o.stream, {
      segmentDurationMs: o.segmentDurationMs,
      onSegment: (segment) => void send(segment),
      onError: (error) => o.events.onFatal?.(error),
    });
  } catch (error) {
    broadcast.stop();
    throw error;
  }
  return {
    streamId,
    job,
    selection,
    broadcast,
    async stop() {
      await segmenter.stop().catch(() => {});
      broadcast.stop();
    },
  };
}
