// Spec of transcode receipts: a domain-separated, unambiguous hash, an orchestrator's signature over it, and content hashes.
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatHex, hexToBytes, numberToHex, size, stringToBytes, stringToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  RECEIPT_DOMAIN,
  RECEIPT_DOMAIN_HASH,
  contentHash,
  ladderHash,
  receiptHash,
  recoverReceiptSigner,
  signReceipt,
  type LadderRendition,
  type TranscodeReceipt,
} from "./receipt.ts";
import { InvalidSignature, SECP256K1_N } from "./signature.ts";
import { account, address, bytes32 } from "./test-arbitraries.ts";

const orchestrator = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");

const ladder: LadderRendition[] = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 1_000 },
  { name: "720p", width: 1280, height: 720, bitrateKbps: 3_000 },
];

const receipt: TranscodeReceipt = {
  streamId: "stream-7f3a",
  sequenceNumber: 42,
  inputHash: contentHash(stringToBytes("segment 42")),
  jobHash: ladderHash(ladder),
  outputs: [
    { rendition: "360p", hash: contentHash(stringToBytes("segment 42 at 360p")) },
    { rendition: "720p", hash: contentHash(stringToBytes("segment 42 at 720p")) },
  ],
  orchestrator: orchestrator.address,
  round: 1_234n,
};

const receipts: fc.Arbitrary<TranscodeReceipt> = fc.record({
  streamId: fc.string({ maxLength: 40 }),
  sequenceNumber: fc.nat(),
  inputHash: bytes32,
  jobHash: bytes32,
  outputs: fc.array(fc.record({ rendition: fc.string({ maxLength: 12 }), hash: bytes32 }), { maxLength: 6 }),
  orchestrator: address,
  round: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
});

const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const ladders: fc.Arbitrary<LadderRendition[]> = fc.array(
  fc.record({ name: fc.string({ maxLength: 12 }), width: uint32, height: uint32, bitrateKbps: uint32 }),
  { maxLength: 8 },
);

const word = (n: bigint | number) => numberToHex(BigInt(n), { size: 32 }).slice(2);
const padded = (hex: Hex) => hex.slice(2).padEnd(Math.ceil((hex.length - 2) / 64) * 64, "0");
const abiString = (s: string) => word(size(stringToHex(s))) + padded(stringToHex(s));

/** abi.encode of a dynamic array of dynamic tuples: length, one offset per tuple (from after the length), the tuples. */
function dynamicTupleArray(tupleTails: string[]): string {
  let tupleOffset = 32 * tupleTails.length;
  const tupleOffsets = tupleTails.map((tail) => {
    const offset = word(tupleOffset);
    tupleOffset += tail.length / 2;
    return offset;
  });
  return word(tupleTails.length) + tupleOffsets.join("") + tupleTails.join("");
}

/** abi.encode((string,uint32,uint32,uint32)[]) written out word by word, then hashed: ladderHash restated. */
function independentLadderHash(l: readonly LadderRendition[]): Hex {
  const tails = l.map((r) => word(4 * 32) + word(r.width) + word(r.height) + word(r.bitrateKbps) + abiString(r.name));
  return bytesToHex(keccak_256(hexToBytes(`0x${word(32)}${dynamicTupleArray(tails)}`)));
}

/**
 * abi.encode of the receipt written out word by word (head of static words and offsets, then the tails), to restate
 * the layout a Solidity verifier will hash without going through viem's encoder.
 */
function independentReceiptHash(r: TranscodeReceipt): Hex {
  const streamIdTail = abiString(r.streamId);
  // outputs: each tuple is the offset of its string, the hash, then the string.
  const outputsTail = dynamicTupleArray(r.outputs.map((o) => word(64) + o.hash.slice(2) + abiString(o.rendition)));
  const headBytes = 8 * 32;
  const head =
    RECEIPT_DOMAIN_HASH.slice(2) +
    word(headBytes) +
    word(r.sequenceNumber) +
    r.inputHash.slice(2) +
    r.jobHash.slice(2) +
    word(headBytes + streamIdTail.length / 2) +
    r.orchestrator.slice(2).toLowerCase().padStart(64, "0") +
    word(r.round);
  return bytesToHex(keccak_256(hexToBytes(`0x${head}${streamIdTail}${outputsTail}`)));
}

