// Protocol parameters per network: named, with units, so that a deployment says exactly what it chose.
import { parseEther, type Address } from "viem";

/** One LPT in wei (18 decimals). */
export const LPT = 10n ** 18n;

export interface ProtocolParams {
  /** Round length in blocks. */
  roundLengthBlocks: bigint;
  /** Rounds between unbond and withdrawStake. */
  unbondingPeriodRounds: bigint;
  /** Total stake (LPT wei) at which an orchestrator is active: the open active set's only rule. */
  minActiveStake: bigint;
  /** Rounds a worse rewardCut/feeShare waits before it takes effect (delegator-squeezing defence). */
  cutNoticePeriodRounds: bigint;
  /** Starting inflation per round, parts per billion of LPT supply. */
  inflationPpb: bigint;
  /** Per-round move of inflation toward the target bonding rate, ppb. */
  inflationChangePpb: bigint;
  /** Target share of LPT supply bonded, ppb. */
  targetBondingRatePpb: bigint;
  /** Rounds a sender waits between unlock() and withdraw(). Must exceed ticketValidityPeriodRounds. */
  unlockPeriodRounds: bigint;
  /** Rounds after its creation round during which a ticket can be redeemed. */
  ticketValidityPeriodRounds: bigint;
  /** LPT minted to the deployer at deployment (the genesis allocation it then distributes). */
  genesisSupply: bigint;
  /** FaultVerifier: rounds after a receipt's round during which it may be challenged. */
  challengeWindowRounds: bigint;
  /** FaultVerifier: the exact ETH bond of a challenge, in wei (forfeited to the orchestrator when not faulty). */
  challengeBondWei: bigint;
  /** FaultVerifier: rounds after filing during which verdicts count; an unjudged challenge is withdrawable after. */
  verdictWindowRounds: bigint;
  /** FaultVerifier: share of a faulty orchestrator's own bond slashed, ppm. */
  slashAmountPpm: bigint;
  /** FaultVerifier: the challenger's share of the slashed LPT, ppm (the rest is burned). */
  finderFeePpm: bigint;
  /** FaultVerifier: agreeing verdicts that resolve a challenge. */
  verdictQuorum: bigint;
  /** FaultVerifier: the initial verifier set (trusted verifiers or oracles); the owner changes it later. */
  faultVerifiers: readonly Address[];
}

/** Hardhat dev account #8: the local chain's one fault verifier (its key is public, like every dev account's). */
export const LOCAL_FAULT_VERIFIER: Address = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";

/**
 * The embedded default: short rounds so that a newcomer sees rounds pass within a minute on the local chain
 * (which mines a block per second), and every defence still holds (validity < unlock period).
 */
export const LOCAL_PARAMS: ProtocolParams = {
  roundLengthBlocks: 20n,
  unbondingPeriodRounds: 2n,
  minActiveStake: 100n * LPT,
  cutNoticePeriodRounds: 2n,
  inflationPpb: 1_000_000n, // 0.1% of supply per round
  inflationChangePpb: 500n,
  targetBondingRatePpb: 500_000_000n, // 50%
  unlockPeriodRounds: 3n,
  ticketValidityPeriodRounds: 2n,
  genesisSupply: 10_000_000n * LPT,
  // Short windows (rounds are ~20 s locally): a challenge within ~3 min of the work, a verdict within ~7 min.
  challengeWindowRounds: 10n,
  challengeBondWei: parseEther("0.01"),
  verdictWindowRounds: 20n,
  slashAmountPpm: 100_000n, // 10% of the orchestrator's own bond
  finderFeePpm: 500_000n, // half the penalty to the challenger
  verdictQuorum: 1n,
  faultVerifiers: [LOCAL_FAULT_VERIFIER],
};

/** Parameters in the spirit of Livepeer's mainnet, for a real chain (about a day per round at 12 s blocks). */
export const PRODUCTION_PARAMS: ProtocolParams = {
  roundLengthBlocks: 5760n,
  unbondingPeriodRounds: 7n,
  minActiveStake: 1_000n * LPT,
  cutNoticePeriodRounds: 3n,
  inflationPpb: 200_000n,
  inflationChangePpb: 500n,
  targetBondingRatePpb: 500_000_000n,
  unlockPeriodRounds: 3n,
  ticketValidityPeriodRounds: 2n,
  genesisSupply: 10_000_000n * LPT,
  challengeWindowRounds: 3n, // about three days to notice a fault
  challengeBondWei: parseEther("0.01"),
  verdictWindowRounds: 7n,
  slashAmountPpm: 100_000n,
  finderFeePpm: 500_000n,
  verdictQuorum: 1n,
  // None at deployment: the owner adds the verifiers it trusts with addVerifier.
  faultVerifiers: [],
};

/** The local chains use LOCAL_PARAMS; anything else gets PRODUCTION_PARAMS. */
export function paramsForNetwork(networkName: string): ProtocolParams {
  return networkName === "localhost" || networkName === "hardhat" || networkName === "localnode"
    ? LOCAL_PARAMS
    : PRODUCTION_PARAMS;
}
