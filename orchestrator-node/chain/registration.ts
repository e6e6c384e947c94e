// Keeps the orchestrator's on-chain registration equal to its configuration: service URI, services, regions and
// cuts — sending a transaction only for what differs, so a restart costs no gas.
import type { Address } from "viem";
import { sendAndWait, type ChainClients } from "./clients.ts";
import { ensureRoundInitialized } from "./rounds.ts";

export interface DesiredRegistration {
  serviceURI: string;
  services: { id: string; verifier: Address }[];
  regions: string[];
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
}

export type RegistrationChange = "serviceURI" | "services" | "regions" | "cuts";

export class NotBondedToSelf extends Error {
  override readonly name = "NotBondedToSelf";
  constructor(address: Address) {
    super(
      `${address} is not a registered orchestrator: bond LPT to itself first (the staking page, or npm run seed on the local chain)`,
    );
  }
}

/** Brings the on-chain registration in line with `desired`; returns what it changed. */
export async function ensureRegistration(c: ChainClients, desired: DesiredRegistration): Promise<RegistrationChange[]> {
  const me = c.account.address;
  const registry = c.contracts.serviceRegistry;
  const bm = c.contracts.bondingManager;
  const changes: RegistrationChange[] = [];

  const [uri, services, regions] = await Promise.all([
    registry.read.getServiceURI([me]),
    registry.read.getServices([me]),
    registry.read.getRegions([me]),
  ]);
  if (uri !== desired.serviceURI) {
    await sendAndWait(c, "setServiceURI", () => registry.write.setServiceURI([desired.serviceURI]));
    changes.push("serviceURI");
  }
  const sameServices =
    services.length === desired.services.length &&
    services.every((s, i) => s.id === desired.services[i]?.id && s.verifier.toLowerCase() === desired.services[i]?.verifier.toLowerCase());
  if (!sameServices) {
    await sendAndWait(c, "setServices", () => registry.write.setServices([desired.services]));
    changes.push("services");
  }
  if (regions.length !== desired.regions.length || regions.some((r, i) => r !== desired.regions[i])) {
    await sendAndWait(c, "setRegions", () => registry.write.setRegions([desired.regions]));
    changes.push("regions");
  }

  if (!(await bm.read.isRegisteredTranscoder([me]))) throw new NotBondedToSelf(me);
  const [rewardCut, feeShare] = await bm.read.transcoderCuts([me]);
  const [pendingRewardCut, pendingFeeShare, pendingRound] = await bm.read.pendingCuts([me]);
  const wanted = (rc: bigint, fs: bigint) => rc === desired.rewardCutPpm && fs === desired.feeSharePpm;
  // An announced change that matches the configuration is already on its way: sending it again would restart it.
  if (!wanted(rewardCut, feeShare) && !(pendingRound !== 0n && wanted(pendingRewardCut, pendingFeeShare))) {
    await ensureRoundInitialized(c);
    await sendAndWait(c, "transcoder", () => bm.write.transcoder([desired.rewardCutPpm, desired.feeSharePpm]));
    changes.push("cuts");
  }
  return changes;
}
