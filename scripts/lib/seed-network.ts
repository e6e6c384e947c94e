// What `npm run seed` puts on a fresh local deployment: three orchestrators with services and regions, a
// delegator, and one funded broadcaster, so that a newcomer starts with a living network.
import type { Address } from "viem";
import { getContractAddress, parseEther } from "viem";
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

/** Hardhat dev account #0, the local deployer. */
const LOCAL_DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/** The deployer's nonce when deploy-streamflow.ts deploys the FaultVerifier (after six contracts, before any wiring). */
const FAULT_VERIFIER_DEPLOY_NONCE = 6n;

/**
 * Where the FaultVerifier lands when the protocol is deployed on a fresh local chain (`npm start`, or `npm run chain`
 * then `npm run deploy`): the seeded services name it before anything reads the deployments file, so that the seed
 * and the orchestrator nodes (which bring their on-chain services in line with these) agree. A contract test checks
 * that the deploy puts it there; a deployment elsewhere passes its own address to seedOrchestrators.
 */
export const LOCAL_FAULT_VERIFIER_ADDRESS: Address = getContractAddress({ from: LOCAL_DEPLOYER, nonce: FAULT_VERIFIER_DEPLOY_NONCE });

/** The seeded orchestrators with every service naming `faultVerifier` as the contract that checks its work. */
export function seedOrchestrators(faultVerifier: Address): SeedOrchestrator[] {
  return SEEDS.map(({ serviceIds, ...o }) => ({ ...o, services: serviceIds.map((id) => ({ id, verifier: faultVerifier })), regions: [...o.regions] }));
}

/** Orchestrators listen on 8935+ (Livepeer's default port), on loopback. */
const SEEDS: (Omit<SeedOrchestrator, "services"> & { serviceIds: string[] })[] = [
  {
    accountIndex: 1,
    stake: 50_000n * LPT,
    rewardCutPpm: 100_000n,
    feeSharePpm: 500_000n,
    serviceURI: "http://127.0.0.1:8935",
    serviceIds: ["CPUTranscoding", "H264 720p->480p"],
    regions: ["eu-west", "eu-central"],
  },
  {
    accountIndex: 2,
    stake: 30_000n * LPT,
    rewardCutPpm: 150_000n,
    feeSharePpm: 400_000n,
    serviceURI: "http://127.0.0.1:8936",
    serviceIds: ["CPUTranscoding", "SegmentVerification"],
    regions: ["us-east"],
  },
  {
    accountIndex: 3,
    stake: 20_000n * LPT,
    rewardCutPpm: 50_000n,
    feeSharePpm: 600_000n,
    serviceURI: "http://127.0.0.1:8937",
    serviceIds: ["GPUTranscoding", "CPUTranscoding"],
    regions: ["us-west", "eu-west"],
  },
];

/** The seeded orchestrators of a fresh local deployment: their services name its FaultVerifier. */
export const SEED_ORCHESTRATORS: SeedOrchestrator[] = seedOrchestrators(LOCAL_FAULT_VERIFIER_ADDRESS);

/** A delegator bonded to the first orchestrator. */
export const SEED_DELEGATOR = { accountIndex: 4, stake: 5_000n * LPT, orchestratorIndex: 0 };
/** The broadcaster funded with a deposit and a reserve. */
export const SEED_BROADCASTER = { accountIndex: 5, deposit: parseEther("1"), reserve: parseEther("1") };
/** LPT every dev account (but the deployer) receives, so any of them can try staking. */
export const SEED_LPT_PER_ACCOUNT = 100_000n * LPT;
/** Dev accounts given LPT: 1..9. */
export const SEED_ACCOUNT_COUNT = 9;
