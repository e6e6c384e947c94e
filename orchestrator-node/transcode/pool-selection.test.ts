import { describe, expect, it } from "vitest";
import { chooseMember, type Candidate } from "./pool-selection.ts";

const member = (id: string, load: number, capacity: number, streams = 0): Candidate => ({ id, load, capacity, streams });

describe("chooseMember", () => {
  it("keeps a stream on its member while that member has room, even when another is idler", () => {
    expect(chooseMember([member("a", 1, 2), member("b", 0, 2)], "a")?.id).toBe("a");
  });

  it("moves a stream off its member when that member is full", () => {
    expect(chooseMember([member("a", 2, 2), member("b", 1, 2)], "a")?.id).toBe("b");
  });

  it("picks the smallest share of capacity in use, not the fewest jobs", () => {
    expect(chooseMember([member("small", 1, 2), member("big", 2, 8)], undefined)?.id).toBe("big");
  });

  it("spreads streams over idle members: a tie goes to the member holding fewer streams", () => {
    expect(chooseMember([member("a", 0, 2, 3), member("b", 0, 2, 1)], undefined)?.id).toBe("b");
  });

  it("breaks a remaining tie toward more free slots, then the earlier member", () => {
    expect(chooseMember([member("a", 0, 1), member("b", 0, 4)], undefined)?.id).toBe("b");
    expect(chooseMember([member("a", 0, 2), member("b", 0, 2)], undefined)?.id).toBe("a");
  });

  it("returns nothing when every member is full, or there are none", () => {
    expect(chooseMember([member("a", 2, 2), member("b", 1, 1)], "a")).toBeUndefined();
    expect(chooseMember([], undefined)).toBeUndefined();
  });
});
