// A raw data-channel session with an orchestrator node for fuzzing: opens it as a broadcaster does (POST /session
// with a WebRTC offer), then sends frames exactly as given and hands back every message the node answers.
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../../src/lib/protocol/message-channel.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Message } from "../../../src/lib/protocol/messages.ts";

export interface RawSession {
  /** Sends frames as they are, and resolves with the next message the node sends back (or undefined after timeoutMs). */
  exchange(frames: Uint8Array[], timeoutMs: number): Promise<Message | undefined>;
  close(): void;
}

export async function openRawSession(nodeUrl: string, job: JobRequest): Promise<RawSession> {
  const peer = new Peer({ initiator: true, trickle: false, wrtc });
  const offer = (await new Promise<Peer.SignalData>((r) => peer.once("signal", r))) as { type: "offer"; sdp: string };
  const res = await fetch(`${nodeUrl}/session`, {
    method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage({ v: 1, type: "sessionOffer", job, offer }),
  });
  const reply = decodeMessage(await res.text());
  if (reply.type !== "sessionAnswer") throw new Error(`no session: ${JSON.stringify(reply)}`);
  const inbox: Message[] = [];
  let wake: (() => void) | undefined;
  const channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), {
    onMessage: (message) => (inbox.push(message), wake?.()),
    onError: (error) => console.error("fuzz peer: unreadable answer from the node:", error.message),
  });
  peer.on("data", (d: Uint8Array) => channel.receive(d));
  peer.signal(reply.answer);
  await new Promise((r) => peer.once("connect", r));
  return {
    async exchange(frames, timeoutMs) {
      for (const f of frames) peer.send(f);
      if (inbox.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = undefined;
      }
      return inbox.shift();
    },
    close: () => peer.destroy(),
  };
}
