// Spec of how the redeemer reads a refusal: the TicketBroker's revert data named, and sorted into for-good and retry.
// (Redemption itself is specified on a real chain in redeemer.integration.test.ts.)
import { describe, expect, it } from "vitest";
import { encodeErrorResult, keccak256, stringToHex, type Abi } from "viem";
import { bondingManagerAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { PERMANENT_REDEEM_ERRORS, errorNameOf } from "./redeemer.ts";

const TICKET_HASH = keccak256(stringToHex("a ticket"));
const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("errorNameOf", () => {
  it("names a TicketBroker error from its revert data", () => {
    const data = encodeErrorResult({ abi: ticketBrokerAbi as Abi, errorName: "TicketAlreadyUsed", args: [TICKET_HASH] });
    expect(errorNameOf(data)).toBe("TicketAlreadyUsed");
  });

  it("names a BondingManager error that bubbled up through the TicketBroker", () => {
    const data = encodeErrorResult({ abi: bondingManagerAbi as Abi, errorName: "NotRegisteredOrchestrator", args: [ORCHESTRATOR] });
    expect(errorNameOf(data)).toBe("NotRegisteredOrchestrator");
  });

  it("calls a revert without data EmptyRevert (out of gas in a batch, for one)", () => {
    expect(errorNameOf("0x")).toBe("EmptyRevert");
  });

  it("keeps the selector of an error it does not know", () => {
    expect(errorNameOf("0xdeadbeef00")).toBe("UnknownError(0xdeadbeef)");
  });
});

describe("PERMANENT_REDEEM_ERRORS", () => {
  it("gives up on a ticket the TicketBroker can never redeem", () => {
    for (const name of ["TicketAlreadyUsed", "TicketExpired", "InvalidSignature", "SignerNotSender", "RecipientRandMismatch", "SenderUnlocked"]) {
      expect(PERMANENT_REDEEM_ERRORS.has(name)).toBe(true);
    }
  });

  it("retries what may pass later: an uninitialized round, a sender who may top up, a registration, running out of gas", () => {
    for (const name of ["RoundNotInitialized", "SenderHasNoFunds", "RecipientNotRegistered", "NotRegisteredOrchestrator", "EmptyRevert"]) {
      expect(PERMANENT_REDEEM_ERRORS.has(name)).toBe(false);
    }
  });

  it("names only errors the TicketBroker has", () => {
    const brokerErrors = new Set<string>(ticketBrokerAbi.filter((item) => item.type === "error").map((item) => item.name));
    for (const name of PERMANENT_REDEEM_ERRORS) expect(brokerErrors.has(name)).toBe(true);
  });
});
