// Registers many orchestrators on the bench chain at once, as real ones would be: LPT from the genesis holder, a
// self-bond, cuts, and a ServiceRegistry entry (URI, services, regions). Batched transactions, a few hundred a block.
import { getAddress, keccak256, toHex, zeroAddress, type Address } from "viem";
import { bondingManagerAbi, livepeerTokenAbi, serviceRegistryAbi } from "../../src/lib/chain/abis.generated.ts";
import { LPT } from "../../scripts/lib/protocol-params.ts";
import { calldata, DEPLOYER, type BenchChain, type TxRequest } from "./chain-fixture.ts";

/** Above the local minActiveStake (100 LPT), so that every one joins the active set. */
export const ORCHESTRATOR_STAKE = 1_000n * LPT;
/** The service every bench orchestrator offers (what discovery filters on). */
export const BENCH_SERVICE_ID = "CPUTranscoding";

/** The address of bench orchestrator number `i`: deterministic, with no key (the chain impersonates it). */
export function benchOrchestrator(i: number): Address {
  return getAddress(keccak256(toHex(`streamflow-bench-orchestrator-${i}`)).slice(0, 42));
}

/**
 * Makes orchestrators number `from` to `from + count - 1` registered (active from the next round) with a registry
 * entry each. Their URIs name
 * hosts under .invalid: discovery reads the registry and never connects.
 */
export async function registerOrchestrators(chain: BenchChain, from: number, count: number): Promise<Address[]> {
  const { LivepeerToken: token, BondingManager: bonding, ServiceRegistry: registry } = chain.deployments.contracts;
  const addresses = Array.from({ length: count }, (_, k) => benchOrchestrator(from + k));
  await chain.impersonate(addresses, 10n ** 20n);
  // The genesis holder hands each its stake (one sender: the node orders these by nonce).
  await chain.sendInBlocks(addresses.map((to) => ({ from: DEPLOYER, to: token, data: calldata(livepeerTokenAbi, "transfer", [to, ORCHESTRATOR_STAKE]) })));
  // Then each orchestrator's own transactions, one kind at a time, so that a block holds one per sender.
  const steps: ((orchestrator: Address, i: number) => TxRequest)[] = [
    (o) => ({ from: o, to: token, data: calldata(livepeerTokenAbi, "approve", [bonding, ORCHESTRATOR_STAKE]) }),
    (o) => ({ from: o, to: bonding, data: calldata(bondingManagerAbi, "bond", [ORCHESTRATOR_STAKE, o]) }),
    (o) => ({ from: o, to: bonding, data: calldata(bondingManagerAbi, "transcoder", [100_000n, 500_000n]) }),
    (o, i) => ({
      from: o,
      to: registry,
      data: calldata(serviceRegistryAbi, "register", [`https://o${i}.bench.invalid:8935`, [{ id: BENCH_SERVICE_ID, verifier: zeroAddress }], ["eu-west"]]),
    }),
  ];
  for (const step of steps) await chain.sendInBlocks(addresses.map((o, k) => step(o, from + k)));
  return addresses;
}
