// Protocol messages over a WebRTC data channel, for both ends: each message (JSON header + binary payload) goes out
// as ≤16 KiB frames with backpressure, and comes back together through the reassembler. The caller wires incoming
// data in with receive(), so this works with a browser RTCDataChannel and with simple-peer in Node alike.
import { ProtocolError } from "./errors.ts";
import { decodeFramedMessage, FrameReassembler, frameMessage, messageIds, sendFrames, type FrameChannel, type ReassemblerOptions } from "./framing.ts";
import type { Message } from "./messages.ts";

export interface MessageChannelHandlers {
  onMessage(message: Message, payload: Uint8Array): void;
  /** A frame or message that could not be read: it was dropped, the channel goes on. */
  onError(error: ProtocolError): void;
}

export class ProtocolMessageChannel {
  readonly #channel: FrameChannel;
  readonly #handlers: MessageChannelHandlers;
  readonly #reassembler: FrameReassembler;
  readonly #nextId = messageIds();
  #sending: Promise<void> = Promise.resolve();

  constructor(channel: FrameChannel, handlers: MessageChannelHandlers, reassembler: ReassemblerOptions = {}) {
    this.#channel = channel;
    this.#handlers = handlers;
    this.#reassembler = new FrameReassembler({ ...reassembler, onDrop: (e) => handlers.onError(e) });
  }

  /** Feed every chunk the data channel delivers. */
  receive(data: Uint8Array | ArrayBuffer | string): void {
    try {
      const framed = this.#reassembler.push(data);
      if (!framed) return;
      const { message, payload } = decodeFramedMessage(framed);
      this.#handlers.onMessage(message, payload);
    } catch (error) {
      this.#handlers.onError(
        error instanceof ProtocolError
          ? error
          : new ProtocolError({ code: "INTERNAL_ERROR", message: String(error), nextStep: "Send the message again.", data: {} }),
      );
    }
  }

  /** Sends one message; messages go out one after another, in the order send() was called. */
  send(message: Message, payload?: Uint8Array): Promise<void> {
    const frames = frameMessage(this.#nextId(), message, payload);
    const sent = this.#sending.then(() => sendFrames(this.#channel, frames));
    this.#sending = sent.catch(() => {}); // one failed send must not block the next
    return sent;
  }

  /** Drops partial messages that have waited too long (call periodically). */
  evictExpired(): void {
    this.#reassembler.evictExpired();
  }
}

/** A FrameChannel over simple-peer's public API (bufferSize, send), for Node where there is no raw channel. */
export function simplePeerFrameChannel(peer: { bufferSize: number; send(data: Uint8Array): void; connected?: boolean }): FrameChannel {
  return {
    get bufferedAmount() {
      return peer.bufferSize;
    },
    get readyState() {
      return peer.connected === false ? "closed" : "open";
    },
    send: (data) => peer.send(data),
  };
}
