// Spec of the wire's value codecs: one canonical text per uint256, checksummed addresses, hex of an exact or bounded size.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { address, boundedInt, boundedText, bytes32, hexBytes, positiveUint256, signature, uint256 } from "./wire.ts";

const ok = (schema: z.ZodType, value: unknown) => z.safeDecode(schema, value as never);

describe("uint256", () => {
  it("decodes canonical decimal strings from 0 to 2^256 - 1 and encodes them back", () => {
    for (const value of [0n, 1n, 2n ** 53n + 1n, 2n ** 256n - 1n]) {
      expect(z.decode(uint256, value.toString())).toBe(value);
      expect(z.encode(uint256, value)).toBe(value.toString());
    }
  });

  it.each(["", "-1", "01", "+1", "1e3", "0x10", " 1", "1.0", (2n ** 256n).toString()])("rejects %j", (text) => {
    expect(ok(uint256, text).success).toBe(false);
  });

  it("rejects a JSON number, which cannot hold a uint256 exactly", () => {
    expect(ok(uint256, 5).success).toBe(false);
  });

  it("refuses to encode a negative or too large bigint", () => {
    expect(z.safeEncode(uint256, -1n).success).toBe(false);
    expect(z.safeEncode(uint256, 2n ** 256n).success).toBe(false);
  });

  it("positiveUint256 refuses 0", () => {
    expect(ok(positiveUint256, "0").success).toBe(false);
    expect(z.decode(positiveUint256, "1")).toBe(1n);
  });
});

describe("address", () => {
  const CHECKSUMMED = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

  it("decodes any valid casing to the EIP-55 checksummed form", () => {
    expect(z.decode(address, CHECKSUMMED.toLowerCase())).toBe(CHECKSUMMED);
    expect(z.decode(address, CHECKSUMMED)).toBe(CHECKSUMMED);
  });

  it("rejects a mixed-case address whose checksum is wrong, a short one and one without 0x", () => {
    expect(ok(address, CHECKSUMMED.replace("C5", "c5")).success).toBe(false);
    expect(ok(address, CHECKSUMMED.slice(0, 41)).success).toBe(false);
    expect(ok(address, CHECKSUMMED.slice(2)).success).toBe(false);
  });
});

describe("hex", () => {
  it("bytes32 takes exactly 32 bytes and decodes to lower case", () => {
    expect(z.decode(bytes32, `0x${"AB".repeat(32)}`)).toBe(`0x${"ab".repeat(32)}`);
    expect(ok(bytes32, `0x${"ab".repeat(31)}`).success).toBe(false);
    expect(ok(bytes32, `0x${"ab".repeat(32)}0`).success).toBe(false);
  });

  it("a signature is exactly 65 bytes (r ‖ s ‖ v)", () => {
    expect(ok(signature, `0x${"11".repeat(65)}`).success).toBe(true);
    expect(ok(signature, `0x${"11".repeat(64)}`).success).toBe(false);
  });

  it("hexBytes({ maxBytes }) takes 0 to maxBytes whole bytes", () => {
    const upTo4 = hexBytes({ maxBytes: 4 });
    expect(ok(upTo4, "0x").success).toBe(true);
    expect(ok(upTo4, "0x01020304").success).toBe(true);
    expect(ok(upTo4, "0x0102030405").success).toBe(false);
    expect(ok(upTo4, "0x012").success).toBe(false);
    expect(ok(upTo4, "0xgg").success).toBe(false);
  });
});

describe("numbers and text", () => {
  it("boundedInt takes integers in range only", () => {
    const int = boundedInt(1, 10);
    expect([1, 10].map((n) => ok(int, n).success)).toEqual([true, true]);
    expect([0, 11, 1.5, Number.NaN, "5"].map((n) => ok(int, n).success)).toEqual([false, false, false, false, false]);
  });

  it("boundedText takes 1..max printable characters, without control characters or lone surrogates", () => {
    const text = boundedText(5);
    expect(ok(text, "eu-wé").success).toBe(true);
    expect(["", "123456", "a\nb", "a\u007f", "\ud800"].map((t) => ok(text, t).success)).toEqual([false, false, false, false, false]);
  });

  it("says a field is missing in those words", () => {
    const result = ok(z.object({ n: uint256 }), {});
    expect(result.error?.issues[0]?.message).toBe("is missing");
  });
});
