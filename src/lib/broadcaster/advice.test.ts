import { describe, expect, it } from "vitest";
import { LowPMBalance } from "../protocol/errors.ts";
import { adviceFor } from "./advice.ts";

describe("adviceFor", () => {
  it("offers a top-up for LowPMBalance, with the error's own next step", () => {
    const error = new LowPMBalance({ sender: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", faceValue: 10n, deposit: 1n, reserve: 0n, maxFloat: 0n });
    expect(adviceFor(error)).toMatchObject({ name: "LowPMBalance", action: "topUp", nextStep: error.nextStep });
  });

  it("gives any other error a generic next step and no button", () => {
    expect(adviceFor(new TypeError("boom"))).toMatchObject({ name: "TypeError", message: "boom", action: "none" });
    expect(adviceFor("text")).toMatchObject({ name: "Error", message: "text" });
  });
});
