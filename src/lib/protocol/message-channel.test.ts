// Over a real WebRTC data channel (simple-peer on @roamhq/wrtc, loopback): what one end sends, the other gets whole.
import { afterEach, describe, expect, it } from "vitest";
import wrtc from "@roamhq/wrtc";
import Peer from "simple-peer";
import { keccak256 } from "viem";
import type { ProtocolError } from "./errors.ts";
import type { Message } from "./messages.ts";
import { ProtocolMessageChannel, simplePeerFrameChannel } from "./message-channel.ts";

const peers: Peer.Instance[] = [];
afterEach(() => peers.splice(0).forEach((p) => p.destroy()));

async function connectedPair() {
  const a = new Peer({ initiator: true, wrtc, trickle: false });
  const b = new Peer({ wrtc, trickle: false });
  peers.push(a, b);
  a.on("signal", (s) => b.signal(s));
  b.on("signal", (s) => a.signal(s));
  await Promise.all([new Promise((r) => a.on("connect", r)), new Promise((r) => b.on("connect", r))]);
  return { a, b };
}

function segment(bytes: Uint8Array, sequenceNumber: number): Message {
  return {
    v: 1,
    type: "segment",
    streamId: "s1",
    sequenceNumber,
    durationMs: 2000,
    format: "mp4",
    byteLength: bytes.byteLength,
    contentHash: keccak256(bytes),
    payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: 1n, tickets: [] },
  } as Message;
}

describe("ProtocolMessageChannel over real WebRTC", () => {
  it("delivers a multi-megabyte segment and small messages whole and in order", async () => {
    const { a, b } = await connectedPair();
    const got: { message: Message; payload: Uint8Array }[] = [];
    const errors: ProtocolError[] = [];
    const done = new Promise<void>((resolve) => {
      const receiver = new ProtocolMessageChannel(simplePeerFrameChannel(b), {
        onMessage: (message, payload) => {
          got.push({ message, payload });
          if (got.length === 3) resolve();
        },
        onError: (e) => errors.push(e),
      });
      b.on("data", (d: Uint8Array) => receiver.receive(d));
    });
    const sender = new ProtocolMessageChannel(simplePeerFrameChannel(a), { onMessage: () => {}, onError: () => {} });
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    const small = new Uint8Array([1, 2, 3]);
    await Promise.all([sender.send(segment(big, 1), big), sender.send(segment(small, 2), small), sender.send(segment(small, 3), small)]);
    await done;
    expect(errors).toEqual([]);
    expect(got.map((g) => (g.message as { sequenceNumber: number }).sequenceNumber)).toEqual([1, 2, 3]);
    expect(keccak256(got[0]!.payload)).toBe(keccak256(big));
  }, 30_000);

  it("reports garbage on the channel as a named error and keeps working", async () => {
    const { a, b } = await connectedPair();
    const errors: ProtocolError[] = [];
    const got: Message[] = [];
    const receiver = new ProtocolMessageChannel(simplePeerFrameChannel(b), { onMessage: (m) => got.push(m), onError: (e) => errors.push(e) });
    b.on("data", (d: Uint8Array) => receiver.receive(d));
    a.send(new Uint8Array([9, 9, 9]));
    const sender = new ProtocolMessageChannel(simplePeerFrameChannel(a), { onMessage: () => {}, onError: () => {} });
    const bytes = new Uint8Array([7]);
    await sender.send(segment(bytes, 1), bytes);
    await new Promise((r) => setTimeout(r, 300));
    expect(errors[0]?.name).toBe("MalformedFrame");
    expect(got).toHaveLength(1);
  }, 30_000);
});
