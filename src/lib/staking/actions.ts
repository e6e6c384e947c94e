// The delegator's actions as contract calls: bond (with the LPT approval it needs), unbond, rebond,
// rebondFromUnbonded, withdrawStake, withdrawFees and moving stake — each checked against the account's state first,
// so that a mistake is named in plain words before a wallet is asked to sign anything.
import { erc20Abi, formatEther, getAddress, isAddress, zeroAddress, type Address } from "viem";
import { bondingManagerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import type { ContractWrite } from "../chain/transactions.ts";
import type { DelegatorAccount } from "./delegator.ts";

/** A step of an action: one contract write, sent with chain/transactions.ts. */
type ContractCall = ContractWrite;

export type StakingActionName = "bond" | "unbond" | "rebond" | "rebondFromUnbonded" | "withdrawStake" | "withdrawFees" | "moveStake";

/** An action asked for something the account cannot do; says what is wrong and what to do instead. */
export class StakingActionRefused extends Error {
  override name = "StakingActionRefused";
  readonly action: StakingActionName;
  readonly nextStep: string;

  constructor(action: StakingActionName, what: string, nextStep: string) {
    super(`${what} ${nextStep}`);
    this.action = action;
    this.nextStep = nextStep;
  }
}

const lpt = (wei: bigint) => `${formatEther(wei)} LPT`;
const short = (a: Address) => `${a.slice(0, 6)}…${a.slice(-4)}`;

function requireOrchestrator(action: StakingActionName, to: string): Address {
  if (!isAddress(to, { strict: false }) || getAddress(to) === zeroAddress) {
    throw new StakingActionRefused(action, `"${to}" is not an orchestrator address.`, "Pick an orchestrator from the table.");
  }
  return getAddress(to);
}

function requirePositive(action: StakingActionName, amount: bigint, what: string): void {
  if (amount <= 0n) throw new StakingActionRefused(action, `The ${what} must be more than 0.`, "Enter an amount above 0.");
}

/**
 * Bonds `amount` more LPT to `to`: an approval first when the BondingManager may not take that much yet. Bonding to
 * another orchestrator than the current one moves the whole existing stake with it (see moveStake).
 */
export function bondCalls(deployments: Deployments, account: DelegatorAccount, amount: bigint, to: string): ContractCall[] {
  const orchestrator = requireOrchestrator("bond", to);
  requirePositive("bond", amount, "amount to bond");
  if (amount > account.lptBalance) {
    throw new StakingActionRefused("bond", `You hold ${lpt(account.lptBalance)}, less than the ${lpt(amount)} to bond.`, "Bond a smaller amount, or get more LPT first.");
  }
  const bondingManager = deployments.contracts.BondingManager;
  const calls: ContractCall[] = [];
  if (account.lptAllowance < amount) {
    calls.push({ label: `Approve ${lpt(amount)} for the BondingManager`, address: deployments.contracts.LivepeerToken, abi: erc20Abi, functionName: "approve", args: [bondingManager, amount] });
  }
  calls.push({ label: `Bond ${lpt(amount)} to ${short(orchestrator)}`, address: bondingManager, abi: bondingManagerAbi, functionName: "bond", args: [amount, orchestrator] });
  return calls;
}

/** Moves the whole stake to `to` (bond of 0 more LPT): it earns there from the next round on. */
export function moveStakeCalls(deployments: Deployments, account: DelegatorAccount, to: string): ContractCall[] {
  const orchestrator = requireOrchestrator("moveStake", to);
  if (account.delegate === zeroAddress) throw new StakingActionRefused("moveStake", "You have no bonded stake to move.", "Bond some LPT first.");
  if (getAddress(account.delegate) === orchestrator) {
    throw new StakingActionRefused("moveStake", `Your stake is already bonded to ${short(orchestrator)}.`, "Pick another orchestrator to move to.");
  }
  return [{ label: `Move ${lpt(account.pendingStake)} to ${short(orchestrator)}`, address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "bond", args: [0n, orchestrator] }];
}

/** Starts unbonding `amount` into a new lock, withdrawable after the unbonding period. */
export function unbondCalls(deployments: Deployments, account: DelegatorAccount, amount: bigint): ContractCall[] {
  requirePositive("unbond", amount, "amount to unbond");
  if (account.delegate === zeroAddress) throw new StakingActionRefused("unbond", "You have no bonded stake.", "Bond some LPT first.");
  if (amount > account.pendingStake) {
    throw new StakingActionRefused("unbond", `Your stake is ${lpt(account.pendingStake)}, less than the ${lpt(amount)} to unbond.`, "Unbond at most your stake.");
  }
  return [{ label: `Unbond ${lpt(amount)}`, address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "unbond", args: [amount] }];
}

function requireLock(action: StakingActionName, account: DelegatorAccount, lockId: bigint) {
  const lock = account.unbondingLocks.find((l) => l.id === lockId);
  if (!lock) throw new StakingActionRefused(action, `There is no unbonding lock #${lockId} with LPT in it.`, "Pick one of the locks listed.");
  return lock;
}

/** Bonds a lock's LPT back to the current orchestrator (or, when fully unbonded, to `to`). */
export function rebondCalls(deployments: Deployments, account: DelegatorAccount, lockId: bigint, to?: string): ContractCall[] {
  const bondingManager = deployments.contracts.BondingManager;
  if (account.delegate !== zeroAddress) {
    const lock = requireLock("rebond", account, lockId);
    return [{ label: `Rebond ${lpt(lock.amount)} to ${short(account.delegate)}`, address: bondingManager, abi: bondingManagerAbi, functionName: "rebond", args: [lockId] }];
  }
  const lock = requireLock("rebondFromUnbonded", account, lockId);
  if (to === undefined) throw new StakingActionRefused("rebondFromUnbonded", "You are not bonded to anyone now.", "Pick the orchestrator to rebond to.");
  const orchestrator = requireOrchestrator("rebondFromUnbonded", to);
  return [{ label: `Rebond ${lpt(lock.amount)} to ${short(orchestrator)}`, address: bondingManager, abi: bondingManagerAbi, functionName: "rebondFromUnbonded", args: [orchestrator, lockId] }];
}

/** Withdraws a lock's LPT to the wallet once its withdraw round has come. */
export function withdrawStakeCalls(deployments: Deployments, account: DelegatorAccount, lockId: bigint): ContractCall[] {
  const lock = requireLock("withdrawStake", account, lockId);
  if (lock.roundsLeft > 0n) {
    throw new StakingActionRefused(
      "withdrawStake",
      `Lock #${lockId} unlocks in round ${lock.withdrawRound}; this is round ${account.currentRound}.`,
      `Wait ${lock.roundsLeft} more round${lock.roundsLeft === 1n ? "" : "s"}, or rebond it.`,
    );
  }
  return [{ label: `Withdraw ${lpt(lock.amount)}`, address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "withdrawStake", args: [lockId] }];
}

/** Withdraws `amount` of the account's ETH fees (all of them by default) to `recipient` (the account by default). */
export function withdrawFeesCalls(deployments: Deployments, account: DelegatorAccount, amount = account.pendingFees, recipient: Address = account.address): ContractCall[] {
  requirePositive("withdrawFees", amount, "fee amount to withdraw");
  if (amount > account.pendingFees) {
    throw new StakingActionRefused("withdrawFees", `You have ${formatEther(account.pendingFees)} ETH of fees, less than the ${formatEther(amount)} ETH asked for.`, "Withdraw at most your fees.");
  }
  return [{ label: `Withdraw ${formatEther(amount)} ETH of fees`, address: deployments.contracts.BondingManager, abi: bondingManagerAbi, functionName: "withdrawFees", args: [recipient, amount] }];
}
