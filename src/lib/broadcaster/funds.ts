// The broadcaster's TicketBroker funds: reading deposit, reserve and unlock state; funding the browser key from a
// connected wallet (or, on the local chain only, from an unlocked dev account); and how long the deposit lasts.
import {
  BaseError,
  ChainMismatchError,
  createWalletClient,
  custom,
  defineChain,
  formatEther,
  getAddress,
  http,
  InsufficientFundsError,
  isAddress,
  UserRejectedRequestError,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type EIP1193Provider,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { getBalance, waitForTransactionReceipt, writeContract } from "viem/actions";
import type { LocalAccount } from "viem/accounts";
import { roundsManagerAbi, ticketBrokerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";

/** The local Hardhat chain's id: the only chain whose dev accounts may fund a broadcaster. */
export const LOCAL_CHAIN_ID = 31337;

/** A wallet client with an account and a chain: what fundBroadcaster sends with. */
export type FundingClient = WalletClient<Transport, Chain, Account>;

export interface SenderFunds {
  depositWei: bigint;
  /** What is left of the reserve (fundsRemaining); orchestrators can each claim a share of it if the deposit runs out. */
  reserveWei: bigint;
  /** 0 when no unlock is in progress; else the round from which withdraw() succeeds. */
  withdrawRound: bigint;
  /** An unlock is in progress: orchestrators stop accepting this sender's tickets. */
  unlocking: boolean;
  /** While unlocking: rounds left before withdraw() succeeds (0 = withdraw now). */
  roundsUntilWithdraw?: number;
  currentRound: bigint;
}

// ---------------------------------------------------------------------------------------------------- errors

/** Base of this module's errors: each says what happened and, in `nextStep`, what to do about it. */
export class FundsError extends Error {
  override name = "FundsError";
  readonly nextStep: string;

  constructor(what: string, nextStep: string, options?: ErrorOptions) {
    super(`${what} ${nextStep}`, options);
    this.nextStep = nextStep;
  }
}

/** An amount or address given to a funds function is out of range. */
export class InvalidFundingInput extends FundsError {
  override name = "InvalidFundingInput";
  readonly field: string;

  constructor(field: string, value: unknown, expected: string) {
    super(`${field} is ${String(value)}; it must be ${expected}.`, "Correct the amount or address and try again.");
    this.field = field;
  }
}

/** The paying account holds less ETH than the deposit and reserve it is asked to pay (plus gas). */
export class InsufficientFundsToFund extends FundsError {
  override name = "InsufficientFundsToFund";
  readonly payer: Address;
  readonly balanceWei: bigint | undefined;
  readonly neededWei: bigint;

  constructor(payer: Address, balanceWei: bigint | undefined, neededWei: bigint, options?: ErrorOptions) {
    super(
      `The paying account ${payer} ${balanceWei === undefined ? "does not hold" : `holds ${formatEther(balanceWei)} ETH, less than`} ` +
        `the ${formatEther(neededWei)} ETH asked for plus the transaction fee.`,
      "Fund a smaller deposit and reserve, or add ETH to the paying account first.",
      options,
    );
    this.payer = payer;
    this.balanceWei = balanceWei;
    this.neededWei = neededWei;
  }
}

/** The funding transaction was mined but reverted. */
export class FundingReverted extends FundsError {
  override name = "FundingReverted";
  readonly txHash: Hash;

  constructor(txHash: Hash) {
    super(
      `The funding transaction ${txHash} was mined but reverted; no funds moved.`,
      "Check that the deployments file names this chain's TicketBroker, then try again.",
    );
    this.txHash = txHash;
  }
}

/** The funding transaction could not be sent or confirmed for another reason (the node's words are kept). */
export class FundingFailed extends FundsError {
  override name = "FundingFailed";
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(`Funding failed: ${reason}.`, "Check the wallet and the chain connection, then try again.", options);
    this.reason = reason;
  }
}

/** The user declined the request in the wallet. */
export class WalletRequestRejected extends FundsError {
  override name = "WalletRequestRejected";
  readonly request: string;

  constructor(request: string, options?: ErrorOptions) {
    super(`The wallet declined to ${request}.`, "Approve the request in the wallet to go on, or fund from another wallet.", options);
    this.request = request;
  }
}

/** The wallet is on another chain than the deployment's. */
export class WalletOnWrongChain extends FundsError {
  override name = "WalletOnWrongChain";
  readonly expectedChainId: number;
  readonly walletChainId: number;

  constructor(expectedChainId: number, walletChainId: number, options?: ErrorOptions) {
    super(
      `The wallet is on chain ${walletChainId}, but Streamflow is deployed on chain ${expectedChainId}.`,
      `Switch the wallet to chain ${expectedChainId}${expectedChainId === LOCAL_CHAIN_ID ? " (the local chain, http://127.0.0.1:8545)" : ""}, then connect again.`,
      options,
    );
    this.expectedChainId = expectedChainId;
    this.walletChainId = walletChainId;
  }
}

/** The wallet connected but shared no account. */
export class WalletHasNoAccount extends FundsError {
  override name = "WalletHasNoAccount";

  constructor() {
    super("The wallet shared no account with this page.", "Unlock the wallet or create an account in it, then connect again.");
  }
}

/** Dev funding was asked for on a chain other than the local one: dev accounts there are not ours to spend. */
export class DevFundingRefused extends FundsError {
  override name = "DevFundingRefused";
  readonly chainId: number;

  constructor(chainId: number) {
    super(
      `Dev funding works only on the local chain (id ${LOCAL_CHAIN_ID}); this RPC URL serves chain ${chainId}.`,
      "Fund the broadcaster from a connected wallet instead.",
    );
    this.chainId = chainId;
  }
}

/** The local chain does not hold the dev account unlocked, or cannot be reached. */
export class DevAccountUnavailable extends FundsError {
  override name = "DevAccountUnavailable";
  readonly rpcUrl: string;
  readonly account: string;
  readonly reason: string;

  constructor(rpcUrl: string, account: string, reason: string, options?: ErrorOptions) {
    super(
      `Dev account ${account} cannot send transactions through ${rpcUrl}: ${reason}.`,
      'Start the local chain with "npm start" (or "npm run chain") and use one of the accounts it prints.',
      options,
    );
    this.rpcUrl = rpcUrl;
    this.account = account;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------------------------------- reading

/** Deposit, reserve and unlock state of `sender` in the TicketBroker. */
export async function readSenderFunds(
  publicClient: Pick<PublicClient, "readContract">,
  ticketBroker: Address,
  roundsManager: Address,
  sender: Address,
): Promise<SenderFunds> {
  const [[info, reserve], currentRound] = await Promise.all([
    publicClient.readContract({ address: ticketBroker, abi: ticketBrokerAbi, functionName: "getSenderInfo", args: [sender] }),
    publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: "currentRound" }),
  ]);
  const unlocking = info.withdrawRound !== 0n;
  return {
    depositWei: info.deposit,
    reserveWei: reserve.fundsRemaining,
    withdrawRound: info.withdrawRound,
    unlocking,
    ...(unlocking ? { roundsUntilWithdraw: Number(info.withdrawRound > currentRound ? info.withdrawRound - currentRound : 0n) } : {}),
    currentRound,
  };
}

/**
 * Minutes of streaming the deposit pays for at this price, counting whole segments only. Tickets draw on the deposit;
 * the reserve is the orchestrators' insurance and is not spent by normal streaming.
 * @param renditions how many times each segment's price is paid: 1 when the price covers the whole ladder (as this
 *        project's orchestrators quote it); the number of renditions for a per-rendition price; multiply by the
 *        redundancy when several orchestrators are each paid for the same segment
 * @returns Infinity when the price is 0
 */
export function minutesOfStreamingLeft(depositWei: bigint, pricePerSegmentWei: bigint, segmentDurationMs: number, renditions = 1): number {
  if (depositWei < 0n) throw new InvalidFundingInput("depositWei", depositWei, "0 or more");
  if (pricePerSegmentWei < 0n) throw new InvalidFundingInput("pricePerSegmentWei", pricePerSegmentWei, "0 or more");
  if (!(Number.isFinite(segmentDurationMs) && segmentDurationMs > 0)) {
    throw new InvalidFundingInput("segmentDurationMs", segmentDurationMs, "a number of ms above 0");
  }
  if (!(Number.isSafeInteger(renditions) && renditions >= 1)) throw new InvalidFundingInput("renditions", renditions, "a whole number, 1 or more");
  const costPerSegmentWei = pricePerSegmentWei * BigInt(renditions);
  if (costPerSegmentWei === 0n) return Infinity;
  const segments = depositWei / costPerSegmentWei;
  return (Number(segments) * segmentDurationMs) / 60_000;
}

// ---------------------------------------------------------------------------------------------------- funding

function requireAmount(field: string, value: bigint): void {
  if (typeof value !== "bigint" || value < 0n) throw new InvalidFundingInput(field, value, "a wei amount (bigint), 0 or more");
}

/** The node's or wallet's own short words for an error. */
export function shortReason(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

/** The sending account could not pay (viem's error, or Hardhat's own words for it). */
export function isInsufficientFunds(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof InsufficientFundsError)) return true;
  // Hardhat words it its own way, which viem does not map.
  const text = error instanceof Error ? `${error.message} ${String((error as BaseError).details ?? "")}` : String(error);
  return /enough funds|insufficient funds|exceeds (the )?balance/i.test(text);
}

