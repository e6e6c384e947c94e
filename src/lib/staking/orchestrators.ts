// The delegators' orchestrator table: every ServiceRegistry entry with its stake, cuts, announced cut change, fee
// ratio, reward calls made and missed, and slashes, read at one block; plus the pure sort and filter helpers.
import { getAddress, type Address, type PublicClient } from "viem";
import { bondingManagerAbi, roundsManagerAbi, serviceRegistryAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { DEFAULT_PAGE_SIZE, readRegistry, RegistryUnreadable } from "../broadcaster/discovery.ts";
import { initializedRounds, readStakingEvents, type BondingLog, type StakingEvents } from "./events.ts";

/** One LPT in wei (18 decimals): the unit the fee ratio is given per. */
export const LPT_WEI = 10n ** 18n;
/** Completed rounds the fee ratio and the reward-call count look back over, by default. */
export const DEFAULT_RECENT_ROUNDS = 30;

/** A cut change the orchestrator announced that is not in force yet (the contracts' defence against squeezing). */
export interface PendingCut {
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
  /** The round from which it applies; delegators who leave before then never earn under it. */
  effectiveRound: bigint;
  /** A higher rewardCut or a lower feeShare than now (the contract only delays such changes, so normally true). */
  worseForDelegators: boolean;
}

/**
 * ETH fees earned per LPT staked, over the completed rounds [fromRound, toRound].
 * The ratio is `feesWei / (stakeWei * rounds)` kept as a fraction; `weiPerLptPerRound` is it times 1 LPT, rounded down:
 * the wei of fees one whole LPT of the orchestrator's current total stake stood behind in an average recent round.
 */
export interface FeeRatio {
  fromRound: bigint;
  toRound: bigint;
  /** Rounds in the window (0 when no round has completed yet). */
  rounds: number;
  /** Every fee the orchestrator was credited in the window (TranscoderFees.fees), its commission included. */
  feesWei: bigint;
  /** The part of feesWei passed to its delegators (feeShare). */
  delegatorsFeesWei: bigint;
  /** Its total stake now: the stake a new delegator would share the fees with. */
  stakeWei: bigint;
  /** feesWei * LPT_WEI / (stakeWei * rounds); 0n when there is no stake or no round. */
  weiPerLptPerRound: bigint;
}

/** Reward calls over the completed rounds [sinceRound, throughRound]. */
export interface RewardCalls {
  /** Rounds in the window in which it called reward(). */
  made: number;
  /** Rounds in the window that were initialized and in which it was active, but it did not call reward(). */
  missed: number;
  /** made + missed: the rounds in which a call was due. */
  due: number;
  sinceRound: bigint;
  throughRound: bigint;
  /** Whether it already called reward() in the current round (which is not counted either way: it still may). */
  calledThisRound: boolean;
}

export interface Slashes {
  count: number;
  /** LPT wei taken from its own bond over all its slashes. */
  penaltyTotal: bigint;
}

export interface OrchestratorRow {
  address: Address;
  /** As registered (unvalidated: it is shown, not fetched). */
  serviceURI: string;
  services: { id: string; verifier: Address }[];
  regions: string[];
  /** Everything bonded to it (its own and its delegators', pending stake included), LPT wei. */
  totalStake: bigint;
  /** Its own bond, rewards not yet claimed included. */
  selfStake: bigint;
  /** totalStake - selfStake. */
  delegatedStake: bigint;
  /** In force now (an announced change whose round has come counts as in force). */
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
  pendingCut: PendingCut | null;
  /** In the current round's active set. */
  active: boolean;
  /** Bonded to itself with a non-zero bond. */
  registered: boolean;
  feeRatio: FeeRatio;
  rewardCalls: RewardCalls;
  slashes: Slashes;
  /** 0n when it never called reward(). */
  lastRewardRound: bigint;
}

export interface OrchestratorTable {
  rows: OrchestratorRow[];
  currentRound: bigint;
  /** The block every value was read at. */
  blockNumber: bigint;
  recentRounds: number;
}

export interface ReadTableOptions {
  /** Completed rounds the fee ratio and reward calls cover; default DEFAULT_RECENT_ROUNDS. */
  recentRounds?: number;
  /** Read at this block; default the latest. */
  blockNumber?: bigint;
  /** Already-read events up to blockNumber (e.g. shared with the history view); read here when absent. */
  events?: StakingEvents;
  /** Registry entries per eth_call; default discovery's DEFAULT_PAGE_SIZE. */
  pageSize?: number;
  /** Blocks per eth_getLogs call. */
  chunkBlocks?: bigint;
}

type StakingClient = Pick<PublicClient, "readContract" | "getContractEvents" | "getBlockNumber">;

// ---------------------------------------------------------------------------------------------------- pure parts

/** Whether a cut change is worse for delegators: they keep less of the rewards or get less of the fees. */
export function isWorseForDelegators(now: { rewardCutPpm: bigint; feeSharePpm: bigint }, next: { rewardCutPpm: bigint; feeSharePpm: bigint }): boolean {
  return next.rewardCutPpm > now.rewardCutPpm || next.feeSharePpm < now.feeSharePpm;
}

/** The completed rounds a look-back of `recentRounds` covers: [currentRound - recentRounds, currentRound - 1], from 0. */
export function recentWindow(currentRound: bigint, recentRounds: number): { fromRound: bigint; toRound: bigint; rounds: number } {
  if (!Number.isSafeInteger(recentRounds) || recentRounds < 1) throw new RangeError(`recentRounds is ${recentRounds}; it must be a whole number, 1 or more`);
  const toRound = currentRound - 1n;
  const wanted = currentRound - BigInt(recentRounds);
  const fromRound = wanted > 0n ? wanted : 0n;
  return { fromRound, toRound, rounds: toRound < fromRound ? 0 : Number(toRound - fromRound + 1n) };
}

/**
 * The rounds in which `orchestrator` was in the active set, as half-open [from, until) intervals (until undefined:
 * still active), from its TranscoderActivated/Deactivated events in chain order. Each event names the round from
 * which it applies, so a join and a leave in the same round cancel out.
 */
export function activeIntervals(logs: readonly BondingLog[], orchestrator: Address): { from: bigint; until: bigint | undefined }[] {
  const out: { from: bigint; until: bigint | undefined }[] = [];
  let openFrom: bigint | undefined;
  for (const log of logs) {
    if (log.eventName === "TranscoderActivated" && sameAddress(log.args.transcoder, orchestrator)) {
      openFrom ??= log.args.activationRound;
    } else if (log.eventName === "TranscoderDeactivated" && sameAddress(log.args.transcoder, orchestrator)) {
      if (openFrom !== undefined && log.args.deactivationRound > openFrom) out.push({ from: openFrom, until: log.args.deactivationRound });
      openFrom = undefined;
    }
  }
  if (openFrom !== undefined) out.push({ from: openFrom, until: undefined });
  return out;
}

function activeIn(intervals: readonly { from: bigint; until: bigint | undefined }[], round: bigint): boolean {
  return intervals.some((i) => round >= i.from && (i.until === undefined || round < i.until));
}

/**
 * Reward calls made and missed over the window. A round counts as due only if someone initialized it (nobody can call
 * reward() in a round that was never initialized) and the orchestrator was active in it.
 */
export function rewardCallsFrom(
  events: Pick<StakingEvents, "bonding" | "newRounds">,
  orchestrator: Address,
  currentRound: bigint,
  recentRounds: number,
): RewardCalls {
  const { fromRound, toRound } = recentWindow(currentRound, recentRounds);
  const initialized = new Set(initializedRounds(events.newRounds).map((r) => r.round));
  const intervals = activeIntervals(events.bonding, orchestrator);
  const rewarded = new Set<bigint>();
  for (const log of events.bonding) {
    if (log.eventName === "Reward" && sameAddress(log.args.transcoder, orchestrator)) rewarded.add(log.args.round);
  }
  let made = 0;
  let missed = 0;
  for (let round = fromRound; round <= toRound; round++) {
    if (rewarded.has(round)) made++;
    else if (initialized.has(round) && activeIn(intervals, round)) missed++;
  }
  return { made, missed, due: made + missed, sinceRound: fromRound, throughRound: toRound, calledThisRound: rewarded.has(currentRound) };
}

/** The fee ratio over the window, from TranscoderFees events (which carry their round) and the current total stake. */
export function feeRatioFrom(
  logs: readonly BondingLog[],
  orchestrator: Address,
  stakeWei: bigint,
  currentRound: bigint,
  recentRounds: number,
): FeeRatio {
  const { fromRound, toRound, rounds } = recentWindow(currentRound, recentRounds);
  let feesWei = 0n;
  let delegatorsFeesWei = 0n;
  for (const log of logs) {
    if (log.eventName !== "TranscoderFees" || !sameAddress(log.args.transcoder, orchestrator)) continue;
    if (log.args.round < fromRound || log.args.round > toRound) continue;
    feesWei += log.args.fees;
    delegatorsFeesWei += log.args.delegatorsFees;
  }
  const denominator = stakeWei * BigInt(rounds);
  return { fromRound, toRound, rounds, feesWei, delegatorsFeesWei, stakeWei, weiPerLptPerRound: denominator === 0n ? 0n : (feesWei * LPT_WEI) / denominator };
}

/** Total LPT its slashes took, from TranscoderSlashed events (the count comes from the contract). */
export function slashPenaltyTotal(logs: readonly BondingLog[], orchestrator: Address): bigint {
  let total = 0n;
  for (const log of logs) if (log.eventName === "TranscoderSlashed" && sameAddress(log.args.transcoder, orchestrator)) total += log.args.penalty;
  return total;
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------- sort and filter

export type OrchestratorSortKey =
  | "totalStake"
  | "selfStake"
  | "delegatedStake"
  | "rewardCutPpm"
  | "feeSharePpm"
  | "feeRatio"
  | "rewardCallsMissed"
  | "rewardCallsMade"
  | "slashes"
  | "lastRewardRound"
  | "address";
export type SortDirection = "asc" | "desc";

const sortValue: Record<OrchestratorSortKey, (row: OrchestratorRow) => bigint | string> = {
  totalStake: (r) => r.totalStake,
  selfStake: (r) => r.selfStake,
  delegatedStake: (r) => r.delegatedStake,
  rewardCutPpm: (r) => r.rewardCutPpm,
  feeSharePpm: (r) => r.feeSharePpm,
  feeRatio: (r) => r.feeRatio.weiPerLptPerRound,
  rewardCallsMissed: (r) => BigInt(r.rewardCalls.missed),
  rewardCallsMade: (r) => BigInt(r.rewardCalls.made),
  slashes: (r) => BigInt(r.slashes.count),
  lastRewardRound: (r) => r.lastRewardRound,
  address: (r) => r.address.toLowerCase(),
};

/** A new array sorted by `key`; rows that tie keep their input order in either direction. */
export function sortOrchestratorRows(rows: readonly OrchestratorRow[], key: OrchestratorSortKey, direction: SortDirection = "desc"): OrchestratorRow[] {
  const value = sortValue[key];
  const sign = direction === "asc" ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => (a.v < b.v ? -sign : a.v > b.v ? sign : a.index - b.index))
    .map((x) => x.row);
}

export interface OrchestratorFilter {
  /** Lists this service id. */
  service?: string;
  /** Lists this region. */
  region?: string;
  activeOnly?: boolean;
  registeredOnly?: boolean;
  minTotalStakeWei?: bigint;
  /** At most this rewardCut, now and in any announced change. */
  maxRewardCutPpm?: bigint;
  /** At least this feeShare, now and in any announced change. */
  minFeeSharePpm?: bigint;
  /** Hide orchestrators that were ever slashed. */
  hideSlashed?: boolean;
  /** Hide orchestrators that missed any reward call in the window. */
  hideMissedRewards?: boolean;
  /** Case-insensitive substring of the address or service URI. */
  text?: string;
}

/** The rows that pass every given criterion, in their input order. */
export function filterOrchestratorRows(rows: readonly OrchestratorRow[], filter: OrchestratorFilter): OrchestratorRow[] {
  const text = filter.text?.trim().toLowerCase();
  return rows.filter((r) => {
    if (filter.service !== undefined && filter.service !== "" && !r.services.some((s) => s.id === filter.service)) return false;
    if (filter.region !== undefined && filter.region !== "" && !r.regions.includes(filter.region)) return false;
    if (filter.activeOnly && !r.active) return false;
    if (filter.registeredOnly && !r.registered) return false;
    if (filter.minTotalStakeWei !== undefined && r.totalStake < filter.minTotalStakeWei) return false;
    // A delegator choosing by cut cares about the cut it will get, so an announced change counts too.
    if (filter.maxRewardCutPpm !== undefined && (r.rewardCutPpm > filter.maxRewardCutPpm || (r.pendingCut && r.pendingCut.rewardCutPpm > filter.maxRewardCutPpm))) return false;
    if (filter.minFeeSharePpm !== undefined && (r.feeSharePpm < filter.minFeeSharePpm || (r.pendingCut && r.pendingCut.feeSharePpm < filter.minFeeSharePpm))) return false;
    if (filter.hideSlashed && r.slashes.count > 0) return false;
    if (filter.hideMissedRewards && r.rewardCalls.missed > 0) return false;
    if (text && !r.address.toLowerCase().includes(text) && !r.serviceURI.toLowerCase().includes(text)) return false;
    return true;
  });
}

/** Every service id and region the rows list, sorted: the choices of the table's filters. */
export function filterChoices(rows: readonly OrchestratorRow[]): { services: string[]; regions: string[] } {
  const services = new Set<string>();
  const regions = new Set<string>();
  for (const r of rows) {
    for (const s of r.services) services.add(s.id);
    for (const region of r.regions) regions.add(region);
  }
  return { services: [...services].sort(), regions: [...regions].sort() };
}

// ---------------------------------------------------------------------------------------------------- reading

/** What a row needs of a registry entry (getOrchestrators gives more, getOrchestrator as much). */
type RegistryEntry = { addr: Address; serviceURI: string; services: readonly { id: string; verifier: Address }[]; regions: readonly string[] };


/** The BondingManager's view of one orchestrator at `blockNumber`, as a row (events give the rest). */
async function readRow(
  client: StakingClient,
  deployments: Pick<Deployments, "contracts">,
  entry: RegistryEntry,
  events: StakingEvents,
  currentRound: bigint,
  recentRounds: number,
  blockNumber: bigint,
): Promise<OrchestratorRow> {
  const bondingManager = deployments.contracts.BondingManager;
  const address = getAddress(entry.addr);
  const [t, [pendingRewardCut, pendingFeeShare, effectiveRound], ownStake] = await Promise.all([
    client.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: "getTranscoder", args: [address], blockNumber }),
    client.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: "pendingCuts", args: [address], blockNumber }),
    client.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: "pendingStake", args: [address], blockNumber }),
  ]);
  // Registered means bonded to itself, so its pendingStake is its self-bond; otherwise its stake (if any) is elsewhere.
  const selfStake = t.registered ? (ownStake < t.totalStake ? ownStake : t.totalStake) : 0n;
  const now = { rewardCutPpm: t.rewardCutPpm, feeSharePpm: t.feeSharePpm };
  const pendingCut: PendingCut | null =
    effectiveRound === 0n
      ? null
      : { rewardCutPpm: pendingRewardCut, feeSharePpm: pendingFeeShare, effectiveRound, worseForDelegators: isWorseForDelegators(now, { rewardCutPpm: pendingRewardCut, feeSharePpm: pendingFeeShare }) };
  return {
    address,
    serviceURI: entry.serviceURI,
    services: entry.services.map(({ id, verifier }) => ({ id, verifier })),
    regions: [...entry.regions],
    totalStake: t.totalStake,
    selfStake,
    delegatedStake: t.totalStake - selfStake,
    ...now,
    pendingCut,
    active: t.active,
    registered: t.registered,
    feeRatio: feeRatioFrom(events.bonding, address, t.totalStake, currentRound, recentRounds),
    rewardCalls: rewardCallsFrom(events, address, currentRound, recentRounds),
    slashes: { count: Number(t.slashCount), penaltyTotal: slashPenaltyTotal(events.bonding, address) },
    lastRewardRound: t.lastRewardRound,
  };
}

