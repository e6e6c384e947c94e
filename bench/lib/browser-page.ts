// What the benchmark page runs (imported from Vite's dev server into headless Chromium): the ticket payer's signing,
// a segment over the app's data channel (simple-peer's browser bundle + the protocol's framing) to a peer that acks
// it, the same bytes POSTed over loopback, and a paid segment → ladder round trip with a real orchestrator node.
import type SimplePeer from "simple-peer";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createBrowserPeer } from "../../src/lib/broadcaster/browser-peer.ts";
import { OrchestratorSession } from "../../src/lib/broadcaster/orchestrator-session.ts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../src/lib/protocol/message-channel.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Segment } from "../../src/lib/protocol/messages.ts";
import { contentHash } from "../../src/lib/protocol/receipt.ts";

export { timeTicketPayer } from "./browser-signing.ts";

/** Exposed by the bench (page.exposeFunction): hands the page's offer to the Node peer and returns its answer. */
declare function benchPeerAnswer(offer: string): Promise<string>;

let peer: SimplePeer.Instance | undefined;
let channel: ProtocolMessageChannel | undefined;
let acked: (() => void) | undefined;

/** Opens the page's data channel to the bench's Node peer (no trickle: one offer, one answer). */
export async function openDataChannel(): Promise<void> {
  const p = createBrowserPeer({ initiator: true, trickle: false });
  const offer = await new Promise<SimplePeer.SignalData>((r) => p.once("signal", r));
  p.signal(JSON.parse(await benchPeerAnswer(JSON.stringify(offer))) as SimplePeer.SignalData);
  await new Promise<void>((r, reject) => {
    p.once("connect", () => r());
    p.once("error", reject);
  });
  p.on("data", () => acked?.()); // the Node peer answers each whole message with one byte
  peer = p;
  channel = new ProtocolMessageChannel(simplePeerFrameChannel(p), { onMessage: () => {}, onError: () => {} });
}

/** Sends `bytes` as one segment message (no tickets) and waits for the peer's ack; returns ms from send to ack. */
export async function timeDataChannel(sequenceNumber: number, bytes: Uint8Array): Promise<number> {
  const message: Segment = {
    v: 1, type: "segment", streamId: "bench", sequenceNumber, durationMs: 2_000, format: "mp4", byteLength: bytes.byteLength,
    contentHash: contentHash(bytes), payment: { seed: `0x${"11".repeat(32)}`, expirationBlock: 1n, tickets: [] },
  };
  const ack = new Promise<void>((r) => (acked = r));
  const started = performance.now();
  await channel!.send(message, bytes);
  await ack;
  return performance.now() - started;
}

/** POSTs `bytes` to the bench's loopback HTTP sink (no content-type: no preflight); ms until its answer. */
export async function timeFetchPost(url: string, bytes: Uint8Array): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", body: bytes as Uint8Array<ArrayBuffer> }); // the page's bytes come from fetch: an ArrayBuffer
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`the sink answered ${res.status}`);
  return performance.now() - started;
}

export function closeDataChannel(): void {
  peer?.destroy();
}

let session: OrchestratorSession | undefined;

/** Quote from the node, then a session on the data channel, as the broadcast page opens one. */
export async function openOrchestratorSession(nodeUrl: string, privateKey: Hex, jobJson: string): Promise<void> {
  const job = decodeMessage(jobJson) as JobRequest;
  const res = await fetch(`${nodeUrl}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage(job) });
  const quote = decodeMessage(await res.text());
  if (quote.type !== "quote") throw new Error(`no quote: ${JSON.stringify(quote)}`);
  session = await OrchestratorSession.open({ uri: nodeUrl, job, quote, account: privateKeyToAccount(privateKey), createPeer: createBrowserPeer });
}

/** The segment is ready (its bytes in hand): pay, send, get the verified ladder back. */
export async function timeSegmentToLadder(sequenceNumber: number, bytes: Uint8Array): Promise<{ ms: number; uploadMs: number; transcodeMs: number; tickets: number; renditions: string[] }> {
  const started = performance.now();
  const result = await session!.transcode({ sequenceNumber, bytes, durationMs: 2_000, format: "mp4" }, 30_000);
  const ms = performance.now() - started;
  return { ms, uploadMs: result.uploadMs, transcodeMs: result.transcodeMs, tickets: result.tickets, renditions: result.renditions.map((r) => `${r.name} ${r.width}x${r.height}`) };
}

export function closeOrchestratorSession(): void {
  session?.close();
}
