import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hashMessage, recoverAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidSignature, recoverHashSigner } from "../../src/lib/protocol/signature.ts";
import { nativeRecovery } from "./native-recover.ts";

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0) && b[0]! < 0xf0);
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);

describe("nativeRecovery", () => {
  it("recovers the same signer as viem for any key and hash", async () => {
    await fc.assert(
      fc.asyncProperty(key, hash, async (k, h) => {
        const account = privateKeyToAccount(`0x${Buffer.from(k).toString("hex")}`);
        const sig = await account.signMessage({ message: { raw: h } });
        const digest = hashMessage({ raw: h });
        expect(await nativeRecovery(digest, sig)).toBe(await recoverAddress({ hash: digest, signature: sig }));
        expect(await recoverHashSigner(h, sig, nativeRecovery)).toBe(account.address);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the protocol's signature rules: a malformed signature is refused before recovery", async () => {
    await expect(recoverHashSigner(`0x${"11".repeat(32)}`, "0x1234", nativeRecovery)).rejects.toBeInstanceOf(InvalidSignature);
  });
});