async function snapshot(client: StakingClient, deployments: Pick<Deployments, "contracts" | "deployedAtBlock">, options: ReadTableOptions) {
  const blockNumber = options.blockNumber ?? options.events?.toBlock ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const recentRounds = options.recentRounds ?? DEFAULT_RECENT_ROUNDS;
  recentWindow(0n, recentRounds); // validates it before any read
  const [currentRound, events] = await Promise.all([
    client.readContract({ address: deployments.contracts.RoundsManager, abi: roundsManagerAbi, functionName: "currentRound", blockNumber }),
    options.events ?? readStakingEvents(client, deployments, { toBlock: blockNumber, ...(options.chunkBlocks ? { chunkBlocks: options.chunkBlocks } : {}) }),
  ]);
  return { blockNumber, recentRounds, currentRound, events };
}

/**
 * The whole registry as table rows, in registry order, every value read at one block.
 * @throws RegistryUnreadable, StakingEventsUnreadable, or viem's error when a BondingManager read fails
 */
export async function readOrchestratorTable(
  client: StakingClient,
  deployments: Pick<Deployments, "contracts" | "deployedAtBlock">,
  options: ReadTableOptions = {},
): Promise<OrchestratorTable> {
  const { blockNumber, recentRounds, currentRound, events } = await snapshot(client, deployments, options);
  const entries = await readRegistry(client, deployments.contracts.ServiceRegistry, options.pageSize ?? DEFAULT_PAGE_SIZE, blockNumber);
  const rows = await Promise.all(entries.map((e) => readRow(client, deployments, e, events, currentRound, recentRounds, blockNumber)));
  return { rows, currentRound, blockNumber, recentRounds };
}

/**
 * One orchestrator's row (it need not be listed in the registry: its URI, services and regions are then empty).
 * @throws as readOrchestratorTable
 */
export async function readOrchestratorRow(
  client: StakingClient,
  deployments: Pick<Deployments, "contracts" | "deployedAtBlock">,
  address: Address,
  options: ReadTableOptions = {},
): Promise<{ row: OrchestratorRow; currentRound: bigint; blockNumber: bigint; recentRounds: number }> {
  const { blockNumber, recentRounds, currentRound, events } = await snapshot(client, deployments, options);
  const registry = deployments.contracts.ServiceRegistry;
  let entry: RegistryEntry;
  try {
    entry = await client.readContract({ address: registry, abi: serviceRegistryAbi, functionName: "getOrchestrator", args: [address], blockNumber });
  } catch (cause) {
    const reason = cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
    throw new RegistryUnreadable({ registry, offset: 0, reason }, { cause });
  }
  const row = await readRow(client, deployments, { ...entry, addr: address }, events, currentRound, recentRounds, blockNumber);
  return { row, currentRound, blockNumber, recentRounds };
}
