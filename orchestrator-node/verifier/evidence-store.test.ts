// The evidence store keeps only bytes that hash to the claimed hash and ladders that hash to the claimed jobHash, within bounds.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contentHash, ladderHash } from "../../src/lib/protocol/receipt.ts";
import {
  EvidenceHashMismatch,
  EvidenceStore,
  EvidenceStoreFull,
  EvidenceTooLarge,
  InvalidEvidenceHash,
  InvalidLadderEvidence,
  LadderHashMismatch,
} from "./evidence-store.ts";

const newDir = () => mkdtemp(join(tmpdir(), "streamflow-evidence-"));
const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const LADDER = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];

describe("EvidenceStore", () => {
  it("keeps bytes under their keccak256 and gives them back, in any hex case", async () => {
    const store = await EvidenceStore.open(await newDir());
    const data = bytes(1000);
    const hash = contentHash(data);
    expect(await store.put(hash.toUpperCase().replace("0X", "0x"), data)).toBe(hash);
    expect(await store.get(hash)).toEqual(data);
    expect(await store.has(hash)).toBe(true);
    expect(await store.get(contentHash(bytes(3)))).toBeUndefined();
  });

  it("refuses bytes that do not hash to the claimed hash, and malformed hashes", async () => {
    const store = await EvidenceStore.open(await newDir());
    await expect(store.put(contentHash(bytes(10, 1)), bytes(10, 2))).rejects.toBeInstanceOf(EvidenceHashMismatch);
    await expect(store.put("0x1234", bytes(10))).rejects.toBeInstanceOf(InvalidEvidenceHash);
    await expect(store.put(`0x${"zz".repeat(32)}`, bytes(10))).rejects.toBeInstanceOf(InvalidEvidenceHash);
    expect(store.totalBytes).toBe(0);
  });

  it("bounds each item and the total, counting what is already on disk after a restart", async () => {
    const dir = await newDir();
    const store = await EvidenceStore.open(dir, { maxItemBytes: 100, maxTotalBytes: 250 });
    await expect(store.put(contentHash(bytes(101)), bytes(101))).rejects.toBeInstanceOf(EvidenceTooLarge);
    await store.put(contentHash(bytes(100, 1)), bytes(100, 1));
    await store.put(contentHash(bytes(100, 2)), bytes(100, 2));
    await store.put(contentHash(bytes(100, 2)), bytes(100, 2)); // the same bytes again cost nothing
    expect(store.totalBytes).toBe(200);
    await expect(store.put(contentHash(bytes(100, 3)), bytes(100, 3))).rejects.toBeInstanceOf(EvidenceStoreFull);

    const reopened = await EvidenceStore.open(dir, { maxItemBytes: 100, maxTotalBytes: 250 });
    expect(reopened.totalBytes).toBe(200);
    await expect(reopened.put(contentHash(bytes(100, 3)), bytes(100, 3))).rejects.toBeInstanceOf(EvidenceStoreFull);
  });

  it("counts concurrent uploads of the same bytes once", async () => {
    const store = await EvidenceStore.open(await newDir());
    const data = bytes(500, 9);
    await Promise.all([store.put(contentHash(data), data), store.put(contentHash(data), data), store.put(contentHash(data), data)]);
    expect(store.totalBytes).toBe(500);
  });

  it("keeps a ladder only under the jobHash it hashes to, with only the hashed fields", async () => {
    const store = await EvidenceStore.open(await newDir());
    const jobHash = ladderHash(LADDER);
    const withExtra = { output: LADDER.map((r) => ({ ...r, extra: true })) };
    expect(await store.putLadder(jobHash, JSON.stringify(withExtra))).toEqual(LADDER);
    expect(await store.getLadder(jobHash)).toEqual(LADDER);
    expect(ladderHash((await store.getLadder(jobHash))!)).toBe(jobHash);

    const reordered = JSON.stringify({ output: [...LADDER].reverse() });
    await expect(store.putLadder(jobHash, reordered)).rejects.toBeInstanceOf(LadderHashMismatch);
    const other = JSON.stringify({ output: [{ ...LADDER[0]!, width: 642 }] });
    await expect(store.putLadder(ladderHash(LADDER.slice(0, 1)), other)).rejects.toBeInstanceOf(LadderHashMismatch);
    await expect(store.putLadder(jobHash, "{not json")).rejects.toBeInstanceOf(InvalidLadderEvidence);
    await expect(store.putLadder(jobHash, JSON.stringify({ output: [{ name: "x", width: -1, height: 2, bitrateKbps: 3 }] }))).rejects.toBeInstanceOf(InvalidLadderEvidence);
    await expect(store.putLadder(jobHash, JSON.stringify({ output: [] }))).rejects.toBeInstanceOf(InvalidLadderEvidence);
    expect(await store.getLadder(ladderHash(LADDER.slice(1)))).toBeUndefined();
  });
});
