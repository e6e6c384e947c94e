// Decoding the contracts' custom errors into named, plain-worded errors: from raw revert data, from viem's wrapped
// errors (the write's own ABI or a called contract's), and the wallet's own refusals.
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  createWalletClient,
  custom,
  encodeErrorResult,
  parseEther,
  RpcRequestError,
  UserRejectedRequestError,
  type Address,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { describe, expect, it } from "vitest";
import { WalletRequestRejected } from "../broadcaster/funds.ts";
import { bondingManagerAbi, serviceRegistryAbi, ticketBrokerAbi } from "./abis.generated.ts";
import {
  ContractRefused,
  decodeContractError,
  decodeRevertData,
  explainContractError,
  namedTransactionError,
  TransactionError,
  TransactionFailed,
  type ContractWrite,
} from "./transactions.ts";

const SENDER: Address = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const unlockNotOver = encodeErrorResult({ abi: ticketBrokerAbi, errorName: "UnlockPeriodNotOver", args: [SENDER, 7n, 9n] });
const withdraw: ContractWrite = { label: "Withdraw deposit and reserve", address: SENDER, abi: ticketBrokerAbi, functionName: "withdraw" };
// A client whose transport is never reached: namedTransactionError only reads its account for balance look-ups.
const client = createWalletClient({
  account: privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
  chain: hardhat,
  transport: custom({ request: () => Promise.reject(new Error("offline")) }),
});

function revertedCall(abi: typeof ticketBrokerAbi | typeof bondingManagerAbi, data: `0x${string}`, functionName: string) {
  const cause = new ContractFunctionRevertedError({ abi, data, functionName });
  return new ContractFunctionExecutionError(cause, { abi, functionName, args: [], contractAddress: SENDER });
}

describe("decodeRevertData", () => {
  it("decodes a TicketBroker custom error with its arguments", () => {
    expect(decodeRevertData(unlockNotOver)).toEqual({ errorName: "UnlockPeriodNotOver", args: [SENDER, 7n, 9n] });
  });

  it("decodes errors of every contract, not just one ABI", () => {
    const data = encodeErrorResult({ abi: serviceRegistryAbi, errorName: "DuplicateRegion", args: [2n, 0n] });
    expect(decodeRevertData(data)).toEqual({ errorName: "DuplicateRegion", args: [2n, 0n] });
  });

  it("returns undefined for data that is no known error", () => {
    expect(decodeRevertData("0xdeadbeef")).toBeUndefined();
  });
});

describe("decodeContractError", () => {
  it("reads the error viem decoded with the write's own ABI", () => {
    expect(decodeContractError(revertedCall(ticketBrokerAbi, unlockNotOver, "withdraw"))).toEqual({
      errorName: "UnlockPeriodNotOver",
      args: [SENDER, 7n, 9n],
    });
  });

  it("decodes an error that bubbled up from a called contract the write's ABI does not know", () => {
    // The TicketBroker calling the BondingManager: the TicketBroker's ABI lacks NotRegisteredOrchestrator.
    const data = encodeErrorResult({ abi: bondingManagerAbi, errorName: "NotRegisteredOrchestrator", args: [SENDER] });
    expect(decodeContractError(revertedCall(ticketBrokerAbi, data, "unlock"))).toEqual({
      errorName: "NotRegisteredOrchestrator",
      args: [SENDER],
    });
  });

  it("finds revert data in a node's RPC error that viem did not wrap as a contract error", () => {
    const rpc = new RpcRequestError({ body: {}, url: "http://127.0.0.1", error: { code: 3, message: "execution reverted", data: unlockNotOver } });
    expect(decodeContractError(rpc)?.errorName).toBe("UnlockPeriodNotOver");
  });

  it("finds nothing in an error that is not a revert", () => {
    expect(decodeContractError(new Error("socket hang up"))).toBeUndefined();
  });
});

describe("explainContractError", () => {
  it("says in plain words which round withdrawal opens, and what to do", () => {
    const { what, nextStep } = explainContractError("UnlockPeriodNotOver", [SENDER, 7n, 9n]);
    expect(what).toBe("the unlock period is not over: it is round 7, and withdrawal opens in round 9.");
    expect(nextStep).toBe("Wait until that round, then withdraw.");
  });

  it("shows amounts in ETH, not wei", () => {
    expect(explainContractError("InsufficientFees", [parseEther("0.5"), parseEther("2")]).what).toContain("0.5 ETH");
  });

  it("names an error it has no words for, with its arguments", () => {
    expect(explainContractError("TicketDidNotWin", ["0xabc", 5n]).what).toBe("the contract refused it with TicketDidNotWin(0xabc, 5).");
  });
});

describe("namedTransactionError", () => {
  it("names a refusal after the contract's own error, with the write's label and a next step", async () => {
    const error = await namedTransactionError(client, withdraw, revertedCall(ticketBrokerAbi, unlockNotOver, "withdraw"));
    expect(error).toBeInstanceOf(ContractRefused);
    expect(error).toBeInstanceOf(TransactionError);
    expect(error).toMatchObject({ name: "UnlockPeriodNotOver", errorName: "UnlockPeriodNotOver", args: [SENDER, 7n, 9n] });
    expect(error.message).toBe(
      "Withdraw deposit and reserve: the unlock period is not over: it is round 7, and withdrawal opens in round 9. Wait until that round, then withdraw.",
    );
  });

  it("names the wallet's refusal to sign", async () => {
    const rejected = new UserRejectedRequestError(new Error("User denied transaction signature"));
    const error = await namedTransactionError(client, withdraw, rejected);
    expect(error).toBeInstanceOf(WalletRequestRejected);
    expect(error.message).toContain('sign "Withdraw deposit and reserve"');
  });

  it("keeps the node's words for anything else", async () => {
    const error = await namedTransactionError(client, withdraw, new Error("connection refused"));
    expect(error).toBeInstanceOf(TransactionFailed);
    expect(error.message).toContain("connection refused");
  });
});
