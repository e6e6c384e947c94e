// Keeps protocol time moving on a chain where nobody else does: initializes each round as soon as it starts.
// The start command runs it on the local chain; on a real network any orchestrator node does the same job.
import { readFile } from "node:fs/promises";
import { network } from "hardhat";
import type { Address } from "viem";
import { deploymentsPath } from "./lib/deployments-file.ts";

const POLL_MS = 500;

const connection = await network.create();
const { viem, networkName } = connection;
const deployments = JSON.parse(await readFile(deploymentsPath(networkName), "utf8")) as {
  contracts: { RoundsManager: Address };
};
const rounds = await viem.getContractAt("RoundsManager", deployments.contracts.RoundsManager);
const publicClient = await viem.getPublicClient();

console.log(`Round keeper watching ${deployments.contracts.RoundsManager}`);
for (;;) {
  try {
    // The pending block is where initializeRound would land: checking it starts each round without a block of delay.
    if (!(await rounds.read.currentRoundInitialized({ blockTag: "pending" }))) {
      const hash = await rounds.write.initializeRound();
      await publicClient.waitForTransactionReceipt({ hash });
      console.log(`round ${await rounds.read.currentRound()} initialized`);
    }
  } catch (error) {
    // Another caller may have initialized the round first (RoundAlreadyInitialized): harmless, look again.
    const message = (error as Error).message;
    if (!message.includes("RoundAlreadyInitialized")) console.error(`initializeRound failed: ${message.split("\n")[0]}`);
  }
  await new Promise((r) => setTimeout(r, POLL_MS));
}
