// What the tab's own broadcaster classes (OrchestratorSession, Broadcast) need from outside when driven from Node:
// a simple-peer on @roamhq/wrtc, and a quote from an orchestrator's POST /quote.
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import type { CreatePeer } from "../../src/lib/broadcaster/orchestrator-session.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Quote } from "../../src/lib/protocol/messages.ts";

export const createPeer: CreatePeer = (o) => new Peer({ ...o, wrtc });

export async function quoteFrom(uri: string, job: JobRequest): Promise<Quote> {
  const reply = decodeMessage(await (await fetch(`${uri}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage(job) })).text());
  if (reply.type !== "quote") throw new Error(`no quote from ${uri}: ${JSON.stringify(reply)}`);
  return reply;
}
