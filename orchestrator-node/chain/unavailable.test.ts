import { ContractFunctionExecutionError, HttpRequestError, TimeoutError } from "viem";
import { describe, expect, it } from "vitest";
import { ChainUnavailable } from "../../src/lib/protocol/errors.ts";
import { chainUnavailableFrom } from "./unavailable.ts";

describe("chainUnavailableFrom", () => {
  it("names an RPC that is down or timing out, even wrapped in a contract call's error", () => {
    const down = new HttpRequestError({ url: "http://127.0.0.1:8545", details: "fetch failed" });
    const wrapped = new ContractFunctionExecutionError(down, { abi: [], functionName: "getSenderInfo" });
    expect(chainUnavailableFrom(wrapped, "the sender's funds")).toBeInstanceOf(ChainUnavailable);
    expect(chainUnavailableFrom(new TimeoutError({ body: {}, url: "http://127.0.0.1:8545" }), "x")?.data.what).toBe("x");
  });

  it("leaves every other error alone", () => {
    expect(chainUnavailableFrom(new Error("boom"), "x")).toBeUndefined();
    expect(chainUnavailableFrom("nope", "x")).toBeUndefined();
  });
});
