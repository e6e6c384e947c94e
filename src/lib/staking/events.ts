// Reading the staking contracts' events from the deployment block on, in block-range chunks (real RPCs cap
// eth_getLogs ranges and result sizes), so that the same code reads a local Hardhat node and Arbitrum.
import type { Address, GetContractEventsReturnType, PublicClient } from "viem";
import { bondingManagerAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { ProtocolError } from "../protocol/errors.ts";

/** Blocks per eth_getLogs call: inside the ranges public RPCs accept (Alchemy/Infura-style caps are 2k–10k+). */
export const DEFAULT_LOG_CHUNK_BLOCKS = 5_000n;
/** How many times a failing chunk is halved before the read gives up: covers a cap 2^6 = 64 times below the chunk. */
const MAX_CHUNK_HALVINGS = 6;

/** Every BondingManager event, decoded (strict: logs that do not decode are dropped rather than half-read). */
export type BondingLog = GetContractEventsReturnType<typeof bondingManagerAbi, undefined, true>[number];
/** A RoundsManager NewRound event: marks the block at which a round was initialized. */
export type NewRoundLog = GetContractEventsReturnType<typeof roundsManagerAbi, "NewRound", true>[number];

/** The events the staking views are built from, all read up to the same block. */
export interface StakingEvents {
  /** In chain order (block, then log index). */
  bonding: BondingLog[];
  /** In chain order. */
  newRounds: NewRoundLog[];
  fromBlock: bigint;
  toBlock: bigint;
}

export interface ChunkedReadOptions {
  /** First block to read; default the deployments file's deployedAtBlock (0 when absent). */
  fromBlock?: bigint;
  /** Last block to read (inclusive); default the latest block. */
  toBlock?: bigint;
  /** Blocks per call; default DEFAULT_LOG_CHUNK_BLOCKS. */
  chunkBlocks?: bigint;
}

/** The chain's logs could not be read even in small chunks. */
export class StakingEventsUnreadable extends ProtocolError<{ contract: Address; fromBlock: bigint; toBlock: bigint; reason: string }> {
  override name = "StakingEventsUnreadable";

  constructor(data: { contract: Address; fromBlock: bigint; toBlock: bigint; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "STAKING_EVENTS_UNREADABLE",
        message: `Could not read the events of ${data.contract} in blocks ${data.fromBlock}–${data.toBlock}: ${data.reason}`,
        nextStep:
          "Check that the RPC in the deployments file is reachable and serves eth_getLogs for old blocks (an archive " +
          "or full node; some free tiers serve only recent blocks), then reload.",
        data,
      },
      options,
    );
  }
}

/** Where the deployment's events start. */
export function eventsFromBlock(deployments: Pick<Deployments, "deployedAtBlock">): bigint {
  return BigInt(deployments.deployedAtBlock ?? 0);
}

/**
 * Calls `read(from, to)` over [fromBlock, toBlock] in ranges of at most `chunkBlocks`, in order, and concatenates the
 * results. A range the RPC refuses (too wide, too many results) is halved and retried, up to MAX_CHUNK_HALVINGS times.
 * @throws StakingEventsUnreadable when a range still fails at the smallest size
 */
export async function readInChunks<T>(
  contract: Address,
  fromBlock: bigint,
  toBlock: bigint,
  chunkBlocks: bigint,
  read: (from: bigint, to: bigint) => Promise<readonly T[]>,
): Promise<T[]> {
  if (chunkBlocks < 1n) throw new RangeError(`chunkBlocks is ${chunkBlocks}; it must be 1 or more`);
  const out: T[] = [];
  let size = chunkBlocks;
  let halvings = 0;
  for (let from = fromBlock; from <= toBlock; ) {
    const to = from + size - 1n < toBlock ? from + size - 1n : toBlock;
    try {
      out.push(...(await read(from, to)));
    } catch (cause) {
      if (halvings >= MAX_CHUNK_HALVINGS || size === 1n) {
        const reason = cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
        throw new StakingEventsUnreadable({ contract, fromBlock: from, toBlock: to, reason }, { cause });
      }
      size = size / 2n > 0n ? size / 2n : 1n;
      halvings++;
      continue;
    }
    from = to + 1n;
  }
  return out;
}

/**
 * Every BondingManager event and every NewRound, from the deployment block (or `fromBlock`) to `toBlock`.
 * @throws StakingEventsUnreadable
 */
export async function readStakingEvents(
  client: Pick<PublicClient, "getContractEvents" | "getBlockNumber">,
  deployments: Pick<Deployments, "contracts" | "deployedAtBlock">,
  options: ChunkedReadOptions = {},
): Promise<StakingEvents> {
  const fromBlock = options.fromBlock ?? eventsFromBlock(deployments);
  const toBlock = options.toBlock ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const chunk = options.chunkBlocks ?? DEFAULT_LOG_CHUNK_BLOCKS;
  const { BondingManager, RoundsManager } = deployments.contracts;
  const [bonding, newRounds] = await Promise.all([
    readInChunks(BondingManager, fromBlock, toBlock, chunk, (from, to) =>
      client.getContractEvents({ address: BondingManager, abi: bondingManagerAbi, fromBlock: from, toBlock: to, strict: true }),
    ),
    readInChunks(RoundsManager, fromBlock, toBlock, chunk, (from, to) =>
      client.getContractEvents({ address: RoundsManager, abi: roundsManagerAbi, eventName: "NewRound", fromBlock: from, toBlock: to, strict: true }),
    ),
  ]);
  return { bonding, newRounds, fromBlock, toBlock };
}

/**
 * The round a block belongs to, from NewRound events: the latest round initialized at or before it. Every stake change
 * needs its round initialized, so this is exact for the events that carry no round (Bond, Unbond, slashes, cuts).
 * Returns undefined for a block before the first initialized round.
 */
export function roundAtBlock(newRounds: readonly { blockNumber: bigint; round: bigint }[]): (block: bigint) => bigint | undefined {
  const sorted = [...newRounds].sort((a, b) => (a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : 0));
  return (block) => {
    let lo = 0;
    let hi = sorted.length - 1;
    let found: bigint | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const entry = sorted[mid]!;
      if (entry.blockNumber <= block) {
        found = entry.round;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** NewRound logs as { blockNumber, round } pairs, for roundAtBlock. */
export function initializedRounds(newRounds: readonly NewRoundLog[]): { blockNumber: bigint; round: bigint }[] {
  return newRounds.map((log) => ({ blockNumber: log.blockNumber, round: log.args.round }));
}
