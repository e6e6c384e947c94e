// Discovery as the broadcaster does it (discoverOrchestrators: the registry with stakes, paged eth_calls over HTTP)
// with 10, 100 and 1,000 orchestrators on a Hardhat node on loopback. Target ≤ 1 s at 1,000. Baseline: the same
// pages fetched as raw eth_calls, undecoded — the chain's own share; the ratio is what discovery adds to it.
import { createPublicClient, http } from "viem";
import { DEFAULT_PAGE_SIZE, discoverOrchestrators } from "../../src/lib/broadcaster/discovery.ts";
import { serviceRegistryAbi } from "../../src/lib/chain/abis.generated.ts";
import { calldata, type BenchChain } from "../lib/chain-fixture.ts";
import { atOrchestratorLevels } from "../lib/chain-levels.ts";
import { BENCH_SERVICE_ID } from "../lib/chain-orchestrators.ts";
import { compare, summarize, type Figure } from "../stats.ts";

const PORT = 19202;
const RUNS = 5;
const TARGET_MS_AT_1000 = 1_000;

export async function discovery(): Promise<Figure[]> {
  const figures: Figure[] = [];
  await atOrchestratorLevels(PORT, async (chain, registered) => void figures.push(await measureDiscovery(chain, registered)));
  return figures;
}

async function measureDiscovery(chain: BenchChain, registered: number): Promise<Figure> {
  // The client the broadcast page makes (src/routes/broadcast/+page.svelte).
  const publicClient = createPublicClient({ transport: http(chain.rpcUrl) });
  const registry = chain.deployments.contracts.ServiceRegistry;
  // discoverOrchestrators pages until a short page: a full registry of k pages takes one more, empty, call.
  const offsets = Array.from({ length: Math.floor(registered / DEFAULT_PAGE_SIZE) + 1 }, (_, i) => i * DEFAULT_PAGE_SIZE);
  const rawPages = offsets.map((offset) => calldata(serviceRegistryAbi, "getOrchestrators", [BigInt(offset), BigInt(DEFAULT_PAGE_SIZE)]));
  let found = 0;
  const { subject, baseline } = await compare(
    RUNS,
    async () => {
      found = (await discoverOrchestrators(publicClient, chain.deployments, { serviceId: BENCH_SERVICE_ID })).length;
    },
    async () => {
      for (const data of rawPages) await chain.call(registry, data);
    },
  );
  if (found !== registered) throw new Error(`discovery found ${found} of the ${registered} registered orchestrators: the bench's setup is wrong`);
  // One bare round trip per call made: how much of either figure is only HTTP and JSON-RPC.
  const roundTrips = summarize(await Promise.all([0, 1, 2, 3, 4].map(async () => {
    const t = performance.now();
    for (const _ of offsets) await chain.rpc("eth_blockNumber");
    return performance.now() - t;
  })));
  const atTarget = registered === 1_000;
  return {
    name: `discovery with ${registered.toLocaleString("en")} orchestrators (${offsets.length} eth_calls)`,
    unit: "ms",
    subject,
    baselineName: "raw eth_calls of the same pages, undecoded",
    baseline,
    ratio: subject.median / baseline.median,
    ...(atTarget ? { target: { valueAtMost: TARGET_MS_AT_1000, describe: "≤ 1 s at 1,000" }, met: subject.median <= TARGET_MS_AT_1000 } : {}),
    extra: { ethCalls: offsets.length, bareRoundTripsMs: Math.round(roundTrips.median * 10) / 10, candidates: found },
  };
}
