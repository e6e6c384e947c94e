import { getAddress, parseEther, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import type { Deployments } from "../chain/deployments.ts";
import { bondCalls, moveStakeCalls, rebondCalls, StakingActionRefused, unbondCalls, withdrawFeesCalls, withdrawStakeCalls } from "./actions.ts";
import type { DelegatorAccount } from "./delegator.ts";

const A = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const deployments = {
  chainId: 31337,
  contracts: { LivepeerToken: A(1), BondingManager: A(2), RoundsManager: A(3), Minter: A(4), TicketBroker: A(5), ServiceRegistry: A(6), FaultVerifier: A(7) },
} as unknown as Deployments;
const ORCH = A(0xabc);

function account(over: Partial<DelegatorAccount> = {}): DelegatorAccount {
  return {
    address: A(0x99),
    lptBalance: parseEther("100"),
    lptAllowance: 0n,
    delegate: zeroAddress,
    bondedAmount: 0n,
    pendingStake: 0n,
    pendingRewards: 0n,
    pendingFees: 0n,
    pendingBond: { amount: 0n, round: 0n },
    unbondingLocks: [],
    currentRound: 10n,
    currentRoundStartBlock: 200n,
    roundLengthBlocks: 20n,
    blockNumber: 205n,
    ...over,
  };
}

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(StakingActionRefused);
    return error as StakingActionRefused;
  }
  throw new Error("expected a refusal");
};

describe("staking actions", () => {
  it("approves before bonding when the allowance is short, and not when it suffices", () => {
    expect(bondCalls(deployments, account(), parseEther("10"), ORCH).map((c) => c.functionName)).toEqual(["approve", "bond"]);
    expect(bondCalls(deployments, account({ lptAllowance: parseEther("10") }), parseEther("10"), ORCH).map((c) => c.functionName)).toEqual(["bond"]);
    expect(bondCalls(deployments, account(), parseEther("10"), ORCH).at(-1)!.args).toEqual([parseEther("10"), ORCH]);
  });

  it("refuses to bond more LPT than the wallet holds, or to a non-address", () => {
    expect(refusal(() => bondCalls(deployments, account(), parseEther("101"), ORCH)).message).toMatch(/You hold 100 LPT, less than the 101 LPT/);
    expect(refusal(() => bondCalls(deployments, account(), 1n, "nobody")).nextStep).toMatch(/Pick an orchestrator/);
    expect(refusal(() => bondCalls(deployments, account(), 0n, ORCH)).message).toMatch(/more than 0/);
  });

  it("moves stake with a bond of 0 to another orchestrator only", () => {
    const bonded = account({ delegate: A(0xdef), pendingStake: parseEther("5") });
    expect(moveStakeCalls(deployments, bonded, ORCH)[0]!.args).toEqual([0n, ORCH]);
    expect(refusal(() => moveStakeCalls(deployments, bonded, A(0xdef))).message).toMatch(/already bonded/);
    expect(refusal(() => moveStakeCalls(deployments, account(), ORCH)).message).toMatch(/no bonded stake/);
  });

  it("unbonds at most the stake with its rewards", () => {
    const bonded = account({ delegate: ORCH, bondedAmount: parseEther("5"), pendingStake: parseEther("6") });
    expect(unbondCalls(deployments, bonded, parseEther("6"))[0]!.args).toEqual([parseEther("6")]);
    expect(refusal(() => unbondCalls(deployments, bonded, parseEther("6") + 1n)).message).toMatch(/less than/);
  });

  it("rebonds to the current orchestrator, or from unbonded to a chosen one", () => {
    const lock = { id: 2n, amount: parseEther("1"), withdrawRound: 12n, roundsLeft: 2n, blocksLeft: 35n };
    expect(rebondCalls(deployments, account({ delegate: ORCH, unbondingLocks: [lock] }), 2n)[0]!.functionName).toBe("rebond");
    expect(rebondCalls(deployments, account({ unbondingLocks: [lock] }), 2n, ORCH)[0]).toMatchObject({ functionName: "rebondFromUnbonded", args: [ORCH, 2n] });
    expect(refusal(() => rebondCalls(deployments, account({ unbondingLocks: [lock] }), 2n)).nextStep).toMatch(/Pick the orchestrator/);
    expect(refusal(() => rebondCalls(deployments, account({ delegate: ORCH, unbondingLocks: [lock] }), 3n)).message).toMatch(/no unbonding lock #3/);
  });

  it("withdraws a lock only once its round has come, saying how long to wait", () => {
    const waiting = { id: 0n, amount: parseEther("1"), withdrawRound: 12n, roundsLeft: 2n, blocksLeft: 35n };
    expect(refusal(() => withdrawStakeCalls(deployments, account({ unbondingLocks: [waiting] }), 0n)).nextStep).toMatch(/Wait 2 more rounds/);
    const due = { ...waiting, roundsLeft: 0n, blocksLeft: 0n };
    expect(withdrawStakeCalls(deployments, account({ unbondingLocks: [due] }), 0n)[0]!.args).toEqual([0n]);
  });

  it("withdraws all fees to the account by default, and never more than it has", () => {
    const withFees = account({ pendingFees: 123n });
    expect(withdrawFeesCalls(deployments, withFees)[0]!.args).toEqual([withFees.address, 123n]);
    expect(refusal(() => withdrawFeesCalls(deployments, withFees, 124n)).message).toMatch(/less than/);
    expect(refusal(() => withdrawFeesCalls(deployments, account())).message).toMatch(/more than 0/);
  });
});
