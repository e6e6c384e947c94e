// `npm run seed` (local development only): fills a fresh local deployment with a living network — LPT for the dev
// accounts, three registered orchestrators with services and regions, a delegator, a funded broadcaster.
// Safe to run twice: whatever is already in place is left as it is.
import { readFile } from "node:fs/promises";
import { network } from "hardhat";
import type { Address } from "viem";
import { formatEther } from "viem";
import { deploymentsPath } from "./lib/deployments-file.ts";
import {
  SEED_ACCOUNT_COUNT,
  SEED_BROADCASTER,
  SEED_DELEGATOR,
  SEED_LPT_PER_ACCOUNT,
  seedOrchestrators,
} from "./lib/seed-network.ts";

const LOCAL_CHAIN_ID = 31337;

const connection = await network.create();
const { viem, networkName } = connection;
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
if (chainId !== LOCAL_CHAIN_ID) {
  throw new Error(`seed is for the local chain (${LOCAL_CHAIN_ID}) only; ${networkName} is chain ${chainId}`);
}
const path = deploymentsPath(networkName);
const deployments = JSON.parse(await readFile(path, "utf8").catch(() => {
  throw new Error(`no deployments file at ${path}: run npm run deploy -- --network ${networkName} first`);
})) as { chainId: number; contracts: Record<string, Address> };
if (deployments.chainId !== chainId) throw new Error(`${path} is for chain ${deployments.chainId}, not ${chainId}`);

const c = deployments.contracts;
const token = await viem.getContractAt("LivepeerToken", c.LivepeerToken!);
const bondingManager = await viem.getContractAt("BondingManager", c.BondingManager!);
const ticketBroker = await viem.getContractAt("TicketBroker", c.TicketBroker!);
const serviceRegistry = await viem.getContractAt("ServiceRegistry", c.ServiceRegistry!);
const rounds = await viem.getContractAt("RoundsManager", c.RoundsManager!);
if (!c.FaultVerifier) throw new Error(`${path} lists no FaultVerifier: deploy again with npm run deploy -- --network ${networkName}`);
// The seeded services name this deployment's FaultVerifier as the contract that checks their work.
const SEED_ORCHESTRATORS = seedOrchestrators(c.FaultVerifier);
const wallets = await viem.getWalletClients();
const wait = async (hash: `0x${string}`) => {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`seed transaction ${hash} reverted`);
};
const wallet = (i: number) => {
  const w = wallets[i];
  if (!w) throw new Error(`the chain has no dev account #${i}`);
  return w;
};

/**
 * Stake-changing calls need the current round initialized, and rounds pass every few seconds on the local chain.
 * The check reads the pending block (where the call will land), initializes the round if nobody has, and retries
 * when a round boundary still falls between the check and the call.
 */
async function inRound(action: () => Promise<`0x${string}`>): Promise<void> {
  const ATTEMPTS = 3;
  for (let attempt = 1; ; attempt++) {
    if (!(await rounds.read.currentRoundInitialized({ blockTag: "pending" }))) {
      await rounds.write.initializeRound().then(wait, () => undefined); // the round keeper may have done it meanwhile
    }
    try {
      return await wait(await action());
    } catch (error) {
      if (attempt >= ATTEMPTS || !(error as Error).message.includes("CurrentRoundNotInitialized")) throw error;
    }
  }
}

console.log(`Seeding ${networkName}…`);
for (let i = 1; i <= SEED_ACCOUNT_COUNT; i++) {
  const to = wallet(i).account.address;
  if ((await token.read.balanceOf([to])) === 0n && (await bondingManager.read.pendingStake([to])) === 0n) {
    await wait(await token.write.transfer([to, SEED_LPT_PER_ACCOUNT]));
  }
}

async function bond(i: number, amount: bigint, to: Address) {
  const account = wallet(i).account;
  await wait(await token.write.approve([bondingManager.address, amount], { account }));
  await inRound(() => bondingManager.write.bond([amount, to], { account }));
}

for (const o of SEED_ORCHESTRATORS) {
  const account = wallet(o.accountIndex).account;
  if (!(await bondingManager.read.isRegisteredTranscoder([account.address]))) {
    await bond(o.accountIndex, o.stake, account.address);
  }
  await inRound(() => bondingManager.write.transcoder([o.rewardCutPpm, o.feeSharePpm], { account }));
  await wait(await serviceRegistry.write.register([o.serviceURI, o.services, o.regions], { account }));
  console.log(`  orchestrator ${account.address} ${formatEther(o.stake)} LPT  ${o.serviceURI}  ${o.regions.join(",")}`);
}

const delegator = wallet(SEED_DELEGATOR.accountIndex).account;
const delegate = wallet(SEED_ORCHESTRATORS[SEED_DELEGATOR.orchestratorIndex]!.accountIndex).account.address;
if ((await bondingManager.read.pendingStake([delegator.address])) === 0n) {
  await bond(SEED_DELEGATOR.accountIndex, SEED_DELEGATOR.stake, delegate);
}
console.log(`  delegator    ${delegator.address} ${formatEther(SEED_DELEGATOR.stake)} LPT → ${delegate}`);

const broadcaster = wallet(SEED_BROADCASTER.accountIndex).account;
const [senderInfo] = await ticketBroker.read.getSenderInfo([broadcaster.address]);
if (senderInfo.deposit === 0n) {
  await wait(
    await ticketBroker.write.fundDepositAndReserve([SEED_BROADCASTER.deposit, SEED_BROADCASTER.reserve], {
      account: broadcaster,
      value: SEED_BROADCASTER.deposit + SEED_BROADCASTER.reserve,
    }),
  );
}
console.log(
  `  broadcaster  ${broadcaster.address} deposit ${formatEther(SEED_BROADCASTER.deposit)} ETH, reserve ${formatEther(SEED_BROADCASTER.reserve)} ETH`,
);
console.log("Seeded. The orchestrators join the active set at the next round.");
await connection.close();
