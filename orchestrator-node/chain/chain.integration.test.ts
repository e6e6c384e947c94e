// The node's chain layer against a real Hardhat node: the network deployed and seeded by the project's own scripts.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { numberToHex, zeroAddress } from "viem";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { SEED_ORCHESTRATORS } from "../../scripts/lib/seed-network.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import { createChainClients, type ChainClients } from "./clients.ts";
import { ensureRegistration, NotBondedToSelf } from "./registration.ts";
import { callRewardIfDue, ensureRoundInitialized } from "./rounds.ts";

const PORT = 18600;
/** Hardhat's well-known dev account #1: the first seeded orchestrator. */
const ORCHESTRATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** Dev account #7: funded with LPT by the seed, but not bonded. */
const UNBONDED_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
const seeded = SEED_ORCHESTRATORS[0]!;

let c: ChainClients;
let rpcUrl: string;
let deploymentsFile: string;

async function mineBlocks(n: bigint) {
  await c.publicClient.request({ method: "hardhat_mine" as never, params: [numberToHex(n)] as never });
}

async function mineToNextRound() {
  const start = await c.contracts.rounds.read.currentRoundStartBlock();
  const length = await c.contracts.rounds.read.roundLength();
  const now = await c.publicClient.getBlockNumber({ cacheTime: 0 }); // viem caches the height otherwise
  await mineBlocks(start + length - now);
}

beforeAll(async () => {
  deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-node-chain-")), "localhost.json");
  ({ rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }));
  c = createChainClients({ rpcUrl, privateKey: ORCHESTRATOR_KEY, deployments: await loadDeploymentsFile(deploymentsFile), pollingIntervalMs: 100 });
}, 180_000);

afterAll(async () => {
  await stopAll();
});

describe("orchestrator node on chain", () => {
  it("sends nothing when the registration already matches its configuration", async () => {
    const changes = await ensureRegistration(c, {
      serviceURI: seeded.serviceURI,
      services: seeded.services,
      regions: seeded.regions,
      rewardCutPpm: seeded.rewardCutPpm,
      feeSharePpm: seeded.feeSharePpm,
    });
    expect(changes).toEqual([]);
  });

  it("updates only what differs, once", async () => {
    const desired = {
      serviceURI: "http://127.0.0.1:9935",
      services: seeded.services,
      regions: ["ap-south"],
      rewardCutPpm: seeded.rewardCutPpm - 10_000n, // better for delegators: takes effect at once
      feeSharePpm: seeded.feeSharePpm,
    };
    expect(await ensureRegistration(c, desired)).toEqual(["serviceURI", "regions", "cuts"]);
    expect(await c.contracts.serviceRegistry.read.getServiceURI([c.account.address])).toBe("http://127.0.0.1:9935");
    expect(await c.contracts.bondingManager.read.transcoderCuts([c.account.address])).toEqual([desired.rewardCutPpm, desired.feeSharePpm]);
    expect(await ensureRegistration(c, desired)).toEqual([]);
  });

  it("does not re-announce a worse cut change that is already pending", async () => {
    const desired = {
      serviceURI: "http://127.0.0.1:9935",
      services: [{ id: "CPUTranscoding", verifier: zeroAddress }],
      regions: ["ap-south"],
      rewardCutPpm: 500_000n, // worse: announced, effective after the notice period
      feeSharePpm: seeded.feeSharePpm,
    };
    expect(await ensureRegistration(c, desired)).toEqual(["services", "cuts"]);
    const [, , effectiveRound] = await c.contracts.bondingManager.read.pendingCuts([c.account.address]);
    expect(effectiveRound).toBeGreaterThan(0n);
    expect(await ensureRegistration(c, desired)).toEqual([]);
  });

  it("names the next step for an account that is not bonded to itself", async () => {
    const unbonded = createChainClients({ rpcUrl, privateKey: UNBONDED_KEY, deployments: await loadDeploymentsFile(deploymentsFile) });
    await expect(
      ensureRegistration(unbonded, { serviceURI: "http://127.0.0.1:9999", services: [], regions: [], rewardCutPpm: 0n, feeSharePpm: 0n }),
    ).rejects.toBeInstanceOf(NotBondedToSelf);
  });

  it("initializes a round that nobody has, once", async () => {
    await mineToNextRound();
    expect(await ensureRoundInitialized(c)).toBe(true);
    expect(await ensureRoundInitialized(c)).toBe(false);
  });

  it("calls reward once per round while active, and mints LPT for it", async () => {
    await mineToNextRound(); // the seeded orchestrator is active from the round after the seed
    const before = await c.contracts.bondingManager.read.transcoderTotalStake([c.account.address]);
    const first = await callRewardIfDue(c);
    expect(first.called).toBe(true);
    expect(await c.contracts.bondingManager.read.transcoderTotalStake([c.account.address])).toBeGreaterThan(before);
    expect(await callRewardIfDue(c)).toMatchObject({ called: false, reason: "already called", round: first.round });

    await mineToNextRound();
    const next = await callRewardIfDue(c);
    expect(next).toMatchObject({ called: true, round: first.round + 1n });
  });
});