describe("receiptHash", () => {
  it("is keccak256 of abi.encode(domain, streamId, uint64 sequenceNumber, inputHash, jobHash, (string,bytes32)[] outputs, orchestrator, uint256 round)", () => {
    fc.assert(
      fc.property(receipts, (r) => {
        expect(receiptHash(r)).toBe(independentReceiptHash(r));
      }),
      { numRuns: 1_000 },
    );
  });

  it(`is domain-separated by keccak256("${RECEIPT_DOMAIN}")`, () => {
    expect(RECEIPT_DOMAIN).toBe("Streamflow receipt v2");
    expect(RECEIPT_DOMAIN_HASH).toBe(bytesToHex(keccak_256(stringToBytes("Streamflow receipt v2"))));
  });

  it("changes when any field changes, including the order of outputs and where a name's characters fall", () => {
    const [first, second] = receipt.outputs;
    if (first === undefined || second === undefined) throw new Error("the example receipt has two outputs");
    const variants: TranscodeReceipt[] = [
      { ...receipt, streamId: "stream-7f3b" },
      { ...receipt, sequenceNumber: 43 },
      { ...receipt, inputHash: contentHash(stringToBytes("segment 43")) },
      { ...receipt, jobHash: ladderHash(ladder.slice(0, 1)) },
      { ...receipt, round: receipt.round + 1n },
      { ...receipt, outputs: [second, first] },
      { ...receipt, outputs: [first] },
      { ...receipt, outputs: [{ ...first, rendition: "360p " }, second] },
      { ...receipt, orchestrator: "0x000000000000000000000000000000000000dEaD" },
      // Moving a character between the stream id and a rendition name would collide under encodePacked.
      { ...receipt, streamId: "stream-7f3a3", outputs: [{ ...first, rendition: "60p" }, second] },
    ];
    const hashes = new Set([receiptHash(receipt), ...variants.map(receiptHash)]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it("rejects a sequence number that is not a non-negative integer within uint64", () => {
    for (const sequenceNumber of [-1, 1.5, Number.NaN]) expect(() => receiptHash({ ...receipt, sequenceNumber })).toThrow();
  });

  it("rejects a round outside uint256", () => {
    for (const round of [-1n, 2n ** 256n]) expect(() => receiptHash({ ...receipt, round })).toThrow();
  });
});

describe("ladderHash", () => {
  it("is keccak256 of abi.encode((string name, uint32 width, uint32 height, uint32 bitrateKbps)[])", () => {
    fc.assert(
      fc.property(ladders, (l) => {
        expect(ladderHash(l)).toBe(independentLadderHash(l));
      }),
      { numRuns: 1_000 },
    );
  });

  it("covers every field and the order, and ignores fields beyond the four (a jobRequest's output passes as it is)", () => {
    const [first, second] = ladder;
    if (first === undefined || second === undefined) throw new Error("the example ladder has two renditions");
    const variants: LadderRendition[][] = [
      [second, first],
      [first],
      [{ ...first, name: "360P" }, second],
      [{ ...first, width: 641 }, second],
      [{ ...first, height: 361 }, second],
      [{ ...first, bitrateKbps: 1_001 }, second],
    ];
    expect(new Set([ladderHash(ladder), ...variants.map(ladderHash)]).size).toBe(variants.length + 1);
    expect(ladderHash([{ ...first, extra: true } as LadderRendition, second])).toBe(ladderHash(ladder));
  });

  it("rejects a dimension or bitrate outside uint32", () => {
    const [first] = ladder;
    if (first === undefined) throw new Error("the example ladder has a rendition");
    for (const bad of [{ width: -1 }, { height: 2 ** 32 }, { bitrateKbps: 1.5 }]) expect(() => ladderHash([{ ...first, ...bad }])).toThrow();
  });
});

describe("signReceipt and recoverReceiptSigner", () => {
  it("round-trip: any orchestrator's signed receipt recovers to that orchestrator", async () => {
    await fc.assert(
      fc.asyncProperty(account, receipts, async (key, r) => {
        const signed = await signReceipt(key, { ...r, orchestrator: key.address });
        expect(await recoverReceiptSigner(signed)).toBe(key.address);
      }),
      { numRuns: 200 },
    );
  });

  it("signs the EIP-191 personal message over receiptHash", async () => {
    const { sig } = await signReceipt(orchestrator, receipt);
    expect(sig).toBe(await orchestrator.signMessage({ message: { raw: receiptHash(receipt) } }));
  });

  it("recovers someone else once an output hash is swapped", async () => {
    const signed = await signReceipt(orchestrator, receipt);
    const forged: TranscodeReceipt = { ...receipt, outputs: [{ rendition: "360p", hash: contentHash(new Uint8Array(3)) }] };
    expect(await recoverReceiptSigner({ receipt: forged, sig: signed.sig })).not.toBe(orchestrator.address);
  });

  it("rejects a high-s signature as the contracts would, with InvalidSignature", async () => {
    const { sig } = await signReceipt(orchestrator, receipt);
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const twin = concatHex([sig.slice(0, 66) as Hex, numberToHex(SECP256K1_N - s, { size: 32 }), sig.endsWith("1b") ? "0x1c" : "0x1b"]);
    await expect(recoverReceiptSigner({ receipt, sig: twin })).rejects.toThrow(InvalidSignature);
  });
});

describe("contentHash", () => {
  it("is keccak256 of the bytes (the empty string hashes to the well-known c5d246…a470)", () => {
    expect(contentHash(new Uint8Array())).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (b) => {
        expect(contentHash(b)).toBe(bytesToHex(keccak_256(b)));
      }),
      { numRuns: 1_000 },
    );
  });

  it("hashes a 1 MiB segment (about 2 s of 720p) in well under a segment's duration", () => {
    const segment = new Uint8Array(1 << 20).map((_, i) => i * 31);
    const started = performance.now();
    contentHash(segment);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
