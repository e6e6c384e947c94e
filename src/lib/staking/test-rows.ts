// Test fixtures for the staking views: a table row with overridable fields, and decoded BondingManager logs.
import type { Address } from "viem";
import type { BondingLog, NewRoundLog } from "./events.ts";
import type { OrchestratorRow } from "./orchestrators.ts";

export const ORCH_A: Address = "0x00000000000000000000000000000000000000A1";
export const ORCH_B: Address = "0x00000000000000000000000000000000000000B2";
export const DELEGATOR: Address = "0x00000000000000000000000000000000000000D4";
export const ZERO: Address = "0x0000000000000000000000000000000000000000";

export function row(overrides: Partial<OrchestratorRow> = {}): OrchestratorRow {
  return {
    address: ORCH_A,
    serviceURI: "http://127.0.0.1:8935",
    services: [{ id: "CPUTranscoding", verifier: ZERO }],
    regions: ["eu-west"],
    totalStake: 1_000n,
    selfStake: 600n,
    delegatedStake: 400n,
    rewardCutPpm: 100_000n,
    feeSharePpm: 500_000n,
    pendingCut: null,
    active: true,
    registered: true,
    feeRatio: { fromRound: 1n, toRound: 10n, rounds: 10, feesWei: 0n, delegatorsFeesWei: 0n, stakeWei: 1_000n, weiPerLptPerRound: 0n },
    rewardCalls: { made: 10, missed: 0, due: 10, sinceRound: 1n, throughRound: 10n, calledThisRound: false },
    slashes: { count: 0, penaltyTotal: 0n },
    lastRewardRound: 10n,
    ...overrides,
  };
}

let logIndex = 0;

/** A decoded BondingManager log as viem returns it (strict), in block `blockNumber`. */
export function log<E extends BondingLog["eventName"]>(eventName: E, args: Extract<BondingLog, { eventName: E }>["args"], blockNumber = 1n): BondingLog {
  return {
    eventName,
    args,
    address: ZERO,
    blockHash: "0x00",
    blockNumber,
    data: "0x",
    logIndex: logIndex++,
    removed: false,
    topics: [],
    transactionHash: "0x00",
    transactionIndex: 0,
  } as unknown as BondingLog;
}

/** A NewRound log: `round` initialized in block `blockNumber`. */
export function newRound(round: bigint, blockNumber: bigint): NewRoundLog {
  return { eventName: "NewRound", args: { round, blockHash: "0x00" }, blockNumber } as unknown as NewRoundLog;
}
