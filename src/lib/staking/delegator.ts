// A delegator's account as the staking page shows it: LPT held and approved, bonded stake, rewards and fees not yet
// withdrawn, the stake that starts earning next round, and unbonding locks with their countdowns.
import { erc20Abi, type Address, type PublicClient } from "viem";
import { bondingManagerAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";

export interface UnbondingLockView {
  id: bigint;
  amount: bigint;
  withdrawRound: bigint;
  /** Rounds until withdrawStake succeeds; 0 = withdrawable now. */
  roundsLeft: bigint;
  /** Blocks until the withdraw round starts; 0 = withdrawable now. */
  blocksLeft: bigint;
}

export interface DelegatorAccount {
  address: Address;
  /** LPT in the wallet, not bonded. */
  lptBalance: bigint;
  /** LPT the BondingManager may take for a bond. */
  lptAllowance: bigint;
  /** Zero address when not bonded. */
  delegate: Address;
  /** Stake as of the last claim (earning and pending parts), what the contract stores. */
  bondedAmount: bigint;
  /** Stake now: the bond plus rewards not yet claimed. */
  pendingStake: bigint;
  /** LPT rewards earned since the last claim: pendingStake − bondedAmount. */
  pendingRewards: bigint;
  /** ETH fees withdrawable now: claimed fees plus fees not yet claimed. */
  pendingFees: bigint;
  /** Stake bonded this round, which earns from the next round on (0 when none). */
  pendingBond: { amount: bigint; round: bigint };
  /** Locks still holding LPT (rebonded or withdrawn locks are left out). */
  unbondingLocks: UnbondingLockView[];
  currentRound: bigint;
  /** First block of the current round and the round length: where countdowns in blocks come from. */
  currentRoundStartBlock: bigint;
  roundLengthBlocks: bigint;
  blockNumber: bigint;
}

type Reader = Pick<PublicClient, "readContract" | "getBlockNumber">;

/** Reads everything the account panel shows for `address`, at one block so that the figures agree with each other. */
export async function readDelegatorAccount(client: Reader, deployments: Deployments, address: Address): Promise<DelegatorAccount> {
  const { BondingManager: bondingManager, RoundsManager: roundsManager, LivepeerToken: token } = deployments.contracts;
  // Uncached: viem keeps a block number for seconds, and a read right after a transaction must see it.
  const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
  const at = { blockNumber } as const;
  const bm = { address: bondingManager, abi: bondingManagerAbi } as const;
  const rm = { address: roundsManager, abi: roundsManagerAbi } as const;
  const [lptBalance, lptAllowance, delegator, pendingStake, pendingFees, pendingBond, currentRound, currentRoundStartBlock, roundLengthBlocks] =
    await Promise.all([
      client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [address], ...at }),
      client.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [address, bondingManager], ...at }),
      client.readContract({ ...bm, functionName: "getDelegator", args: [address], ...at }),
      client.readContract({ ...bm, functionName: "pendingStake", args: [address], ...at }),
      client.readContract({ ...bm, functionName: "pendingFees", args: [address], ...at }),
      client.readContract({ ...bm, functionName: "getDelegatorPendingBond", args: [address], ...at }),
      client.readContract({ ...rm, functionName: "currentRound", ...at }),
      client.readContract({ ...rm, functionName: "currentRoundStartBlock", ...at }),
      client.readContract({ ...rm, functionName: "roundLength", ...at }),
    ]);
  const [bondedAmount, , delegate, , , , nextUnbondingLockId] = delegator;
  const lockIds = Array.from({ length: Number(nextUnbondingLockId) }, (_, i) => BigInt(i));
  const locks = await Promise.all(
    lockIds.map((id) => client.readContract({ ...bm, functionName: "getDelegatorUnbondingLock", args: [address, id], ...at })),
  );
  const unbondingLocks = locks
    .map(([amount, withdrawRound], i) => {
      const roundsLeft = withdrawRound > currentRound ? withdrawRound - currentRound : 0n;
      return { id: lockIds[i]!, amount, withdrawRound, roundsLeft, blocksLeft: blocksUntilRound(withdrawRound, currentRound, currentRoundStartBlock, roundLengthBlocks, blockNumber) };
    })
    .filter((lock) => lock.amount > 0n);
  return {
    address,
    lptBalance,
    lptAllowance,
    delegate,
    bondedAmount,
    pendingStake,
    pendingRewards: pendingStake > bondedAmount ? pendingStake - bondedAmount : 0n,
    pendingFees,
    pendingBond: { amount: pendingBond[0], round: pendingBond[1] },
    unbondingLocks,
    currentRound,
    currentRoundStartBlock,
    roundLengthBlocks,
    blockNumber,
  };
}

/**
 * Blocks from `blockNumber` until `round` starts, assuming the round length stays as it is (a governance change would
 * move the date, not the round). 0 when the round has come.
 */
export function blocksUntilRound(round: bigint, currentRound: bigint, currentRoundStartBlock: bigint, roundLengthBlocks: bigint, blockNumber: bigint): bigint {
  if (round <= currentRound) return 0n;
  const start = currentRoundStartBlock + (round - currentRound) * roundLengthBlocks;
  return start > blockNumber ? start - blockNumber : 0n;
}

/** "about 3 min" / "about 2 h" for a number of blocks at `blockTimeS` seconds each: countdowns are estimates. */
export function describeWait(blocks: bigint, blockTimeS: number): string {
  const seconds = Number(blocks) * blockTimeS;
  if (seconds <= 0) return "now";
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `about ${Math.round(seconds / 3600)} h`;
  return `about ${Math.round(seconds / 86_400)} days`;
}

/**
 * Seconds per block over the last `span` blocks, for countdowns (1 on the local chain, ~0.25 on Arbitrum). Falls back
 * to `fallbackS` on a chain too young to measure.
 */
export async function measureBlockTimeS(client: Pick<PublicClient, "getBlock">, span = 100n, fallbackS = 12): Promise<number> {
  const latest = await client.getBlock();
  if (latest.number === null || latest.number === 0n) return fallbackS;
  const from = latest.number > span ? latest.number - span : 0n;
  const earlier = await client.getBlock({ blockNumber: from });
  const blocks = Number(latest.number - from);
  const seconds = Number(latest.timestamp - earlier.timestamp);
  return blocks > 0 && seconds > 0 ? seconds / blocks : fallbackS;
}
