// Hardhat 3 configuration: offline solc (the `solc` npm package), viem, node:test, and the networks
// the deploy script can target. Any EVM chain works through RPC_URL; localhost is only the embedded default.
import { createRequire } from "node:module";
import { defineConfig, configVariable } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViemAssertions from "@nomicfoundation/hardhat-viem-assertions";

const require = createRequire(import.meta.url);

/** The solc version pinned in package.json ("solc"); Hardhat would otherwise download it, which this project never does. */
const SOLC_VERSION = "0.8.28";

export default defineConfig({
  plugins: [hardhatViem, hardhatNodeTestRunner, hardhatNetworkHelpers, hardhatViemAssertions],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      viaIR: false,
      evmVersion: "cancun",
    },
  },
  paths: {
    sources: "./contracts",
    tests: { nodejs: "./contracts/test" },
  },
  networks: {
    hardhat: { type: "edr-simulated", chainType: "l1", allowUnlimitedContractSize: false },
    // The embedded local chain (`npm run chain`): instant mining for transactions plus a block every second, so
    // rounds pass on their own while a newcomer watches.
    localnode: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31337,
      mining: { auto: true, interval: 1000 },
    },
    localhost: { type: "http", chainType: "l1", url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    // Any EVM chain (Arbitrum, a testnet, another local node): RPC_URL and DEPLOYER_PRIVATE_KEY from the environment.
    custom: {
      type: "http",
      chainType: "generic",
      url: configVariable("RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
