// zod codecs for the values every wire message is built from: uint256 as decimal strings, 0x hex of a checked size, addresses.
import { getAddress, isAddress, maxUint256, type Address, type Hex } from "viem";
import { z } from "zod";

/** An error message that says "is missing" for an absent field, so that the field's name alone reads as the reason. */
export function missingOr(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is missing" : message);
}

/**
 * A uint256 (wei, winProb, nonce, block, round) as a decimal string, since JSON numbers lose precision above 2^53.
 * Canonical form only (no sign, no leading zeros, no exponent) so that one value has one encoding.
 */
export const uint256 = z.codec(
  z
    .string({ error: missingOr("must be a decimal string") })
    .max(78, { error: "must be at most 2^256 - 1" })
    .regex(/^(0|[1-9][0-9]*)$/, { error: "must be a decimal string of digits, without sign or leading zeros" }),
  z.bigint().min(0n, { error: "must not be negative" }).max(maxUint256, { error: "must be at most 2^256 - 1" }),
  { decode: (text) => BigInt(text), encode: (value) => value.toString(10) },
);

/** A uint256 that must be at least 1 (a divisor such as pixelsPerUnit). */
export const positiveUint256 = uint256.refine((value) => value >= 1n, { error: "must be at least 1" });

/**
 * A 20-byte address. Decoding checksums it (EIP-55), so that `===` between a decoded address and one from viem
 * holds; a mixed-case address must already carry a valid checksum, which catches a mistyped character.
 */
export const address = z.codec(
  z
    .string({ error: missingOr("must be a 0x address string") })
    .refine((text) => isAddress(text), {
      error: "must be a 0x-prefixed 20-byte hex address (mixed case only with a valid EIP-55 checksum)",
    }),
  z.custom<Address>((value) => typeof value === "string" && isAddress(value), {
    error: "must be a 0x-prefixed 20-byte hex address",
  }),
  { decode: (text) => getAddress(text), encode: (value) => value },
);

/**
 * 0x hex of exactly `lengthBytes` bytes, or of at most `maxBytes`. Decoding lower-cases it (viem's own form), so
 * hashes compare with `===`. The length is checked before the pattern so a huge string costs no regex time.
 */
export function hexBytes(size: { lengthBytes: number } | { maxBytes: number }) {
  const exact = "lengthBytes" in size;
  const bytes = exact ? size.lengthBytes : size.maxBytes;
  const error = exact ? `must be 0x followed by exactly ${bytes} bytes of hex` : `must be 0x followed by at most ${bytes} bytes of hex`;
  const fits = (value: unknown): value is Hex =>
    typeof value === "string" &&
    (exact ? value.length === 2 + 2 * bytes : value.length <= 2 + 2 * bytes) &&
    /^0x(?:[0-9a-fA-F]{2})*$/.test(value);
  return z.codec(z.string({ error: missingOr(error) }).refine(fits, { error }), z.custom<Hex>(fits, { error }), {
    decode: (text) => text.toLowerCase() as Hex,
    encode: (value) => value,
  });
}

/** A keccak256 hash, a recipientRandHash, a seed, a block hash. */
export const bytes32 = hexBytes({ lengthBytes: 32 });

/** r ‖ s ‖ v: the only signature form the contracts (OpenZeppelin ECDSA) take. */
export const signature = hexBytes({ lengthBytes: 65 });

/** An integer in [min, max] carried as a JSON number (sizes, counts, milliseconds), never money. */
export function boundedInt(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error: missingOr(error) }).int({ error }).min(min, { error }).max(max, { error });
}

/**
 * Text of 1..maxChars characters: no control characters, so that an id cannot forge a line in a log, and no
 * lone surrogates, so that it survives a UTF-8 round trip.
 */
export function boundedText(maxChars: number) {
  const error = `must be 1 to ${maxChars} characters of printable text`;
  return z
    .string({ error: missingOr(error) })
    .min(1, { error })
    .max(maxChars, { error })
    .refine((text) => !/[\u0000-\u001f\u007f]/.test(text) && text.isWellFormed(), { error });
}
