// The Node ends the benchmark page sends to: a simple-peer on @roamhq/wrtc (as an orchestrator's data channel is)
// that acks each whole protocol message with one byte, and a loopback HTTP sink that answers once a POST body is in.
import { createServer, type Server } from "node:http";
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "../../src/lib/protocol/message-channel.ts";

export interface PeerSink {
  /** Takes the page's offer (JSON), returns the answer (JSON); the channel connects once the page signals it. */
  answer(offerJson: string): Promise<string>;
  /** Messages received whole so far, and their payload bytes. */
  readonly received: { messages: number; payloadBytes: number };
  close(): void;
}

export function startPeerSink(): PeerSink {
  const peer = new Peer({ initiator: false, trickle: false, wrtc });
  const received = { messages: 0, payloadBytes: 0 };
  const channel = new ProtocolMessageChannel(simplePeerFrameChannel(peer), {
    onMessage: (_message, payload) => {
      received.messages += 1;
      received.payloadBytes += payload.byteLength;
      peer.send(new Uint8Array([1]));
    },
    onError: (error) => console.error("bench peer sink:", error.message),
  });
  peer.on("data", (data: Uint8Array) => channel.receive(data));
  peer.on("error", (error: Error) => console.error("bench peer sink:", error.message));
  return {
    async answer(offerJson) {
      const answer = new Promise<Peer.SignalData>((r) => peer.once("signal", r));
      peer.signal(JSON.parse(offerJson) as Peer.SignalData);
      return JSON.stringify(await answer);
    },
    received,
    close: () => peer.destroy(),
  };
}

/**
 * Answers 200 to any POST once its whole body has arrived, and serves `media[i]` at GET /media/i, to any origin;
 * resolves once listening on `port`. The page fetches media from here rather than through page.route, whose
 * interception would also carry every request body of the page through Playwright (slowing the POST baseline).
 */
export async function startHttpSink(port: number, media: () => Uint8Array[]): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      const bytes = /^\/media\/(\d+)$/.exec(req.url ?? "") ? media()[Number(req.url!.split("/").pop())] : undefined;
      res.writeHead(bytes ? 200 : 404, { "access-control-allow-origin": "*", "content-type": "video/mp4" });
      res.end(bytes);
      return;
    }
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.byteLength));
    req.on("end", () => {
      res.writeHead(200, { "access-control-allow-origin": "*", "content-type": "text/plain" });
      res.end(String(bytes));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return server;
}
