// Walks the bench chain through 10, 100 and 1,000 registered orchestrators (each level active from a fresh round)
// and lets a suite measure at each: the gas and discovery figures must hold as the registry grows.
import { registerOrchestrators } from "./chain-orchestrators.ts";
import { startBenchChain, type BenchChain } from "./chain-fixture.ts";

export const ORCHESTRATOR_LEVELS = [10, 100, 1_000] as const;

/**
 * Starts a chain on `port`, calls `setup` once, then for each level registers the orchestrators that make it up,
 * moves to the next round (so that they are active) and calls `measure`. Stops the chain whatever happens.
 */
export async function atOrchestratorLevels(
  port: number,
  measure: (chain: BenchChain, registered: number) => Promise<void>,
  setup: (chain: BenchChain) => Promise<void> = async () => undefined,
): Promise<void> {
  const chain = await startBenchChain(port);
  try {
    await setup(chain);
    let registered = 0;
    for (const level of ORCHESTRATOR_LEVELS) {
      await registerOrchestrators(chain, registered, level - registered);
      registered = level;
      await chain.advanceRound();
      await measure(chain, registered);
    }
  } finally {
    await chain.stop();
  }
}