/** The wallet's refusal or wrong chain as a named error; undefined for any other error. */
export function walletError(error: unknown, request: string): Error | undefined {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError)) return new WalletRequestRejected(request, { cause: error });
    const mismatch = error.walk((e) => e instanceof ChainMismatchError);
    if (mismatch) {
      const ids = /wallet \(id: (\d+)\)[\s\S]*?transaction \(id: (\d+)/.exec((mismatch as BaseError).message);
      if (ids) return new WalletOnWrongChain(Number(ids[2]), Number(ids[1]), { cause: error });
    }
  }
  if ((error as { code?: unknown } | undefined)?.code === 4001) return new WalletRequestRejected(request, { cause: error });
  return undefined;
}

/**
 * Pays `depositWei + reserveWei` from the wallet's account into `broadcaster`'s TicketBroker deposit and reserve
 * (fundDepositAndReserveFor), and waits until the transaction is mined.
 * @returns the transaction hash
 * @throws InsufficientFundsToFund; WalletRequestRejected; WalletOnWrongChain; FundingReverted; FundingFailed;
 *         InvalidFundingInput
 */
export async function fundBroadcaster(
  walletClient: FundingClient,
  ticketBroker: Address,
  broadcaster: Address,
  depositWei: bigint,
  reserveWei: bigint,
): Promise<Hash> {
  requireAmount("depositWei", depositWei);
  requireAmount("reserveWei", reserveWei);
  if (depositWei + reserveWei === 0n) throw new InvalidFundingInput("depositWei + reserveWei", 0n, "above 0");
  if (!isAddress(broadcaster, { strict: false }) || getAddress(broadcaster) === zeroAddress) {
    throw new InvalidFundingInput("broadcaster", broadcaster, "the broadcaster's nonzero address");
  }
  const value = depositWei + reserveWei;
  const payer = walletClient.account.address;

  // Said before the wallet is asked: a wallet's own words for this differ, and some only fail after a signature.
  const balanceWei = await getBalance(walletClient, { address: payer }).catch(() => undefined);
  if (balanceWei !== undefined && balanceWei < value) throw new InsufficientFundsToFund(payer, balanceWei, value);

  let hash: Hash;
  try {
    hash = await writeContract(walletClient, {
      address: ticketBroker,
      abi: ticketBrokerAbi,
      functionName: "fundDepositAndReserveFor",
      args: [getAddress(broadcaster), depositWei, reserveWei],
      value,
      account: walletClient.account,
      chain: walletClient.chain,
    });
  } catch (error) {
    if (isInsufficientFunds(error)) throw new InsufficientFundsToFund(payer, balanceWei, value, { cause: error });
    throw walletError(error, "send the funding transaction") ?? new FundingFailed(shortReason(error), { cause: error });
  }
  let status: "success" | "reverted";
  try {
    ({ status } = await waitForTransactionReceipt(walletClient, { hash }));
  } catch (error) {
    throw new FundingFailed(`transaction ${hash} was sent but not confirmed: ${shortReason(error)}`, { cause: error });
  }
  if (status !== "success") throw new FundingReverted(hash);
  return hash;
}

