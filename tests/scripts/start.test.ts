// The README's start command, end to end: a fresh local chain, the contracts deployed, the network seeded,
// protocol time moving, and everything stopped by Ctrl-C (SIGINT). Real Hardhat node on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, parseEther, type Abi, type Address } from "viem";
import { probeChainId } from "../../scripts/lib/rpc.ts";
import { SEED_BROADCASTER, SEED_ORCHESTRATORS } from "../../scripts/lib/seed-network.ts";

const PORT = 18545; // not 8545, so a developer's running chain is left alone
const RPC_URL = `http://127.0.0.1:${PORT}`;
const BROADCASTER: Address = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc"; // dev account #5

async function abiOf(path: string): Promise<Abi> {
  return JSON.parse(await readFile(join("artifacts/contracts", path), "utf8")).abi as Abi;
}

const WEB_URL = "http://127.0.0.1:18546";

test("npm start brings up chain, contracts, seeded network, orchestrators and web app, and Ctrl-C stops it all", { timeout: 240_000 }, async () => {
  const deployments = join(await mkdtemp(join(tmpdir(), "streamflow-start-")), "localhost.json");
  const child = spawn("node", ["scripts/start.ts"], {
    env: { ...process.env, STREAMFLOW_CHAIN_PORT: String(PORT), STREAMFLOW_WEB_PORT: new URL(WEB_URL).port, STREAMFLOW_DEPLOYMENTS: deployments, STREAMFLOW_DATA_DIR: join(deployments, "..", "data") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes("Streamflow is up.")) (clearInterval(timer), resolve());
        if (child.exitCode !== null) (clearInterval(timer), reject(new Error(`start exited early:\n${output}`)));
      }, 200);
    });

    const file = JSON.parse(await readFile(deployments, "utf8"));
    assert.equal(file.chainId, 31337);
    for (const name of ["LivepeerToken", "RoundsManager", "BondingManager", "Minter", "TicketBroker", "ServiceRegistry"]) {
      assert.match(file.contracts[name], /^0x[0-9a-fA-F]{40}$/, `${name} address`);
    }

    const client = createPublicClient({ transport: http(RPC_URL) });
    const registry = { address: file.contracts.ServiceRegistry, abi: await abiOf("registry/ServiceRegistry.sol/ServiceRegistry.json") };
    const broker = { address: file.contracts.TicketBroker, abi: await abiOf("pm/TicketBroker.sol/TicketBroker.json") };
    const bonding = { address: file.contracts.BondingManager, abi: await abiOf("bonding/BondingManager.sol/BondingManager.json") };
    const rounds = { address: file.contracts.RoundsManager, abi: await abiOf("rounds/RoundsManager.sol/RoundsManager.json") };

    assert.equal(await client.readContract({ ...registry, functionName: "orchestratorCount" }), 3n);
    const seededUris = SEED_ORCHESTRATORS.map((o) => o.serviceURI);
    const orchestrators = (await client.readContract({ ...registry, functionName: "getOrchestrators", args: [0n, 10n] })) as {
      addr: Address;
      serviceURI: string;
      totalStake: bigint;
      registered: boolean;
    }[];
    assert.deepEqual(orchestrators.map((o) => o.serviceURI).sort(), [...seededUris].sort());
    for (const o of orchestrators) assert.equal(o.registered, true);

    const [sender] = (await client.readContract({ ...broker, functionName: "getSenderInfo", args: [BROADCASTER] })) as [
      { deposit: bigint; withdrawRound: bigint },
      unknown,
    ];
    assert.equal(sender.deposit, SEED_BROADCASTER.deposit);
    assert.equal(SEED_BROADCASTER.deposit, parseEther("1"));

    // Protocol time moves by itself: the round keeper initializes the next round once the chain reaches it.
    const roundAtStart = (await client.readContract({ ...rounds, functionName: "currentRound" })) as bigint;
    const deadline = Date.now() + 60_000;
    let active = 0n;
    while (Date.now() < deadline) {
      const round = (await client.readContract({ ...rounds, functionName: "currentRound" })) as bigint;
      const initialized = await client.readContract({ ...rounds, functionName: "currentRoundInitialized" });
      if (round > roundAtStart && initialized) {
        active = (await client.readContract({ ...bonding, functionName: "getTranscoderPoolSize" })) as bigint;
        if (active === 3n) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(active, 3n, "the three seeded orchestrators are active once the next round is initialized");

    // Their nodes answer, and the third has its remote transcoder in its pool.
    for (const o of SEED_ORCHESTRATORS) {
      const health = (await (await fetch(`${o.serviceURI}/healthz`)).json()) as { ok: boolean; transcoders: number };
      assert.equal(health.ok, true, `${o.serviceURI} is healthy`);
    }
    const third = SEED_ORCHESTRATORS[2]!.serviceURI;
    const deadlineTranscoder = Date.now() + 30_000;
    let transcoders = 0;
    while (Date.now() < deadlineTranscoder && transcoders < 1) {
      transcoders = ((await (await fetch(`${third}/healthz`)).json()) as { transcoders: number }).transcoders;
      if (transcoders < 1) await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(transcoders, 1, "the third orchestrator's pool has its remote transcoder");

    assert.match(output, new RegExp(`Open ${WEB_URL}/broadcast to go live`), "it prints the URL to open");
    const page = await fetch(`${WEB_URL}/broadcast`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Go live/);
    const served = (await (await fetch(`${WEB_URL}/deployments.json`)).json()) as { contracts: Record<string, string> };
    const lower = (c: Record<string, string>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.toLowerCase()]));
    assert.deepEqual(lower(served.contracts), lower(file.contracts), "the web app serves the deployments the system uses");
  } finally {
    child.kill("SIGINT");
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]);
  assert.equal(code, 0, `start stops cleanly on SIGINT:\n${output.slice(-2000)}`);
  assert.match(output, /Stopped\./);
  assert.equal(await probeChainId(RPC_URL), undefined, "the chain is gone after Ctrl-C");
  assert.equal(await fetch(WEB_URL).then(() => "up", () => undefined), undefined, "the web app is gone after Ctrl-C");
});
