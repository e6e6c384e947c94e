// The staking calculator: the LPT and ETH a delegator can expect per round for an amount bonded to an orchestrator,
// from its cuts, its share of the round's mintable LPT and its recent fees; plus the reader of those chain inputs.
//
// The formula, for the round R after the bond starts earning (stake bonded in round R-1 earns from R), in wei with
// every division rounded down in the order the contracts round:
//   S  = the orchestrator's total stake, with the amount a (S = stake + a, or stake when a is already bonded there)
//   T  = the next round's total active stake, with the same change
//   M  = mintable LPT of round R = supply * inflation_R / 1e9, where inflation_R is this round's inflation moved one
//        step (inflationChange) toward the target bonding rate, as the Minter does when R is initialized
//   reward        = M * S / T                      (what the orchestrator's reward() in R mints; 0 if not active)
//   rewardCut     = reward * rewardCutPpm / 1e6    (the orchestrator keeps this)
//   yours (LPT)   = (reward - rewardCut) * a / S   (delegators share the rest pro rata, the orchestrator's own bond too)
//   F             = fees per round, the orchestrator's recent average
//   delegatorFees = F * feeSharePpm / 1e6
//   yours (ETH)   = delegatorFees * a / S
// The "others" parts are the remainders, so yours + others + the orchestrator's cut is exactly the round's total.
// It is an expectation: the orchestrator must call reward() in R, and fees follow the work it gets, not a schedule.
import type { Address, PublicClient } from "viem";
import { bondingManagerAbi, livepeerTokenAbi, minterAbi, roundsManagerAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { PPM } from "../protocol/winprob.ts";
import type { FeeRatio } from "./orchestrators.ts";

/** Parts per billion: the Minter's unit for inflation and the bonding rate. */
export const PPB = 1_000_000_000n;

/** What the estimate is computed from: the chain's state now, and the orchestrator's recent fees. */
export interface CalculatorInputs {
  /** The round the estimate is for: the one after the current round (where a bond made now starts earning). */
  round: bigint;
  /** Everything bonded to the orchestrator now (it carries into the next round). */
  orchestratorStakeWei: bigint;
  registered: boolean;
  /** Cuts in force in `round` (an announced change due by then already applied). */
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
  /** The next round's total active stake as it stands now. */
  nextRoundTotalActiveStakeWei: bigint;
  minActiveStakeWei: bigint;
  totalSupplyWei: bigint;
  totalBondedWei: bigint;
  inflationPpb: bigint;
  inflationChangePpb: bigint;
  targetBondingRatePpb: bigint;
  /** The orchestrator's average ETH fees per round recently (see feesPerRoundWei). */
  feesWeiPerRound: bigint;
}

export interface EarningsEstimate {
  round: bigint;
  /** Whether the orchestrator is in the active set in `round` with this bond (no reward otherwise). */
  active: boolean;
  /** The orchestrator's stake and the total active stake in `round`, with the amount. */
  orchestratorStakeWei: bigint;
  totalActiveStakeWei: bigint;
  /** The round's mintable LPT, projected. */
  mintableWei: bigint;
  /** LPT the orchestrator's reward() mints in the round, and how it splits. */
  rewardWei: bigint;
  orchestratorRewardCutWei: bigint;
  yourLptWei: bigint;
  otherStakersLptWei: bigint;
  /** ETH fees assumed for the round, and how they split. */
  feesWei: bigint;
  orchestratorFeeCutWei: bigint;
  yourEthWei: bigint;
  otherStakersEthWei: bigint;
}

/** A calculator input out of range. */
export class InvalidCalculatorInput extends Error {
  override name = "InvalidCalculatorInput";
  readonly field: string;

  constructor(field: string, value: bigint, expected: string) {
    super(`calculator: ${field} is ${value}; it must be ${expected}. Enter another amount or reload the orchestrator's data.`);
    this.field = field;
  }
}

/** The Minter's inflation after one round initialization (Minter._adjustInflation), in ppb. */
export function nextInflationPpb(i: Pick<CalculatorInputs, "totalSupplyWei" | "inflationPpb" | "inflationChangePpb" | "targetBondingRatePpb">, totalBondedWei: bigint): bigint {
  const bondingRate = i.totalSupplyWei === 0n ? 0n : (totalBondedWei * PPB) / i.totalSupplyWei;
  if (bondingRate < i.targetBondingRatePpb) return i.inflationPpb + i.inflationChangePpb;
  if (bondingRate > i.targetBondingRatePpb) return i.inflationChangePpb > i.inflationPpb ? 0n : i.inflationPpb - i.inflationChangePpb;
  return i.inflationPpb;
}

/**
 * Expected earnings per round for `amountWei` bonded to the orchestrator (formula at the top of this file).
 * @param bondedAlready the amount is already bonded to it (a current delegator's view): stakes and totals stay as read
 * @throws InvalidCalculatorInput for a negative amount or ppm values above 100%
 */
export function expectedEarningsPerRound(inputs: CalculatorInputs, amountWei: bigint, options: { bondedAlready?: boolean } = {}): EarningsEstimate {
  if (amountWei < 0n) throw new InvalidCalculatorInput("amountWei", amountWei, "0 or more");
  if (inputs.rewardCutPpm < 0n || inputs.rewardCutPpm > PPM) throw new InvalidCalculatorInput("rewardCutPpm", inputs.rewardCutPpm, "between 0 and 1000000");
  if (inputs.feeSharePpm < 0n || inputs.feeSharePpm > PPM) throw new InvalidCalculatorInput("feeSharePpm", inputs.feeSharePpm, "between 0 and 1000000");
  if (inputs.feesWeiPerRound < 0n) throw new InvalidCalculatorInput("feesWeiPerRound", inputs.feesWeiPerRound, "0 or more");
  const added = options.bondedAlready ? 0n : amountWei;
  const stakeBefore = inputs.orchestratorStakeWei;
  const stake = stakeBefore + added;
  // The open active set: registered with at least minActiveStake (MixinActiveSet._setDelegatedAmount).
  const activeBefore = inputs.registered && stakeBefore >= inputs.minActiveStakeWei;
  const active = inputs.registered && stake >= inputs.minActiveStakeWei;
  const total = inputs.nextRoundTotalActiveStakeWei - (activeBefore ? stakeBefore : 0n) + (active ? stake : 0n);
  const mintableWei = (inputs.totalSupplyWei * nextInflationPpb(inputs, inputs.totalBondedWei + added)) / PPB;

  const rewardWei = active && total > 0n ? (mintableWei * stake) / total : 0n;
  const orchestratorRewardCutWei = (rewardWei * inputs.rewardCutPpm) / PPM;
  const rewardPool = rewardWei - orchestratorRewardCutWei;
  const yourLptWei = stake === 0n ? 0n : (rewardPool * amountWei) / stake;

  const feesWei = inputs.feesWeiPerRound;
  const delegatorsFees = stake === 0n ? 0n : (feesWei * inputs.feeSharePpm) / PPM;
  const yourEthWei = stake === 0n ? 0n : (delegatorsFees * amountWei) / stake;

  return {
    round: inputs.round,
    active,
    orchestratorStakeWei: stake,
    totalActiveStakeWei: total,
    mintableWei,
    rewardWei,
    orchestratorRewardCutWei,
    yourLptWei,
    otherStakersLptWei: rewardPool - yourLptWei,
    feesWei,
    orchestratorFeeCutWei: feesWei - delegatorsFees,
    yourEthWei,
    otherStakersEthWei: delegatorsFees - yourEthWei,
  };
}

/** Average fees per round over a fee ratio's window (0n when the window is empty). */
export function feesPerRoundWei(feeRatio: Pick<FeeRatio, "feesWei" | "rounds">): bigint {
  return feeRatio.rounds === 0 ? 0n : feeRatio.feesWei / BigInt(feeRatio.rounds);
}

/**
 * Reads the calculator's chain inputs for `orchestrator` at one block.
 * @param feesWeiPerRound its recent fees per round (feesPerRoundWei(row.feeRatio)); the chain has no such figure
 */
export async function readCalculatorInputs(
  client: Pick<PublicClient, "readContract" | "getBlockNumber">,
  deployments: Pick<Deployments, "contracts">,
  orchestrator: Address,
  options: { feesWeiPerRound: bigint; blockNumber?: bigint },
): Promise<CalculatorInputs> {
  const blockNumber = options.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
  const { BondingManager, Minter, LivepeerToken, RoundsManager } = deployments.contracts;
  const bm = { address: BondingManager, abi: bondingManagerAbi, blockNumber } as const;
  const minter = { address: Minter, abi: minterAbi, blockNumber } as const;
  const [currentRound, t, pending, nextTotal, minActive, totalBonded, supply, inflation, inflationChange, target] = await Promise.all([
    client.readContract({ address: RoundsManager, abi: roundsManagerAbi, functionName: "currentRound", blockNumber }),
    client.readContract({ ...bm, functionName: "getTranscoder", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "pendingCuts", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "nextRoundTotalActiveStake" }),
    client.readContract({ ...bm, functionName: "minActiveStake" }),
    client.readContract({ ...bm, functionName: "getTotalBonded" }),
    client.readContract({ address: LivepeerToken, abi: livepeerTokenAbi, functionName: "totalSupply", blockNumber }),
    client.readContract({ ...minter, functionName: "inflation" }),
    client.readContract({ ...minter, functionName: "inflationChange" }),
    client.readContract({ ...minter, functionName: "targetBondingRate" }),
  ]);
  const round = currentRound + 1n;
  const [pendingRewardCut, pendingFeeShare, effectiveRound] = pending;
  // An announced change due by the estimated round is what that round pays under.
  const due = effectiveRound !== 0n && effectiveRound <= round;
  return {
    round,
    orchestratorStakeWei: t.totalStake,
    registered: t.registered,
    rewardCutPpm: due ? pendingRewardCut : t.rewardCutPpm,
    feeSharePpm: due ? pendingFeeShare : t.feeSharePpm,
    nextRoundTotalActiveStakeWei: nextTotal,
    minActiveStakeWei: minActive,
    totalSupplyWei: supply,
    totalBondedWei: totalBonded,
    inflationPpb: inflation,
    inflationChangePpb: inflationChange,
    targetBondingRatePpb: target,
    feesWeiPerRound: options.feesWeiPerRound,
  };
}
