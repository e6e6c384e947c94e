// One way to send a contract write from a connected wallet: checked first (so a refusal is named before the wallet is
// asked to sign), then signing → sent (hash) → mined or reverted, with the contracts' custom errors decoded into named,
// plain-worded errors that say what to do next.
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  formatEther,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { getBalance, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { isInsufficientFunds, shortReason, walletError, type FundingClient } from "../broadcaster/funds.ts";
import {
  bondingManagerAbi,
  faultVerifierAbi,
  livepeerTokenAbi,
  minterAbi,
  roundsManagerAbi,
  serviceRegistryAbi,
  ticketBrokerAbi,
} from "./abis.generated.ts";

/** One contract write, ready for a wallet. Structurally a staking ContractCall, with an optional ETH value. */
export interface ContractWrite {
  /** What the write does, in words a progress line and an error can show ("Withdraw deposit and reserve"). */
  label: string;
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  /** ETH sent with the call, in wei. */
  value?: bigint;
}

/** Where a transaction is; `onProgress` gets each stage in order. */
export type TransactionProgress =
  | { stage: "checking"; label: string }
  | { stage: "signing"; label: string }
  | { stage: "sent"; label: string; hash: Hash }
  | { stage: "mined"; label: string; hash: Hash; blockNumber: bigint }
  | { stage: "failed"; label: string; error: Error; hash?: Hash };

export type OnTransactionProgress = (progress: TransactionProgress) => void;

// ---------------------------------------------------------------------------------------------------- errors

/** Base of the transaction errors: what happened to which write and, in `nextStep`, what to do about it. */
export class TransactionError extends Error {
  override name = "TransactionError";
  readonly label: string;
  readonly nextStep: string;

  constructor(label: string, what: string, nextStep: string, options?: ErrorOptions) {
    super(`${label}: ${what} ${nextStep}`, options);
    this.label = label;
    this.nextStep = nextStep;
  }
}

/**
 * A contract refused the write with one of its custom errors. `name` is the contract's own error name
 * (`UnlockPeriodNotOver`), so a page names it as the contract does; `args` are its decoded arguments.
 */
export class ContractRefused extends TransactionError {
  override name = "ContractRefused";
  readonly errorName: string;
  readonly args: readonly unknown[];
  /** Set when the refusal came from a mined transaction rather than the check before signing. */
  readonly hash: Hash | undefined;

  constructor(label: string, errorName: string, args: readonly unknown[], hash?: Hash, options?: ErrorOptions) {
    const { what, nextStep } = explainContractError(errorName, args);
    super(label, what, nextStep, options);
    this.name = errorName;
    this.errorName = errorName;
    this.args = args;
    this.hash = hash;
  }
}

/** The transaction was mined but reverted, and the chain gave no reason this page can decode. */
export class TransactionReverted extends TransactionError {
  override name = "TransactionReverted";
  readonly hash: Hash;

  constructor(label: string, hash: Hash, reason?: string) {
    super(
      label,
      `transaction ${hash} was mined but reverted${reason ? ` (${reason})` : ""}; nothing changed but the fee paid.`,
      "Reload the page to see the current state, then try again.",
    );
    this.hash = hash;
  }
}

/** The sending account cannot pay the value sent plus the transaction fee. */
export class InsufficientFundsForTransaction extends TransactionError {
  override name = "InsufficientFundsForTransaction";
  readonly account: Address;
  readonly valueWei: bigint;
  readonly balanceWei: bigint | undefined;

  constructor(label: string, account: Address, valueWei: bigint, balanceWei: bigint | undefined, options?: ErrorOptions) {
    super(
      label,
      `account ${account} ${balanceWei === undefined ? "cannot pay" : `holds ${formatEther(balanceWei)} ETH, too little for`} ` +
        `${valueWei > 0n ? `the ${formatEther(valueWei)} ETH sent plus ` : ""}the transaction fee.`,
      "Add ETH to the account (or send less), then try again.",
      options,
    );
    this.account = account;
    this.valueWei = valueWei;
    this.balanceWei = balanceWei;
  }
}

/** The write could not be sent or confirmed for another reason; the node's or wallet's words are kept. */
export class TransactionFailed extends TransactionError {
  override name = "TransactionFailed";
  readonly reason: string;
  readonly hash: Hash | undefined;

  constructor(label: string, reason: string, hash?: Hash, options?: ErrorOptions) {
    super(
      label,
      hash ? `transaction ${hash} was sent but not confirmed: ${reason}.` : `it could not be sent: ${reason}.`,
      hash ? "Check the transaction in the wallet, then reload the page." : "Check the wallet and the chain connection, then try again.",
      options,
    );
    this.reason = reason;
    this.hash = hash;
  }
}

// ---------------------------------------------------------------------------------------------------- plain words

type Explanation = { what: string; nextStep: string };
const eth = (v: unknown) => `${formatEther(v as bigint)} ETH`;
const lpt = (v: unknown) => `${formatEther(v as bigint)} LPT`;
const RELOAD = "Reload the page to see the current state, then try again.";

/** The contracts' custom errors a person can meet from this app, in plain words, with what to do next. */
const EXPLANATIONS: Record<string, (args: readonly unknown[]) => Explanation> = {
  // TicketBroker: a sender's funds
  SenderHasNoFunds: () => ({ what: "this sender has no deposit or reserve in the TicketBroker.", nextStep: "Fund a deposit first." }),
  UnlockAlreadyInProgress: ([, withdrawRound]) => ({
    what: `an unlock is already in progress; withdrawal opens in round ${String(withdrawRound)}.`,
    nextStep: "Wait for that round and withdraw, or cancel the unlock to restart it.",
  }),
  NoUnlockInProgress: () => ({ what: "no unlock is in progress for this sender.", nextStep: "Unlock first; withdrawal opens after the unlock period." }),
  UnlockPeriodNotOver: ([, currentRound, withdrawRound]) => ({
    what: `the unlock period is not over: it is round ${String(currentRound)}, and withdrawal opens in round ${String(withdrawRound)}.`,
    nextStep: "Wait until that round, then withdraw.",
  }),
  SenderUnlocked: ([, withdrawRound]) => ({
    what: `this sender's unlock period ended in round ${String(withdrawRound)}, so its tickets no longer pay.`,
    nextStep: "Withdraw, or cancel the unlock to stream again.",
  }),
  FundingValueMismatch: ([value, deposit, reserve]) => ({
    what: `the ETH sent (${eth(value)}) is not the deposit (${eth(deposit)}) plus the reserve (${eth(reserve)}).`,
    nextStep: "This is a bug in the page: reload it and try again.",
  }),
  ZeroSender: () => ({ what: "the sender address is the zero address.", nextStep: "Choose the broadcaster's address." }),
  EthTransferFailed: ([to, amount]) => ({
    what: `sending ${eth(amount)} to ${String(to)} failed (a contract that refuses ETH).`,
    nextStep: "Send from an account that can receive ETH.",
  }),
  // BondingManager: staking and an orchestrator's own settings
  NotRegisteredOrchestrator: ([who]) => ({
    what: `${String(who)} is not a registered orchestrator (it has no stake bonded to itself).`,
    nextStep: "Bond LPT to your own address first, or connect the orchestrator's own wallet.",
  }),
  InvalidPpm: ([value]) => ({
    what: `${String(value)} parts per million is more than 100%.`,
    nextStep: "Enter a percentage from 0 to 100.",
  }),
  CurrentRoundNotInitialized: ([round]) => ({
    what: `round ${String(round)} has not been initialized yet.`,
    nextStep: "Wait a few seconds for the round keeper (or anyone) to initialize it, then try again.",
  }),
  RoundNotInitialized: ([round]) => ({
    what: `round ${String(round)} has not been initialized yet.`,
    nextStep: "Wait a few seconds for the round keeper (or anyone) to initialize it, then try again.",
  }),
  ZeroAmount: () => ({ what: "the amount is 0.", nextStep: "Enter an amount above 0." }),
  InsufficientBond: ([bonded, requested]) => ({
    what: `only ${lpt(bonded)} is bonded, less than the ${lpt(requested)} asked for.`,
    nextStep: "Enter at most the bonded amount.",
  }),
  NotBonded: () => ({ what: "this account has no stake bonded.", nextStep: "Bond LPT first." }),
  InvalidUnbondingLock: ([, id]) => ({
    what: `unbonding lock ${String(id)} holds nothing (already rebonded or withdrawn).`,
    nextStep: RELOAD,
  }),
  UnbondingPeriodNotOver: ([withdrawRound, currentRound]) => ({
    what: `the unbonding period is not over: it is round ${String(currentRound)}, and the stake is withdrawable from round ${String(withdrawRound)}.`,
    nextStep: "Wait until that round, then withdraw.",
  }),
  InsufficientFees: ([available, requested]) => ({
    what: `only ${eth(available)} in fees is withdrawable, less than the ${eth(requested)} asked for.`,
    nextStep: "Withdraw at most the fees shown.",
  }),
  NotActiveOrchestrator: ([who, round]) => ({
    what: `${String(who)} is not in the active set in round ${String(round)}.`,
    nextStep: "Bond more stake; it joins the active set from the next round.",
  }),
  RewardAlreadyCalled: ([, round]) => ({ what: `the reward for round ${String(round)} was already claimed.`, nextStep: "Wait for the next round." }),
  // LivepeerToken
  ERC20InsufficientBalance: ([, balance, needed]) => ({
    what: `the account holds ${lpt(balance)}, less than the ${lpt(needed)} needed.`,
    nextStep: "Enter a smaller amount or get more LPT first.",
  }),
  ERC20InsufficientAllowance: ([, allowance, needed]) => ({
    what: `the BondingManager may take only ${lpt(allowance)} of this account's LPT, less than the ${lpt(needed)} needed.`,
    nextStep: "Approve the amount first, then try again.",
  }),
  // ServiceRegistry: an orchestrator's advertisement
  ServiceURITooLong: ([length, max]) => ({ what: `the service URI is ${String(length)} bytes, above the ${String(max)} allowed.`, nextStep: "Use a shorter URI." }),
  TooManyServices: ([count, max]) => ({ what: `${String(count)} services are listed, above the ${String(max)} allowed.`, nextStep: "List fewer services." }),
  TooManyRegions: ([count, max]) => ({ what: `${String(count)} regions are listed, above the ${String(max)} allowed.`, nextStep: "List fewer regions." }),
  EmptyServiceId: ([index]) => ({ what: `service #${Number(index) + 1} has an empty name.`, nextStep: "Name every service or remove the empty one." }),
  ServiceIdTooLong: ([index, length, max]) => ({
    what: `service #${Number(index) + 1} has a ${String(length)}-byte name, above the ${String(max)} allowed.`,
    nextStep: "Use a shorter service name.",
  }),
  DuplicateServiceId: ([index, first]) => ({
    what: `service #${Number(index) + 1} repeats service #${Number(first) + 1}.`,
    nextStep: "List each service once.",
  }),
  EmptyRegion: ([index]) => ({ what: `region #${Number(index) + 1} is empty.`, nextStep: "Name every region or remove the empty one." }),
  RegionTooLong: ([index, length, max]) => ({
    what: `region #${Number(index) + 1} is ${String(length)} bytes, above the ${String(max)} allowed.`,
    nextStep: "Use a shorter region name.",
  }),
  DuplicateRegion: ([index, first]) => ({ what: `region #${Number(index) + 1} repeats region #${Number(first) + 1}.`, nextStep: "List each region once." }),
  // Access control: the wrong account for an owner-only call
  OwnableUnauthorizedAccount: ([account]) => ({
    what: `${String(account)} is not the contract's owner.`,
    nextStep: "Connect the owner's wallet for this change.",
  }),
  Error: ([reason]) => ({ what: `the contract refused: ${String(reason)}.`, nextStep: RELOAD }),
};

/** Plain words and a next step for a contract's custom error; a generic sentence naming it when it has none here. */
export function explainContractError(errorName: string, args: readonly unknown[]): Explanation {
  const explain = EXPLANATIONS[errorName];
  if (explain) return explain(args);
  return { what: `the contract refused it with ${errorName}(${args.map(String).join(", ")}).`, nextStep: RELOAD };
}

// ---------------------------------------------------------------------------------------------------- decoding

/** Every custom error of the Streamflow contracts, so that an error bubbling up from a called contract decodes too. */
const CONTRACT_ERRORS_ABI: Abi = ([
  ...ticketBrokerAbi,
  ...bondingManagerAbi,
  ...serviceRegistryAbi,
  ...roundsManagerAbi,
  ...livepeerTokenAbi,
  ...minterAbi,
  ...faultVerifierAbi,
] as Abi).filter((item) => item.type === "error");

/** A custom error decoded from revert data. */
export interface DecodedContractError {
  errorName: string;
  args: readonly unknown[];
}

/** Decodes revert data against every Streamflow contract's custom errors (and Error(string)/Panic); undefined if none. */
export function decodeRevertData(data: Hex): DecodedContractError | undefined {
  try {
    const decoded = decodeErrorResult({ abi: CONTRACT_ERRORS_ABI, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/** The custom error inside anything viem throws for a reverted call or transaction; undefined when there is none. */
export function decodeContractError(error: unknown): DecodedContractError | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted) {
    // Decoded already when the write's own ABI has the error; else (an error from a called contract) decode it here.
    if (reverted.data && reverted.data.errorName !== "Error" && reverted.data.errorName !== "Panic") {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    if (reverted.raw) return decodeRevertData(reverted.raw);
    if (reverted.reason) return { errorName: "Error", args: [reverted.reason] };
  }
  // A node's RPC error with the revert data attached, not wrapped by viem as a contract error.
  let found: DecodedContractError | undefined;
  error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    const hex = typeof data === "string" ? data : typeof (data as { data?: unknown })?.data === "string" ? (data as { data: string }).data : undefined;
    if (hex && /^0x[0-9a-f]{8}/i.test(hex)) found = decodeRevertData(hex as Hex);
    return found !== undefined;
  });
  return found;
}

/**
 * The named error for anything a write threw: the contract's refusal, the wallet's refusal, a wrong chain, too little
 * ETH, or TransactionFailed keeping the node's words.
 */
export async function namedTransactionError(client: FundingClient, write: ContractWrite, error: unknown, hash?: Hash): Promise<Error> {
  if (error instanceof TransactionError) return error;
  const refusal = walletError(error, `sign "${write.label}"`);
  if (refusal) return refusal;
  const decoded = decodeContractError(error);
  if (decoded) return new ContractRefused(write.label, decoded.errorName, decoded.args, hash, { cause: error });
  if (isInsufficientFunds(error)) {
    const account = client.account.address;
    const balance = await getBalance(client, { address: account }).catch(() => undefined);
    return new InsufficientFundsForTransaction(write.label, account, write.value ?? 0n, balance, { cause: error });
  }
  return new TransactionFailed(write.label, shortReason(error), hash, { cause: error });
}

// ---------------------------------------------------------------------------------------------------- sending

/**
 * Sends one contract write from the client's account and waits until it is mined. The write is checked with an
 * eth_call first, so that a refusal is named before the wallet asks for a signature.
 * @returns the receipt of the successful transaction
 * @throws ContractRefused (named after the contract's error); TransactionReverted; InsufficientFundsForTransaction;
 *         TransactionFailed; funds.ts's WalletRequestRejected and WalletOnWrongChain
 */
export async function sendTransaction(client: FundingClient, write: ContractWrite, onProgress: OnTransactionProgress = () => {}): Promise<TransactionReceipt> {
  const { label } = write;
  const call = {
    address: write.address,
    abi: write.abi,
    functionName: write.functionName,
    args: write.args ?? [],
    ...(write.value !== undefined ? { value: write.value } : {}),
    account: client.account,
    chain: client.chain,
  };
  let hash: Hash | undefined;
  try {
    onProgress({ stage: "checking", label });
    // An eth_call does not check that the account can pay the value (Hardhat's does not): said here, before signing.
    if (write.value) {
      const balanceWei = await getBalance(client, { address: client.account.address }).catch(() => undefined);
      if (balanceWei !== undefined && balanceWei < write.value) {
        throw new InsufficientFundsForTransaction(label, client.account.address, write.value, balanceWei);
      }
    }
    // viem's generics want a literal ABI; a ContractWrite is checked by its maker, so the call is typed loosely here.
    await simulateContract(client, call as never);
    onProgress({ stage: "signing", label });
    hash = await writeContract(client, call as never);
    onProgress({ stage: "sent", label, hash });
    const receipt = await waitForTransactionReceipt(client, { hash });
    if (receipt.status !== "success") throw new TransactionReverted(label, hash);
    onProgress({ stage: "mined", label, hash, blockNumber: receipt.blockNumber });
    return receipt;
  } catch (error) {
    const named = await namedTransactionError(client, write, error, hash);
    onProgress({ stage: "failed", label, error: named, ...(hash ? { hash } : {}) });
    throw named;
  }
}

/** Sends writes one after another (an approval, then the bond), stopping at the first that fails. */
export async function sendTransactions(
  client: FundingClient,
  writes: readonly ContractWrite[],
  onProgress: OnTransactionProgress = () => {},
): Promise<TransactionReceipt[]> {
  const receipts: TransactionReceipt[] = [];
  for (const write of writes) receipts.push(await sendTransaction(client, write, onProgress));
  return receipts;
}
