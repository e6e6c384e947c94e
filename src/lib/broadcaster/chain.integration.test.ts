// Discovery and funding against a real Hardhat node, deployed and seeded by the project's own scripts: the three
// seeded orchestrators are found with their stakes and filtered; a fresh browser key is funded from a dev account.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, parseEther, type Address, type EIP1193Provider, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { writeContract, waitForTransactionReceipt } from "viem/actions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalNetwork } from "../../../scripts/lib/local-network.ts";
import { stopAll } from "../../../scripts/lib/processes.ts";
import { SEED_BROADCASTER, SEED_ORCHESTRATORS } from "../../../scripts/lib/seed-network.ts";
import { LPT } from "../../../scripts/lib/protocol-params.ts";
import { bondingManagerAbi, ticketBrokerAbi } from "../chain/abis.generated.ts";
import { loadDeploymentsFile } from "../chain/deployments-file.ts";
import type { Deployments } from "../chain/deployments.ts";
import { discoverOrchestrators } from "./discovery.ts";
import {
  DevAccountUnavailable,
  devFundingClient,
  fundBroadcaster,
  InsufficientFundsToFund,
  readSenderFunds,
  walletClientFromEip1193,
} from "./funds.ts";

const PORT = 18851;

let rpcUrl: string;
let deployments: Deployments;
let publicClient: PublicClient;
/** The node's unlocked dev accounts, #0 first. */
let devAccounts: Address[];

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-broadcaster-chain-")), "localhost.json");
  ({ rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }));
  deployments = await loadDeploymentsFile(deploymentsFile);
  publicClient = createPublicClient({ transport: http(rpcUrl), pollingInterval: 100 });
  devAccounts = await createWalletClient({ transport: http(rpcUrl) }).getAddresses();
}, 180_000);

afterAll(async () => {
  await stopAll();
});

const seededAddress = (i: number) => devAccounts[SEED_ORCHESTRATORS[i]!.accountIndex]!;

describe("discoverOrchestrators on the seeded chain", () => {
  it("finds the three seeded orchestrators with their URIs, regions and stakes", async () => {
    const found = await discoverOrchestrators(publicClient, deployments, { serviceId: "CPUTranscoding" });
    expect(found.map((c) => c.address)).toEqual([0, 1, 2].map(seededAddress));
    for (const [i, c] of found.entries()) {
      const seeded = SEED_ORCHESTRATORS[i]!;
      expect(c.serviceURI).toBe(seeded.serviceURI);
      expect(c.regions).toEqual(seeded.regions);
      expect(c.services.map((s) => s.id)).toEqual(seeded.services.map((s) => s.id));
      expect([c.rewardCutPpm, c.feeSharePpm]).toEqual([seeded.rewardCutPpm, seeded.feeSharePpm]);
      // The stake is the BondingManager's, delegated stake included (the seeded delegator bonds to the first).
      const stake = await publicClient.readContract({
        address: deployments.contracts.BondingManager,
        abi: bondingManagerAbi,
        functionName: "transcoderTotalStake",
        args: [c.address],
      });
      expect(c.totalStakeWei).toBe(stake);
      expect(c.totalStakeWei).toBeGreaterThanOrEqual(seeded.stake);
    }
  });

  it("reads every page whatever the page size", async () => {
    for (const pageSize of [1, 2, 3]) {
      const found = await discoverOrchestrators(publicClient, deployments, { serviceId: "CPUTranscoding", pageSize });
      expect(found.map((c) => c.address)).toEqual([0, 1, 2].map(seededAddress));
    }
  });

  it("filters by service, region and minimum stake", async () => {
    const addresses = async (filter: Parameters<typeof discoverOrchestrators>[2]) =>
      (await discoverOrchestrators(publicClient, deployments, filter)).map((c) => c.address);
    expect(await addresses({ serviceId: "GPUTranscoding" })).toEqual([seededAddress(2)]);
    expect(await addresses({ serviceId: "NoSuchService" })).toEqual([]);
    expect(await addresses({ serviceId: "CPUTranscoding", region: "us-east" })).toEqual([seededAddress(1)]);
    expect(await addresses({ serviceId: "CPUTranscoding", region: "eu-west" })).toEqual([seededAddress(0), seededAddress(2)]);
    expect(await addresses({ serviceId: "CPUTranscoding", minStakeWei: 30_000n * LPT })).toEqual([seededAddress(0), seededAddress(1)]);
    expect(await addresses({ serviceId: "CPUTranscoding", minStakeWei: 1_000_000n * LPT })).toEqual([]);
  });
});

