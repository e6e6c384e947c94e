// What `npm run seed` puts on a fresh local deployment: three orchestrators with services and regions, a
// delegator, and one funded broadcaster, so that a newcomer starts with a living network.
import type { Address } from "viem";
import { parseEther } from "viem";
import { LPT } from "./protocol-params.ts";

export interface SeedOrchestrator {
  /** Index into the chain's dev accounts. */
  accountIndex: number;
  stake: bigint;
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
  serviceURI: string;
  services: { id: string; verifier: Address }[];
  regions: string[];
}

const NO_VERIFIER: Address = "0x0000000000000000000000000000000000000000";

/** Orchestrators listen on 8935+ (Livepeer's default port), on loopback. */
export const SEED_ORCHESTRATORS: SeedOrchestrator[] = [
  {
    accountIndex: 1,
    stake: 50_000n * LPT,
    rewardCutPpm: 100_000n,
    feeSharePpm: 500_000n,
    serviceURI: "http://127.0.0.1:8935",
    services: [
      { id: "CPUTranscoding", verifier: NO_VERIFIER },
      { id: "H264 720p->480p", verifier: NO_VERIFIER },
    ],
    regions: ["eu-west", "eu-central"],
  },
  {
    accountIndex: 2,
    stake: 30_000n * LPT,
    rewardCutPpm: 150_000n,
    feeSharePpm: 400_000n,
    serviceURI: "http://127.0.0.1:8936",
    services: [
      { id: "CPUTranscoding", verifier: NO_VERIFIER },
      { id: "SegmentVerification", verifier: NO_VERIFIER },
    ],
    regions: ["us-east"],
  },
  {
    accountIndex: 3,
    stake: 20_000n * LPT,
    rewardCutPpm: 50_000n,
    feeSharePpm: 600_000n,
    serviceURI: "http://127.0.0.1:8937",
    services: [
      { id: "GPUTranscoding", verifier: NO_VERIFIER },
      { id: "CPUTranscoding", verifier: NO_VERIFIER },
    ],
    regions: ["us-west", "eu-west"],
  },
];

/** A delegator bonded to the first orchestrator. */
export const SEED_DELEGATOR = { accountIndex: 4, stake: 5_000n * LPT, orchestratorIndex: 0 };
/** The broadcaster funded with a deposit and a reserve. */
export const SEED_BROADCASTER = { accountIndex: 5, deposit: parseEther("1"), reserve: parseEther("1") };
/** LPT every dev account (but the deployer) receives, so any of them can try staking. */
export const SEED_LPT_PER_ACCOUNT = 100_000n * LPT;
/** Dev accounts given LPT: 1..9. */
export const SEED_ACCOUNT_COUNT = 9;
