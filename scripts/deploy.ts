// `npm run deploy -- --network <name>`: deploys the protocol, initializes the first round and writes
// deployments/<name>.json (or $STREAMFLOW_DEPLOYMENTS). Works against any EVM chain: `--network custom` with
// RPC_URL and DEPLOYER_PRIVATE_KEY in the environment.
import { network } from "hardhat";
import { deployStreamflow, initializeRoundIfNeeded } from "./lib/deploy-streamflow.ts";
import { paramsForNetwork } from "./lib/protocol-params.ts";
import { deploymentsPath, toDeploymentsFile, writeDeploymentsFile } from "./lib/deployments-file.ts";

const connection = await network.create();
const { viem, networkName } = connection;
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
const startBlock = await publicClient.getBlockNumber();
const params = paramsForNetwork(networkName);

console.log(`Deploying Streamflow to ${networkName} (chain ${chainId})…`);
const protocol = await deployStreamflow(viem, params);
const round = await initializeRoundIfNeeded(protocol, publicClient);

const path = deploymentsPath(networkName);
const rpcUrl = networkName === "localhost" ? (process.env.RPC_URL ?? "http://127.0.0.1:8545") : process.env.RPC_URL;
await writeDeploymentsFile(
  path,
  toDeploymentsFile(protocol, { chainId, network: networkName, rpcUrl, deployedAtBlock: startBlock }),
);

for (const [name, address] of Object.entries(protocol.addresses)) console.log(`  ${name.padEnd(16)} ${address}`);
console.log(`Round ${round} initialized. Addresses written to ${path}`);
await connection.close();
