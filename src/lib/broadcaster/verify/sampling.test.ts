// shouldCheck: rate 1 checks every segment, other rates check 1 in N from the CSPRNG, without modulo bias.
import { describe, expect, it } from "vitest";
import { InvalidVerificationRate } from "./errors.ts";
import { shouldCheck } from "./sampling.ts";

describe("shouldCheck", () => {
  it("checks every segment at VerificationRate 1, without drawing", () => {
    let draws = 0;
    const random = () => (draws++, 1);
    for (let i = 0; i < 1000; i++) expect(shouldCheck(1, random)).toBe(true);
    expect(draws).toBe(0);
  });

  it.each([2, 4, 7, 10])("checks 1 segment in %i, within 6 standard deviations over 50,000 segments", (rate) => {
    const runs = 50_000;
    let checked = 0;
    for (let i = 0; i < runs; i++) if (shouldCheck(rate)) checked++;
    const p = 1 / rate;
    const sd = Math.sqrt(runs * p * (1 - p));
    expect(Math.abs(checked - runs * p)).toBeLessThan(6 * sd);
  });

  it("spreads the draws evenly: a chi-square over 1-in-5 decisions in blocks of 5 stays below the 99.9% bound", () => {
    // Where in each block of 5 segments the checks fall: 5 cells, 4 degrees of freedom, 99.9% quantile 18.47.
    const blocks = 10_000;
    const cells = [0, 0, 0, 0, 0];
    let checks = 0;
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < 5; i++) {
        if (shouldCheck(5)) {
          cells[i]!++;
          checks++;
        }
      }
    }
    const expected = checks / 5;
    const chiSquare = cells.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(18.47);
  });

  it("rejects the draws that would favour small remainders, and draws again", () => {
    // 2^32 mod 3 = 1: 2^32 − 1 is the one value past the last whole multiple of 3 and must be thrown away.
    const values = [2 ** 32 - 1, 2 ** 32 - 1, 6];
    let draws = 0;
    expect(shouldCheck(3, () => values[draws++]!)).toBe(true);
    expect(draws).toBe(3);
    // 2^32 − 2 is below the limit: used as it is (remainder 2 → not checked).
    expect(shouldCheck(3, () => 2 ** 32 - 2)).toBe(false);
  });

  it("accepts every value below the largest multiple of N and none from it on", () => {
    const rate = 6;
    const limit = 2 ** 32 - (2 ** 32 % rate);
    expect(shouldCheck(rate, () => limit - rate)).toBe(true);
    expect(shouldCheck(rate, () => limit - 1)).toBe(false);
    const values = [limit, 2 ** 32 - 1, 12];
    let draws = 0;
    expect(shouldCheck(rate, () => values[draws++]!)).toBe(true);
    expect(draws).toBe(3);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 33])("refuses VerificationRate %s with InvalidVerificationRate", (rate) => {
    expect(() => shouldCheck(rate)).toThrow(InvalidVerificationRate);
  });
});