/** The tab key's own wallet client (gas and challenge bonds come from the key's ETH balance). */
export function keyWalletClient(account: LocalAccount, chainId: number, rpcUrl: string): FundingClient {
  return createWalletClient({ account, chain: chainOf(chainId, rpcUrl), transport: http(rpcUrl) });
}

/** Sends the tab's key some ETH of its own: for gas and the bond when it files a challenge. */
export async function sendEthForGas(walletClient: FundingClient, to: Address, valueWei: bigint): Promise<Hash> {
  try {
    const hash = await walletClient.sendTransaction({ to, value: valueWei, account: walletClient.account, chain: walletClient.chain });
    await waitForTransactionReceipt(walletClient, { hash });
    return hash;
  } catch (error) {
    throw new FundingFailed(`sending ${valueWei} wei for gas failed: ${shortReason(error)}`, { cause: error });
  }
}

function chainOf(chainId: number, rpcUrl: string | undefined): Chain {
  return defineChain({
    id: chainId,
    name: chainId === LOCAL_CHAIN_ID ? "Streamflow local chain" : `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } },
  });
}

/**
 * The "dev-funding button": a wallet client that sends from one of the local Hardhat node's unlocked dev accounts
 * (eth_sendTransaction from its address), so no private key is in the page.
 * @throws DevFundingRefused on any chain but LOCAL_CHAIN_ID; DevAccountUnavailable when the node is unreachable or
 *         does not hold `devAccountAddress` unlocked
 */
export async function devFundingClient(rpcUrl: string, devAccountAddress: Address): Promise<FundingClient> {
  if (!isAddress(devAccountAddress, { strict: false })) throw new InvalidFundingInput("devAccountAddress", devAccountAddress, "an address");
  const account = getAddress(devAccountAddress);
  const transport = http(rpcUrl, { retryCount: 0 });
  const probe = createWalletClient({ transport });
  let chainId: number;
  let unlocked: readonly Address[];
  try {
    chainId = await probe.getChainId();
    if (chainId !== LOCAL_CHAIN_ID) throw new DevFundingRefused(chainId);
    unlocked = await probe.getAddresses(); // eth_accounts: the node's unlocked dev accounts
  } catch (error) {
    if (error instanceof DevFundingRefused) throw error;
    throw new DevAccountUnavailable(rpcUrl, account, `the chain did not answer (${shortReason(error)})`, { cause: error });
  }
  if (!unlocked.some((a) => a.toLowerCase() === account.toLowerCase())) {
    throw new DevAccountUnavailable(rpcUrl, account, "it is not one of the node's unlocked accounts");
  }
  return createWalletClient({ account, chain: chainOf(LOCAL_CHAIN_ID, rpcUrl), transport, pollingInterval: 500 });
}

/**
 * A wallet client for a connected EIP-1193 wallet (window.ethereum): asks for its accounts (the wallet shows its
 * prompt) and checks that it is on the deployment's chain.
 * @throws WalletRequestRejected; WalletHasNoAccount; WalletOnWrongChain
 */
export async function walletClientFromEip1193(provider: EIP1193Provider, deployments: Pick<Deployments, "chainId" | "rpcUrl">): Promise<FundingClient> {
  let accounts: readonly Address[];
  let chainIdHex: string;
  try {
    accounts = await provider.request({ method: "eth_requestAccounts" });
    chainIdHex = await provider.request({ method: "eth_chainId" });
  } catch (error) {
    throw walletError(error, "connect to this page") ?? new FundingFailed(`the wallet did not connect: ${shortReason(error)}`, { cause: error });
  }
  const [first] = accounts;
  if (!first) throw new WalletHasNoAccount();
  const walletChainId = Number(BigInt(chainIdHex));
  if (walletChainId !== deployments.chainId) throw new WalletOnWrongChain(deployments.chainId, walletChainId);
  return createWalletClient({
    account: getAddress(first),
    chain: chainOf(deployments.chainId, deployments.rpcUrl),
    transport: custom(provider),
    pollingInterval: 1_000,
  });
}
