// Writes the deployments file that the web app and the orchestrator node read contract addresses from.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Protocol } from "./deploy-streamflow.ts";
import { DEPLOYMENTS_PATH_ENV, parseDeployments } from "../../src/lib/chain/deployments.ts";

export interface DeploymentsFile {
  chainId: number;
  network: string;
  rpcUrl?: string;
  deployedAtBlock: number;
  contracts: Protocol["addresses"];
  params: Record<keyof Protocol["params"], string>;
}

/** Where a network's deployments live unless STREAMFLOW_DEPLOYMENTS names another path. */
export function deploymentsPath(networkName: string): string {
  return resolve(process.env[DEPLOYMENTS_PATH_ENV] ?? `deployments/${networkName}.json`);
}

export function toDeploymentsFile(
  protocol: Protocol,
  info: { chainId: number; network: string; rpcUrl?: string; deployedAtBlock: bigint },
): DeploymentsFile {
  const params = Object.fromEntries(
    Object.entries(protocol.params).map(([k, v]) => [k, v.toString()]),
  ) as DeploymentsFile["params"];
  return {
    chainId: info.chainId,
    network: info.network,
    ...(info.rpcUrl ? { rpcUrl: info.rpcUrl } : {}),
    deployedAtBlock: Number(info.deployedAtBlock),
    contracts: protocol.addresses,
    params,
  };
}

/** Writes the file after checking it against the schema its readers (web app, node) use. */
export async function writeDeploymentsFile(path: string, file: DeploymentsFile): Promise<void> {
  parseDeployments(file, path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(file, null, 2) + "\n");
}
