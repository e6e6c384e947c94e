// What a broadcaster does with its TicketBroker funds after the first funding: top up the deposit or the reserve,
// unlock, cancel the unlock, withdraw (with the countdown to it), and what happened to the funds on chain since.
import { getAddress, type Address, type Hash, type PublicClient, type TransactionReceipt } from "viem";
import { roundsManagerAbi, ticketBrokerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { sendTransaction, type ContractWrite, type OnTransactionProgress } from "../chain/transactions.ts";
import { blocksUntilRound } from "../staking/delegator.ts";
import { FundsError, InvalidFundingInput, type FundingClient, type SenderFunds } from "./funds.ts";
import { readRedeemedTickets } from "./redemptions.ts";

/** unlock, cancelUnlock and withdraw act on the caller's own funds: the connected account is not the sender shown. */
export class NotTheSender extends FundsError {
  override name = "NotTheSender";
  readonly sender: Address;
  readonly account: Address;

  constructor(action: string, sender: Address, account: Address) {
    super(
      `Only the sender ${sender} can ${action} its own funds; the connected account is ${account}.`,
      "Choose that account as the sender (the tab's broadcaster key signs for itself), or connect the sender's wallet.",
    );
    this.sender = sender;
    this.account = account;
  }
}

type Broker = Pick<Deployments, "contracts">;

function requireAmount(field: string, amountWei: bigint): void {
  if (typeof amountWei !== "bigint" || amountWei <= 0n) throw new InvalidFundingInput(field, amountWei, "a wei amount (bigint) above 0");
}

function requireSender(client: FundingClient, sender: Address, action: string): void {
  if (getAddress(client.account.address) !== getAddress(sender)) throw new NotTheSender(action, getAddress(sender), client.account.address);
}

// ---------------------------------------------------------------------------------------------------- the writes

/**
 * Adds `amountWei` to `sender`'s deposit (`part` "deposit") or reserve, paid by `payer`: fundDeposit/fundReserve when
 * the payer is the sender, else fundDepositAndReserveFor (a wallet topping up the tab's key).
 */
export function topUpWrite(deployments: Broker, payer: Address, sender: Address, part: "deposit" | "reserve", amountWei: bigint): ContractWrite {
  requireAmount(`${part} top-up`, amountWei);
  const broker = { address: deployments.contracts.TicketBroker, abi: ticketBrokerAbi, value: amountWei } as const;
  const label = `Top up the ${part} by ${amountWei} wei`;
  if (getAddress(payer) === getAddress(sender)) {
    return { ...broker, label, functionName: part === "deposit" ? "fundDeposit" : "fundReserve", args: [] };
  }
  const [depositWei, reserveWei] = part === "deposit" ? [amountWei, 0n] : [0n, amountWei];
  return { ...broker, label, functionName: "fundDepositAndReserveFor", args: [getAddress(sender), depositWei, reserveWei] };
}

const LIFECYCLE = {
  unlock: { functionName: "unlock", label: "Unlock the deposit and reserve" },
  cancelUnlock: { functionName: "cancelUnlock", label: "Cancel the unlock" },
  withdraw: { functionName: "withdraw", label: "Withdraw the deposit and reserve" },
} as const;

/** The write for a step of the sender's own unlock life cycle; sent by the sender itself. */
export function lifecycleWrite(deployments: Broker, step: keyof typeof LIFECYCLE): ContractWrite {
  return { address: deployments.contracts.TicketBroker, abi: ticketBrokerAbi, args: [], ...LIFECYCLE[step] };
}

/**
 * Tops up `sender`'s deposit or reserve from the client's account, waiting until it is mined.
 * @throws InvalidFundingInput; and sendTransaction's named errors (InsufficientFundsForTransaction, …)
 */
export async function topUp(
  client: FundingClient,
  deployments: Broker,
  sender: Address,
  part: "deposit" | "reserve",
  amountWei: bigint,
  onProgress?: OnTransactionProgress,
): Promise<TransactionReceipt> {
  return sendTransaction(client, topUpWrite(deployments, client.account.address, sender, part, amountWei), onProgress);
}

/**
 * Starts, cancels or ends (withdraw) `sender`'s unlock period. The client must be the sender's own.
 * @throws NotTheSender; ContractRefused named after the TicketBroker's error (UnlockPeriodNotOver, NoUnlockInProgress,
 *         UnlockAlreadyInProgress, SenderHasNoFunds); and sendTransaction's other named errors
 */
export async function runLifecycleStep(
  client: FundingClient,
  deployments: Broker,
  sender: Address,
  step: keyof typeof LIFECYCLE,
  onProgress?: OnTransactionProgress,
): Promise<TransactionReceipt> {
  requireSender(client, sender, { unlock: "unlock", cancelUnlock: "cancel the unlock of", withdraw: "withdraw" }[step]);
  return sendTransaction(client, lifecycleWrite(deployments, step), onProgress);
}

// ---------------------------------------------------------------------------------------------------- the countdown

export interface UnlockCountdown {
  withdrawRound: bigint;
  /** Rounds until withdraw() succeeds; 0 = now. */
  roundsLeft: bigint;
  /** Blocks until the withdraw round starts; 0 = now. */
  blocksLeft: bigint;
  /** blocksLeft at the observed block time: an estimate. */
  secondsLeft: number;
}

/** Where the round clock is: enough to turn a round into blocks from now. */
export interface RoundClock {
  currentRound: bigint;
  currentRoundStartBlock: bigint;
  roundLengthBlocks: bigint;
  blockNumber: bigint;
}

/** Reads the RoundsManager's clock at one block. */
export async function readRoundClock(client: Pick<PublicClient, "readContract" | "getBlockNumber">, deployments: Broker): Promise<RoundClock> {
  // Uncached: viem keeps a block number for seconds, and a read right after an edit must see it.
  const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
  const rm = { address: deployments.contracts.RoundsManager, abi: roundsManagerAbi, blockNumber } as const;
  const [currentRound, currentRoundStartBlock, roundLengthBlocks] = await Promise.all([
    client.readContract({ ...rm, functionName: "currentRound" }),
    client.readContract({ ...rm, functionName: "currentRoundStartBlock" }),
    client.readContract({ ...rm, functionName: "roundLength" }),
  ]);
  return { currentRound, currentRoundStartBlock, roundLengthBlocks, blockNumber };
}

/** The countdown to withdrawal of an unlocking sender, in rounds, blocks and seconds; undefined when not unlocking. */
export function unlockCountdown(funds: Pick<SenderFunds, "unlocking" | "withdrawRound">, clock: RoundClock, blockTimeS: number): UnlockCountdown | undefined {
  if (!funds.unlocking) return undefined;
  const { currentRound, currentRoundStartBlock, roundLengthBlocks, blockNumber } = clock;
  const roundsLeft = funds.withdrawRound > currentRound ? funds.withdrawRound - currentRound : 0n;
  const blocksLeft = blocksUntilRound(funds.withdrawRound, currentRound, currentRoundStartBlock, roundLengthBlocks, blockNumber);
  return { withdrawRound: funds.withdrawRound, roundsLeft, blocksLeft, secondsLeft: Number(blocksLeft) * blockTimeS };
}

// ---------------------------------------------------------------------------------------------------- the history

/** One thing that happened to a sender's funds on chain. */
export type SenderEvent = { blockNumber: bigint; txHash: Hash | undefined } & (
  | { kind: "depositFunded" | "reserveFunded"; amountWei: bigint }
  | { kind: "ticketRedeemed"; recipient: Address; faceValueWei: bigint; senderNonce: bigint }
  | { kind: "reserveClaimed"; claimant: Address; amountWei: bigint }
  | { kind: "unlock"; startRound: bigint; withdrawRound: bigint }
  | { kind: "unlockCancelled" }
  | { kind: "withdrawal"; depositWei: bigint; reserveWei: bigint }
);

/** Every funding, redemption, reserve claim, unlock and withdrawal of `sender` since `fromBlock`, newest first. */
export async function readSenderActivity(
  client: Pick<PublicClient, "getContractEvents">,
  deployments: Broker,
  sender: Address,
  fromBlock = 0n,
): Promise<SenderEvent[]> {
  const address = deployments.contracts.TicketBroker;
  const bySender = { address, abi: ticketBrokerAbi, args: { sender }, fromBlock } as const;
  const byHolder = { address, abi: ticketBrokerAbi, args: { reserveHolder: sender }, fromBlock } as const;
  const [deposits, reserves, claims, unlocks, cancels, withdrawals, wins] = await Promise.all([
    client.getContractEvents({ ...bySender, eventName: "DepositFunded" }),
    client.getContractEvents({ ...byHolder, eventName: "ReserveFunded" }),
    client.getContractEvents({ ...byHolder, eventName: "ReserveClaimed" }),
    client.getContractEvents({ ...bySender, eventName: "Unlock" }),
    client.getContractEvents({ ...bySender, eventName: "UnlockCancelled" }),
    client.getContractEvents({ ...bySender, eventName: "Withdrawal" }),
    readRedeemedTickets(client, address, sender, fromBlock),
  ]);
  const at = (log: { blockNumber: bigint; transactionHash: Hash | null; logIndex: number | null }) => ({
    blockNumber: log.blockNumber,
    txHash: log.transactionHash ?? undefined,
    order: log.logIndex ?? 0,
  });
  const all: (SenderEvent & { order: number })[] = [
    // fundDepositAndReserve(For) emits both funding events even when one part is 0: those say nothing.
    ...deposits.filter((l) => l.args.amount! > 0n).map((l) => ({ ...at(l), kind: "depositFunded" as const, amountWei: l.args.amount! })),
    ...reserves.filter((l) => l.args.amount! > 0n).map((l) => ({ ...at(l), kind: "reserveFunded" as const, amountWei: l.args.amount! })),
    ...claims.map((l) => ({ ...at(l), kind: "reserveClaimed" as const, claimant: l.args.claimant!, amountWei: l.args.amount! })),
    ...unlocks.map((l) => ({ ...at(l), kind: "unlock" as const, startRound: l.args.startRound!, withdrawRound: l.args.endRound! })),
    ...cancels.map((l) => ({ ...at(l), kind: "unlockCancelled" as const })),
    ...withdrawals.map((l) => ({ ...at(l), kind: "withdrawal" as const, depositWei: l.args.deposit!, reserveWei: l.args.reserve! })),
    // redemptions.ts reads these without their transaction; within a block they sort after the other events.
    ...wins.map((w) => ({ ...w, txHash: undefined, order: -1, kind: "ticketRedeemed" as const })),
  ];
  all.sort((a, b) => (a.blockNumber === b.blockNumber ? b.order - a.order : a.blockNumber > b.blockNumber ? -1 : 1));
  return all.map(({ order: _order, ...event }) => event as SenderEvent);
}