describe("funding the browser key", () => {
  it("funds a fresh address from a dev account; readSenderFunds shows deposit and reserve", async () => {
    const broadcaster = privateKeyToAccount(generatePrivateKey()).address;
    const empty = await readSenderFunds(publicClient, deployments.contracts.TicketBroker, deployments.contracts.RoundsManager, broadcaster);
    expect(empty).toMatchObject({ depositWei: 0n, reserveWei: 0n, unlocking: false, withdrawRound: 0n });

    const dev = await devFundingClient(rpcUrl, devAccounts[0]!);
    const hash = await fundBroadcaster(dev, deployments.contracts.TicketBroker, broadcaster, parseEther("0.3"), parseEther("0.2"));
    expect((await publicClient.getTransactionReceipt({ hash })).status).toBe("success");
    await fundBroadcaster(dev, deployments.contracts.TicketBroker, broadcaster, parseEther("0.1"), 0n);

    const funds = await readSenderFunds(publicClient, deployments.contracts.TicketBroker, deployments.contracts.RoundsManager, broadcaster);
    expect(funds).toMatchObject({ depositWei: parseEther("0.4"), reserveWei: parseEther("0.2"), unlocking: false, withdrawRound: 0n });
    expect(funds.roundsUntilWithdraw).toBeUndefined();
    expect(funds.currentRound).toBeGreaterThan(0n);
  });

  it("funds through an EIP-1193 wallet on the deployment's chain", async () => {
    // A minimal EIP-1193 provider over the node, as a wallet extension would be: it shares dev account #8.
    const node = createPublicClient({ transport: http(rpcUrl) });
    const provider = {
      request: ({ method, params }: { method: string; params?: unknown }) =>
        method === "eth_requestAccounts" ? Promise.resolve([devAccounts[8]]) : node.request({ method, params } as never),
      on: () => undefined,
      removeListener: () => undefined,
    } as unknown as EIP1193Provider;
    const wallet = await walletClientFromEip1193(provider, deployments);
    expect(wallet.account.address).toBe(devAccounts[8]);
    const broadcaster = privateKeyToAccount(generatePrivateKey()).address;
    await fundBroadcaster(wallet, deployments.contracts.TicketBroker, broadcaster, 7n, 5n);
    const funds = await readSenderFunds(publicClient, deployments.contracts.TicketBroker, deployments.contracts.RoundsManager, broadcaster);
    expect([funds.depositWei, funds.reserveWei]).toEqual([7n, 5n]);
  });

  it("says plainly when the paying account cannot afford it", async () => {
    const dev = await devFundingClient(rpcUrl, devAccounts[9]!);
    const balance = await publicClient.getBalance({ address: devAccounts[9]! });
    const broadcaster = privateKeyToAccount(generatePrivateKey()).address;
    // More than the balance: caught before anything is sent.
    const tooMuch = fundBroadcaster(dev, deployments.contracts.TicketBroker, broadcaster, balance, 1n);
    await expect(tooMuch).rejects.toBeInstanceOf(InsufficientFundsToFund);
    await expect(tooMuch).rejects.toThrow(/Fund a smaller deposit/);
    // Exactly the balance, leaving nothing for gas: the node refuses it, in its own words, mapped to the same error.
    await expect(fundBroadcaster(dev, deployments.contracts.TicketBroker, broadcaster, balance, 0n)).rejects.toBeInstanceOf(InsufficientFundsToFund);
  });

  it("refuses an address the node does not hold unlocked", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    await expect(devFundingClient(rpcUrl, stranger)).rejects.toBeInstanceOf(DevAccountUnavailable);
  });

  it("shows an unlock in progress and the rounds until withdrawal", async () => {
    // The seeded broadcaster (#5) is funded; it starts its unlock period as its own sender.
    const seeded = devAccounts[SEED_BROADCASTER.accountIndex]!;
    const wallet = await devFundingClient(rpcUrl, seeded);
    const hash = await writeContract(wallet, { address: deployments.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: "unlock" });
    await waitForTransactionReceipt(wallet, { hash });
    const funds = await readSenderFunds(publicClient, deployments.contracts.TicketBroker, deployments.contracts.RoundsManager, seeded);
    expect(funds.unlocking).toBe(true);
    expect(funds.withdrawRound).toBeGreaterThan(funds.currentRound);
    expect(funds.roundsUntilWithdraw).toBe(Number(funds.withdrawRound - funds.currentRound));
    expect(funds.depositWei).toBeGreaterThanOrEqual(SEED_BROADCASTER.deposit);
  });
});
