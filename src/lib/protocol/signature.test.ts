// Spec of the signature rules: which signatures the contracts' ECDSA.tryRecover accepts, and the one normal form.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keccak256, numberToHex, stringToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  InvalidSignature,
  SECP256K1_HALF_N,
  SECP256K1_N,
  isLowS,
  normalizeSignature,
  recoverHashSigner,
  signHash,
  signatureRecoverError,
} from "./signature.ts";
import { account, bytes32 } from "./test-arbitraries.ts";

const signer = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const HASH = keccak256(stringToHex("a ticket hash"));

/** The other valid signature of the same key over the same hash: s' = n − s, v flipped. */
function highSTwin(sig: Hex): Hex {
  const s = BigInt(`0x${sig.slice(66, 130)}`);
  const v = Number.parseInt(sig.slice(130), 16);
  return `0x${sig.slice(2, 66)}${numberToHex(SECP256K1_N - s, { size: 32 }).slice(2)}${(v === 27 ? 28 : 27).toString(16)}`;
}

describe("signHash and recoverHashSigner", () => {
  it("recover the signing address from any key's signature over any hash, always in low-s form with v 27/28", async () => {
    await fc.assert(
      fc.asyncProperty(account, bytes32, async (key, hash) => {
        const sig = await signHash(key, hash);
        expect(isLowS(sig)).toBe(true);
        expect(signatureRecoverError(sig)).toBeUndefined();
        expect(await recoverHashSigner(hash, sig)).toBe(key.address);
      }),
      { numRuns: 200 },
    );
  });

  it("produce the very signature viem's signMessage makes over the raw hash (already low-s)", async () => {
    expect(await signHash(signer, HASH)).toBe(await signer.signMessage({ message: { raw: HASH } }));
  });
});

describe("the contract's rejections", () => {
  it("rejects the high-s twin of a valid signature with InvalidSignatureS, and normalizeSignature maps it back", async () => {
    const sig = await signHash(signer, HASH);
    const twin = highSTwin(sig);
    expect(isLowS(twin)).toBe(false);
    expect(signatureRecoverError(twin)).toBe("InvalidSignatureS");
    expect(normalizeSignature(twin)).toBe(sig);
    const error = await recoverHashSigner(HASH, twin).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSignature);
    expect(error).toMatchObject({ data: { hash: HASH, recoverError: "InvalidSignatureS" } });
  });

  it("treats s = n/2 as low and s = n/2 + 1 as high, as OpenZeppelin's bound does", () => {
    const r = numberToHex(1n, { size: 32 }).slice(2);
    const withS = (s: bigint): Hex => `0x${r}${numberToHex(s, { size: 32 }).slice(2)}1b`;
    expect(isLowS(withS(SECP256K1_HALF_N))).toBe(true);
    expect(isLowS(withS(SECP256K1_HALF_N + 1n))).toBe(false);
  });

  it("rejects a signature that is not 65 bytes with InvalidSignatureLength", async () => {
    const sig = await signHash(signer, HASH);
    for (const wrong of [sig.slice(0, -2) as Hex, `${sig}00` as Hex, "0x" as Hex, "0xzz" as Hex]) {
      expect(signatureRecoverError(wrong)).toBe("InvalidSignatureLength");
      expect(isLowS(wrong)).toBe(false);
      await expect(recoverHashSigner(HASH, wrong)).rejects.toMatchObject({ data: { recoverError: "InvalidSignatureLength" } });
      expect(() => normalizeSignature(wrong)).toThrow(InvalidSignature);
    }
  });

  it("rejects a bare y-parity v (0/1) or any v but 27/28 with InvalidSignature, since ecrecover returns zero for it", async () => {
    const sig = await signHash(signer, HASH);
    for (const v of ["00", "01", "1d", "ff"]) {
      const wrongV = `${sig.slice(0, 130)}${v}` as Hex;
      expect(signatureRecoverError(wrongV)).toBe("InvalidSignature");
      await expect(recoverHashSigner(HASH, wrongV)).rejects.toMatchObject({ data: { recoverError: "InvalidSignature" } });
    }
  });

  it("rejects an r of zero (no point to recover) with InvalidSignature", async () => {
    const sig = await signHash(signer, HASH);
    const zeroR = `0x${"00".repeat(32)}${sig.slice(66)}` as Hex;
    await expect(recoverHashSigner(HASH, zeroR)).rejects.toMatchObject({ name: "InvalidSignature", data: { recoverError: "InvalidSignature" } });
  });
});

describe("normalizeSignature", () => {
  it("turns y-parity 0/1 into v 27/28 and leaves a normal signature unchanged", async () => {
    const sig = await signHash(signer, HASH);
    const v = Number.parseInt(sig.slice(130), 16);
    expect(normalizeSignature(`${sig.slice(0, 130)}0${v - 27}` as Hex)).toBe(sig);
    expect(normalizeSignature(sig)).toBe(sig);
  });

  it("is idempotent and gives both twins of any signature the same normal form, which recovers the same signer", async () => {
    await fc.assert(
      fc.asyncProperty(account, bytes32, async (key, hash) => {
        const sig = await key.signMessage({ message: { raw: hash } });
        const normal = normalizeSignature(sig);
        expect(normalizeSignature(normal)).toBe(normal);
        expect(normalizeSignature(highSTwin(sig))).toBe(normal);
        expect(await recoverHashSigner(hash, normal)).toBe(key.address);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects a v that is none of 0, 1, 27, 28", async () => {
    const sig = await signHash(signer, HASH);
    expect(() => normalizeSignature(`${sig.slice(0, 130)}02` as Hex)).toThrow(
      expect.objectContaining({ name: "InvalidSignature", data: { hash: undefined, recoverError: "InvalidSignature" } }),
    );
  });
});
