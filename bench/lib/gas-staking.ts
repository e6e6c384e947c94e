// Gas of the staking calls at a given registry size: a fresh delegator's bond and unbond, and an orchestrator's
// reward call. Nothing in them should loop over orchestrators, so the figures must not move with the registry's size.
import { getAddress, hexToBigInt, keccak256, toHex, type Address } from "viem";
import { bondingManagerAbi, livepeerTokenAbi } from "../../src/lib/chain/abis.generated.ts";
import { LPT } from "../../scripts/lib/protocol-params.ts";
import { calldata, DEPLOYER, type BenchChain } from "./chain-fixture.ts";
import { benchOrchestrator } from "./chain-orchestrators.ts";

/** Repetitions per call and level (distinct delegators and orchestrators, so each is a first call of its kind). */
export const STAKING_RUNS = 3;
const DELEGATION = 100n * LPT;

export interface StakingGas {
  bond: number[];
  unbond: number[];
  reward: number[];
}

/** Measures at a level of `registered` orchestrators (all active this round); the probes are the last ones registered. */
export async function measureStakingGas(chain: BenchChain, registered: number): Promise<StakingGas> {
  const { LivepeerToken: token, BondingManager: bonding } = chain.deployments.contracts;
  const probes = Array.from({ length: STAKING_RUNS }, (_, i) => benchOrchestrator(registered - 1 - i));
  const delegators: Address[] = probes.map((_, i) => getAddress(keccak256(toHex(`streamflow-bench-delegator-${registered}-${i}`)).slice(0, 42)));
  await chain.impersonate(delegators, 10n ** 20n);
  await chain.mineAll(await chain.send(delegators.map((d) => ({ from: DEPLOYER, to: token, data: calldata(livepeerTokenAbi, "transfer", [d, DELEGATION]) }))));
  await chain.mineAll(await chain.send(delegators.map((d) => ({ from: d, to: token, data: calldata(livepeerTokenAbi, "approve", [bonding, DELEGATION]) }))));

  const gas = async (from: Address, functionName: string, args: readonly unknown[]) =>
    Number(hexToBigInt((await chain.transact({ from, to: bonding, data: calldata(bondingManagerAbi, functionName, args) })).gasUsed));
  const result: StakingGas = { bond: [], unbond: [], reward: [] };
  for (const [i, orchestrator] of probes.entries()) {
    const delegator = delegators[i]!;
    result.reward.push(await gas(orchestrator, "reward", []));
    result.bond.push(await gas(delegator, "bond", [DELEGATION, orchestrator]));
    result.unbond.push(await gas(delegator, "unbond", [DELEGATION / 2n]));
  }
  return result;
}
