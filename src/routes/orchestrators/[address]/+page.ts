// Loads one orchestrator's page: its row (registration, stake, cuts, reward calls, fees, slashes), its history from
// events and the calculator's chain inputs, all read at one block from the RPC in the deployments file.
import { createPublicClient, getAddress, http, isAddress, type Address } from "viem";
import { loadPageNetwork } from "$lib/chain/page-network.ts";
import type { Deployments } from "$lib/chain/deployments.ts";
import { feesPerRoundWei, readCalculatorInputs, type CalculatorInputs } from "$lib/staking/calculator.ts";
import { readStakingEvents } from "$lib/staking/events.ts";
import { buildOrchestratorHistory, type OrchestratorHistory } from "$lib/staking/history.ts";
import { DEFAULT_RECENT_ROUNDS, readOrchestratorRow, type OrchestratorRow } from "$lib/staking/orchestrators.ts";
import type { PageLoad } from "./$types.js";

export interface OrchestratorView {
  row: OrchestratorRow;
  currentRound: bigint;
  blockNumber: bigint;
  recentRounds: number;
  history: OrchestratorHistory;
  calculatorInputs: CalculatorInputs;
}

export type OrchestratorPageData =
  | { address: Address; deployments: Deployments; view: OrchestratorView; problem: null }
  | { address: string; deployments: Deployments | null; view: null; problem: { name: string; message: string } };

export const load: PageLoad = async ({ fetch, params }): Promise<OrchestratorPageData> => {
  const network = await loadPageNetwork(fetch);
  if (!isAddress(params.address, { strict: false })) {
    const problem = { name: "InvalidOrchestratorAddress", message: `"${params.address}" is not an address. Pick an orchestrator from the staking page.` };
    return { address: params.address, deployments: network.deployments, view: null, problem };
  }
  const address = getAddress(params.address);
  if (!network.deployments) return { address, deployments: null, view: null, problem: network.problem };
  const { deployments } = network;
  if (!deployments.rpcUrl) {
    const problem = { name: "NoRpcUrl", message: "The deployments file names no rpcUrl, so the page cannot read the chain. Deploy again, or add the chain's RPC URL to the file." };
    return { address, deployments, view: null, problem };
  }
  const client = createPublicClient({ transport: http(deployments.rpcUrl) });
  try {
    const events = await readStakingEvents(client, deployments);
    const { row, currentRound, blockNumber, recentRounds } = await readOrchestratorRow(client, deployments, address, { events, recentRounds: DEFAULT_RECENT_ROUNDS });
    const history = buildOrchestratorHistory(events, address, currentRound);
    const calculatorInputs = await readCalculatorInputs(client, deployments, address, { feesWeiPerRound: feesPerRoundWei(row.feeRatio), blockNumber });
    return { address, deployments, view: { row, currentRound, blockNumber, recentRounds, history, calculatorInputs }, problem: null };
  } catch (error) {
    const e = error as Error & { nextStep?: string; shortMessage?: string };
    const message = `${e.shortMessage ?? e.message}${e.nextStep ? ` ${e.nextStep}` : ""}`;
    return { address, deployments, view: null, problem: { name: e.name, message } };
  }
};
