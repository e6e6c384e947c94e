// Issue acceptance, end to end on real parts: a local chain deployed and seeded by the project's scripts, the
// orchestrator node started by its CLI, real ffmpeg, real WebRTC, and a Node broadcaster built from the protocol
// library that streams 10 segments of a real clip, pays with tickets, and sees its winners redeemed on chain.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, numberToHex, parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { bondingManagerAbi, roundsManagerAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import { renditionPayloads, signedReceiptOf, type JobRequest, type Result } from "../../src/lib/protocol/messages.ts";
import { recoverReceiptSigner } from "../../src/lib/protocol/receipt.ts";
import { probeMedia } from "../../orchestrator-node/transcode/ffprobe.ts";
import { chainFor } from "../../orchestrator-node/chain/clients.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { NodeBroadcaster } from "./node-broadcaster.ts";

const CHAIN_PORT = 18630;
const NODE_PORT = 18935;
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // dev account #0
const ORCHESTRATOR: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // dev account #1, seeded
const DELEGATOR: Address = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"; // dev account #4, bonded to #1 by the seed
/** A price high enough that tickets win often (the face value is sized to gas, the win probability to the price). */
const PRICE_PER_SEGMENT_WEI = 10n ** 16n;

let node: ChildProcess;
let nodeLog = "";
let deploymentsFile: string;
let rpcUrl: string;

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- node log ---\n${nodeLog.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-e2e-node-"));
  deploymentsFile = join(dir, "localhost.json");
  ({ rpcUrl } = await startLocalNetwork({ port: CHAIN_PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }));
  const config = join(dir, "node.json");
  await writeFile(config, JSON.stringify({ regions: ["eu-west"], pricePerSegmentWei: PRICE_PER_SEGMENT_WEI.toString() }));
  node = spawn(
    process.execPath,
    ["--no-warnings", "orchestrator-node/cli.ts", "--config", config, "--dev-account", "1", "--rpc-url", rpcUrl,
      "--deployments", deploymentsFile, "--port", String(NODE_PORT), "--data-dir", join(dir, "data"), "--log-level", "debug"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  node.stdout!.on("data", (d: Buffer) => (nodeLog += d.toString()));
  node.stderr!.on("data", (d: Buffer) => (nodeLog += d.toString()));
  await waitFor("the node's /healthz", async () => ((await fetch(`http://127.0.0.1:${NODE_PORT}/healthz`)).ok ? true : undefined), 60_000);

  // The seeded orchestrators are active from the round after the seed: move there (the node initializes it).
  const client = createPublicClient({ transport: http(rpcUrl) });
  const d = await loadDeploymentsFile(deploymentsFile);
  const rounds = { address: d.contracts.RoundsManager, abi: roundsManagerAbi } as const;
  const start = await client.readContract({ ...rounds, functionName: "currentRoundStartBlock" });
  const length = await client.readContract({ ...rounds, functionName: "roundLength" });
  const now = await client.getBlockNumber({ cacheTime: 0 });
  await client.request({ method: "hardhat_mine" as never, params: [numberToHex(start + length - now)] as never });
  await waitFor("3 active orchestrators", async () => {
    const initialized = await client.readContract({ ...rounds, functionName: "currentRoundInitialized" });
    const pool = await client.readContract({ address: d.contracts.BondingManager, abi: bondingManagerAbi, functionName: "getTranscoderPoolSize" });
    return initialized && pool === 3n ? true : undefined;
  }, 30_000);
}, 240_000);

afterAll(async () => {
  node?.kill("SIGTERM");
  await new Promise((r) => (node?.exitCode !== null ? r(undefined) : node.once("exit", r)));
  await stopAll();
});

describe("orchestrator node, end to end", () => {
  it("transcodes 10 paid segments, and its winning tickets are redeemed with fees for the orchestrator and its delegators", async () => {
    const d = await loadDeploymentsFile(deploymentsFile);
    const chain = createPublicClient({ transport: http(rpcUrl) });
    const broadcasterAccount = privateKeyToAccount(generatePrivateKey());
    // A wallet funds the broadcaster's key (as the page's Fund button does): deposit and reserve.
    const funder = createWalletClient({ account: privateKeyToAccount(DEPLOYER_KEY), transport: http(rpcUrl), chain: chainFor(d.chainId, rpcUrl) });
    const fundHash = await funder.writeContract({
      address: d.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: "fundDepositAndReserveFor",
      args: [broadcasterAccount.address, parseEther("1"), parseEther("1")], value: parseEther("2"),
    });
    await chain.waitForTransactionReceipt({ hash: fundHash });

    const bm = { address: d.contracts.BondingManager, abi: bondingManagerAbi } as const;
    const feesBefore = {
      orchestrator: await chain.readContract({ ...bm, functionName: "pendingFees", args: [ORCHESTRATOR] }),
      delegator: await chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR] }),
    };

    const job: JobRequest = {
      v: 1, type: "jobRequest", streamId: "e2e-stream", serviceId: "CPUTranscoding", broadcaster: broadcasterAccount.address,
      input: { codec: "h264", width: 1280, height: 720, fps: 30 },
      output: [
        { name: "480p", width: 854, height: 480, bitrateKbps: 1600 },
        { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
      ],
    };
    const broadcaster = new NodeBroadcaster(broadcasterAccount, `http://127.0.0.1:${NODE_PORT}`);
    const quote = await broadcaster.quote(job);
    expect(quote.price).toEqual({ per: "segment", priceWei: PRICE_PER_SEGMENT_WEI });
    await broadcaster.open(job);

    const segments = await makeSegmentedClip({ count: 10 });
    const dir = await mkdtemp(join(tmpdir(), "streamflow-e2e-out-"));
    for (const [i, bytes] of segments.entries()) {
      const { message, payload } = await broadcaster.sendSegment(job.streamId, i, bytes, 2000);
      expect(message, `segment ${i}: ${JSON.stringify(message)}`).toMatchObject({ type: "result", sequenceNumber: i });
      const result = message as Result;
      expect(await recoverReceiptSigner(signedReceiptOf(result))).toBe(ORCHESTRATOR);
      for (const [r, rendition] of renditionPayloads(result, payload).entries()) {
        const path = join(dir, `${i}-${r}.mp4`);
        await writeFile(path, rendition);
        const info = await probeMedia(path);
        const wanted = job.output[r]!;
        expect(info.video).toMatchObject({ width: wanted.width, height: wanted.height, frameCount: 60, codec: "h264" });
        expect(Math.abs(info.durationMs - 2000)).toBeLessThanOrEqual(50);
      }
    }
    broadcaster.close();

    // Winners are redeemed on chain by the node's redeemer; the fees split between the orchestrator and its delegators.
    const fees = await waitFor("redeemed fees in the BondingManager", async () => {
      const orchestrator = await chain.readContract({ ...bm, functionName: "pendingFees", args: [ORCHESTRATOR] });
      const delegator = await chain.readContract({ ...bm, functionName: "pendingFees", args: [DELEGATOR] });
      return orchestrator > feesBefore.orchestrator && delegator > feesBefore.delegator ? { orchestrator, delegator } : undefined;
    }, 60_000);
    expect(fees.orchestrator).toBeGreaterThan(feesBefore.orchestrator);
    expect(fees.delegator).toBeGreaterThan(feesBefore.delegator);
    const metrics = await (await fetch(`http://127.0.0.1:${NODE_PORT}/metrics`)).text();
    expect(metrics).toMatch(/streamflow_segments_total\{outcome="transcoded"\} 10/);
    expect(metrics).toMatch(/streamflow_tickets_won_total [1-9]/);
  }, 240_000);
});
