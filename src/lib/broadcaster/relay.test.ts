import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decodeMessage, encodeMessage, renditionPayloads, signedReceiptOf } from "../protocol/messages.ts";
import { contentHash, ladderHash, recoverReceiptSigner, signReceipt } from "../protocol/receipt.ts";
import { RecentResults, RELAYED_SEGMENTS, relayedSegmentOf, type RelayableResult } from "./relay.ts";

const A = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const B = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const LADDER = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];

async function resultOf(sequenceNumber: number, by = A): Promise<RelayableResult> {
  const renditions = LADDER.map((r, i) => ({ name: r.name, width: r.width, height: r.height, bytes: new Uint8Array([sequenceNumber, i, 1, 2, 3]) }));
  const receipt = await signReceipt(by, {
    streamId: "relay-stream",
    sequenceNumber,
    inputHash: contentHash(new Uint8Array([sequenceNumber])),
    jobHash: ladderHash(LADDER),
    outputs: renditions.map((r) => ({ rendition: r.name, hash: contentHash(r.bytes) })),
    orchestrator: by.address,
    round: 9n,
  });
  return { result: { sequenceNumber, orchestrator: by.address, renditions, receipt }, durationMs: 2000 };
}

const numbers = (entries: RelayableResult[]) => entries.map((e) => e.result.sequenceNumber);

describe("RecentResults", () => {
  it("keeps the newest few by sequence number, whatever order they came back in", async () => {
    const recent = new RecentResults();
    for (const n of [3, 0, 5, 1, 4, 2]) recent.remember(await resultOf(n));
    expect(numbers(recent.takeFor(B.address))).toEqual([0, 1, 2, 3, 4, 5].slice(-RELAYED_SEGMENTS));
  });

  it("relays the newest few others made, though the one taking over made the newest", async () => {
    const recent = new RecentResults();
    for (const n of [0, 1, 2]) recent.remember(await resultOf(n));
    recent.remember(await resultOf(3, B));
    expect(numbers(recent.takeFor(B.address))).toEqual([0, 1, 2].slice(-RELAYED_SEGMENTS));
  });

  it("relays to an orchestrator only what others made, and each segment once", async () => {
    const recent = new RecentResults();
    recent.remember(await resultOf(0));
    recent.remember(await resultOf(1, B));
    expect(numbers(recent.takeFor(B.address))).toEqual([0]);
    expect(numbers(recent.takeFor(B.address))).toEqual([]);
    recent.remember(await resultOf(2));
    expect(numbers(recent.takeFor(B.address.toLowerCase() as Address))).toEqual([2]);
    expect(numbers(recent.takeFor(A.address))).toEqual([1]);
  });

  it("forgets what an orchestrator made once it failed a spot check, and what it returns after", async () => {
    const recent = new RecentResults();
    recent.remember(await resultOf(0));
    recent.remember(await resultOf(1, B));
    recent.forget(A.address);
    recent.remember(await resultOf(2)); // still in flight when the fault was found
    expect(numbers(recent.takeFor("0x000000000000000000000000000000000000dEaD"))).toEqual([1]);
  });
});

describe("relayedSegmentOf", () => {
  it("carries the result as it came: it decodes, its payload splits into the renditions, and the receipt still names its signer", async () => {
    const entry = await resultOf(7);
    const { message, payload } = relayedSegmentOf(entry);
    const decoded = decodeMessage(encodeMessage(message));
    expect(decoded).toEqual(message);
    if (decoded.type !== "relayedSegment") throw new Error("not a relayedSegment");
    expect(renditionPayloads(decoded, payload)).toEqual(entry.result.renditions.map((r) => r.bytes));
    expect(await recoverReceiptSigner(signedReceiptOf(decoded))).toBe(A.address);
    expect(decoded.durationMs).toBe(2000);
  });
});
