// Which segments get spot-checked: each with probability 1/VerificationRate, drawn from crypto.getRandomValues after
// its result arrived, so an orchestrator cannot tell from anything it sees which of its segments will be checked.
import { InvalidVerificationRate } from "./errors.ts";

/**
 * VerificationRate when the page has none set: 1 segment in 4 (one check per 8 s of 2 s segments). A check of a
 * two-rendition ladder takes 0.8–2.6 s of one core in ffmpeg.wasm (docs/spot-checks.md), so checking every segment
 * would keep a core busy and fall behind on a small machine; 1 in 4 keeps the checker mostly idle.
 */
export const DEFAULT_VERIFICATION_RATE = 4;

/** A uniformly random 32-bit unsigned integer from the platform's CSPRNG. */
export function cryptoUint32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * True with probability exactly 1/verificationRate (1: always). Draws 32-bit values and rejects those at or above
 * the largest multiple of the rate, so that the remainder is uniform (a plain `% N` would favour small remainders).
 * @throws InvalidVerificationRate unless the rate is an integer from 1 to 2^32
 */
export function shouldCheck(verificationRate: number, random: () => number = cryptoUint32): boolean {
  if (!Number.isInteger(verificationRate) || verificationRate < 1 || verificationRate > 2 ** 32) {
    throw new InvalidVerificationRate({ verificationRate });
  }
  if (verificationRate === 1) return true;
  const limit = 2 ** 32 - (2 ** 32 % verificationRate);
  for (;;) {
    const value = random();
    if (value < limit) return value % verificationRate === 0;
  }
}
