// Where remote transcoders connect: WebSocket upgrades on one path, refused before the upgrade unless the secret
// matches (compared in constant time) and the registration headers are valid.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../log.ts";
import { parseRegistration, TRANSCODER_HEADERS, TRANSCODER_WIRE_VERSION, type TranscoderRegistration } from "./transcoder-wire.ts";

export interface TranscoderEndpointOptions {
  secret: string;
  path: string;
  /** Largest message a transcoder may send (a result with every rendition); larger ones close its connection. */
  maxMessageBytes: number;
  logger: Logger;
  /** Whether another transcoder may join now; a refusal (503) is retried by the transcoder. */
  admit(): { ok: true } | { ok: false; reason: string };
  onTranscoder(ws: WebSocket, registration: TranscoderRegistration, remoteAddress: string): void;
}

export interface TranscoderEndpoint {
  /** Takes an HTTP upgrade if it is for this endpoint's path (an http.Server "upgrade" listener); false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

/** Hashing first gives both sides one length, so timingSafeEqual neither throws nor reveals the secret's length. */
function secretsMatch(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Answers the upgrade with an HTTP error whose body is the reason alone; the transcoder adds what to do about it. */
function refuse(socket: Duplex, status: number, statusText: string, body: string): void {
  socket.on("error", () => {});
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createTranscoderEndpoint(o: TranscoderEndpointOptions): TranscoderEndpoint {
  if (o.secret === "") throw new RangeError("a transcoder endpoint needs a non-empty secret");
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes, clientTracking: false });
  return {
    handleUpgrade(req, socket, head) {
      let pathname: string;
      try {
        pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      } catch {
        return false;
      }
      if (pathname !== o.path) return false;
      const remoteAddress = `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? "?"}`;
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (bearer === undefined || !secretsMatch(bearer, o.secret)) {
        // The presented secret is never logged: a mistyped one is often one character away from the real one.
        o.logger.warn({ remoteAddress, hadSecret: bearer !== undefined }, "transcoder refused: wrong or missing secret");
        refuse(socket, 401, "Unauthorized", "the secret does not match");
        return true;
      }
      const version = req.headers[TRANSCODER_HEADERS.version];
      if (version !== String(TRANSCODER_WIRE_VERSION)) {
        o.logger.warn({ remoteAddress, version }, "transcoder refused: another wire version");
        refuse(socket, 426, "Upgrade Required", `this orchestrator speaks transcoder wire version ${TRANSCODER_WIRE_VERSION}`);
        return true;
      }
      const parsed = parseRegistration(req.headers);
      if (!parsed.ok) {
        o.logger.warn({ remoteAddress, reason: parsed.reason }, "transcoder refused: bad registration");
        refuse(socket, 400, "Bad Request", parsed.reason);
        return true;
      }
      const admitted = o.admit();
      if (!admitted.ok) {
        refuse(socket, 503, "Service Unavailable", admitted.reason);
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => o.onTranscoder(ws, parsed.registration, remoteAddress));
      return true;
    },
    close() {
      wss.close();
    },
  };
}
