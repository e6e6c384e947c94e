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
  receiptHash,
  recoverReceiptSigner,
  signReceipt,
  type TranscodeReceipt,
} from "./receipt.ts";
import { InvalidSignature, SECP256K1_N } from "./signature.ts";
import { account, address, bytes32 } from "./test-arbitraries.ts";

const orchestrator = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");

const receipt: TranscodeReceipt = {
  streamId: "stream-7f3a",
  sequenceNumber: 42,
  inputHash: contentHash(stringToBytes("segment 42")),
  outputs: [
    { rendition: "360p", hash: contentHash(stringToBytes("segment 42 at 360p")) },
    { rendition: "720p", hash: contentHash(stringToBytes("segment 42 at 720p")) },
  ],
  orchestrator: orchestrator.address,
};

const receipts: fc.Arbitrary<TranscodeReceipt> = fc.record({
  streamId: fc.string({ maxLength: 40 }),
  sequenceNumber: fc.nat(),
  inputHash: bytes32,
  outputs: fc.array(fc.record({ rendition: fc.string({ maxLength: 12 }), hash: bytes32 }), { maxLength: 6 }),
  orchestrator: address,
});

/**
 * abi.encode of the receipt written out word by word (head of static words and offsets, then the tails), to restate
 * the layout a Solidity verifier will hash without going through viem's encoder.
 */
function independentReceiptHash(r: TranscodeReceipt): Hex {
  const word = (n: bigint | number) => numberToHex(BigInt(n), { size: 32 }).slice(2);
  const padded = (hex: Hex) => hex.slice(2).padEnd(Math.ceil((hex.length - 2) / 64) * 64, "0");
  const string = (s: string) => word(size(stringToHex(s))) + padded(stringToHex(s));
  const streamIdTail = string(r.streamId);
  // outputs: length, then one offset per (dynamic) tuple, then each tuple: offset of its string, hash, the string.
  const tupleTails = r.outputs.map((o) => word(64) + o.hash.slice(2) + string(o.rendition));
  let tupleOffset = 32 * r.outputs.length;
  const tupleOffsets = tupleTails.map((tail) => {
    const offset = word(tupleOffset);
    tupleOffset += tail.length / 2;
    return offset;
  });
  const outputsTail = word(r.outputs.length) + tupleOffsets.join("") + tupleTails.join("");
  const headBytes = 6 * 32;
  const head =
    RECEIPT_DOMAIN_HASH.slice(2) +
    word(headBytes) +
    word(r.sequenceNumber) +
    r.inputHash.slice(2) +
    word(headBytes + streamIdTail.length / 2) +
    r.orchestrator.slice(2).toLowerCase().padStart(64, "0");
  return bytesToHex(keccak_256(hexToBytes(`0x${head}${streamIdTail}${outputsTail}`)));
}

describe("receiptHash", () => {
  it("is keccak256 of abi.encode(domain, streamId, uint64 sequenceNumber, inputHash, (string,bytes32)[] outputs, orchestrator)", () => {
    fc.assert(
      fc.property(receipts, (r) => {
        expect(receiptHash(r)).toBe(independentReceiptHash(r));
      }),
      { numRuns: 1_000 },
    );
  });

  it(`is domain-separated by keccak256("${RECEIPT_DOMAIN}")`, () => {
    expect(RECEIPT_DOMAIN).toBe("Streamflow receipt v1");
    expect(RECEIPT_DOMAIN_HASH).toBe(bytesToHex(keccak_256(stringToBytes("Streamflow receipt v1"))));
  });

  it("changes when any field changes, including the order of outputs and where a name's characters fall", () => {
    const [first, second] = receipt.outputs;
    if (first === undefined || second === undefined) throw new Error("the example receipt has two outputs");
    const variants: TranscodeReceipt[] = [
      { ...receipt, streamId: "stream-7f3b" },
      { ...receipt, sequenceNumber: 43 },
      { ...receipt, inputHash: contentHash(stringToBytes("segment 43")) },
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
