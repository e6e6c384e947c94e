// The fault verifier end to end on a real local chain: `orchestrator-node verifier` (dev account #8) watches the
// FaultVerifier, takes a challenger's evidence over HTTP, judges it with native ffmpeg and submits its verdict — a
// faulty rendition slashes the orchestrator, an honest one pays the challenger's bond to it; a restart skips nothing.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, getContract, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { startService, stopAll } from "../../scripts/lib/processes.ts";
import { bondingManagerAbi, faultVerifierAbi, roundsManagerAbi } from "../../src/lib/chain/abis.generated.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import { contentHash, ladderHash, signReceipt, type TranscodeReceipt } from "../../src/lib/protocol/receipt.ts";
import { makeSegmentedClip } from "../../tests/media/make-clip.ts";
import { chainFor } from "../chain/clients.ts";
import { devAccountPrivateKey } from "../keys/node-key.ts";
import { corruptRendition } from "../transcode/faults.ts";
import type { Rendition } from "../transcode/ladder.ts";
import { transcodeSegment } from "../transcode/transcode.ts";

const CHAIN_PORT = 18910;
const VERIFIER_PORT = 18911;
const VERIFIER_URL = `http://127.0.0.1:${VERIFIER_PORT}`;
const LADDER: Rendition[] = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];
/** Seeded orchestrator (dev account #1) and a challenger with ETH but no part in the network (#6). */
const orchestrator = privateKeyToAccount(devAccountPrivateKey(1));
const challenger = privateKeyToAccount(devAccountPrivateKey(6));

let deploymentsFile: string;
let dataDir: string;
let rpcUrl: string;
let verifierProcess: ChildProcess | undefined;
let contracts: Awaited<ReturnType<typeof connect>>;
let source: Uint8Array;
let honest: Uint8Array[];

async function connect() {
  const deployments = await loadDeploymentsFile(deploymentsFile);
  const chain = chainFor(deployments.chainId, rpcUrl);
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 100 });
  const wallet = createWalletClient({ chain, transport: http(rpcUrl), account: challenger });
  const client = { public: publicClient, wallet };
  return {
    publicClient,
    faultVerifier: getContract({ abi: faultVerifierAbi, address: deployments.contracts.FaultVerifier!, client }),
    bondingManager: getContract({ abi: bondingManagerAbi, address: deployments.contracts.BondingManager, client }),
    rounds: getContract({ abi: roundsManagerAbi, address: deployments.contracts.RoundsManager, client }),
  };
}

function startVerifierProcess(): ChildProcess {
  const args = [
    "--no-warnings", resolve("orchestrator-node/cli.ts"), "verifier", "--dev-account", "8",
    "--rpc-url", rpcUrl, "--deployments", deploymentsFile, "--port", String(VERIFIER_PORT), "--data-dir", dataDir,
    "--poll-interval-ms", "200",
  ];
  // Errors only: a failing test shows why the verifier did not answer.
  return startService("verifier", process.execPath, args, {}, (line) => /"level":(50|60)/.test(line) || !line.startsWith("{"));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const healthy = () => waitFor("the verifier's /healthz", async () => ((await fetch(`${VERIFIER_URL}/healthz`)).ok ? true : undefined));

async function stopVerifierProcess(): Promise<void> {
  const child = verifierProcess;
  verifierProcess = undefined;
  if (!child || child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGTERM");
  await exited;
}

/** Signs a receipt of `outputs` for segment `sequenceNumber` as the orchestrator, and files a challenge of output 0. */
async function fileChallenge(sequenceNumber: number, outputs: Uint8Array[]): Promise<Hex> {
  const receipt: TranscodeReceipt = {
    streamId: "verifier-it",
    sequenceNumber,
    inputHash: contentHash(source),
    jobHash: ladderHash(LADDER),
    outputs: outputs.map((bytes, i) => ({ rendition: LADDER[i]!.name, hash: contentHash(bytes) })),
    orchestrator: orchestrator.address,
    round: await contracts.rounds.read.currentRound(),
  };
  const { sig } = await signReceipt(orchestrator, receipt);
  const { faultVerifier, publicClient } = contracts;
  const value = await faultVerifier.read.challengeBondWei();
  const hash = await faultVerifier.write.challenge([{ ...receipt, sequenceNumber: BigInt(sequenceNumber), outputs: [...receipt.outputs] }, sig, 0n], { value });
  const mined = await publicClient.waitForTransactionReceipt({ hash });
  expect(mined.status).toBe("success");
  return faultVerifier.read.receiptHash([{ ...receipt, sequenceNumber: BigInt(sequenceNumber), outputs: [...receipt.outputs] }]);
}

async function upload(rendition: Uint8Array): Promise<void> {
  for (const bytes of [source, rendition]) {
    const res = await fetch(`${VERIFIER_URL}/evidence/${contentHash(bytes)}`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: new Blob([new Uint8Array(bytes)]),
    });
    expect(res.status).toBe(200);
  }
  const res = await fetch(`${VERIFIER_URL}/evidence/ladder/${ladderHash(LADDER)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ output: LADDER }),
  });
  expect(res.status).toBe(200);
}

interface ChallengeView {
  status: string;
  verdict?: { faulty: boolean; reason: string; failures: { check: string }[] };
  txHash?: Hex;
}

const verdictOf = (id: Hex) =>
  waitFor(`the verdict on ${id}`, async () => {
    const res = await fetch(`${VERIFIER_URL}/challenges/${id}`);
    const view = res.ok ? ((await res.json()) as ChallengeView) : undefined;
    return view?.status === "verdict-submitted" ? view : undefined;
  });

const stakeOf = (who: Address) => contracts.bondingManager.read.transcoderTotalStake([who]);

/** Who the challenge's bond went to when it was resolved. */
async function bondRecipientOf(id: Hex): Promise<Address | undefined> {
  const logs = await contracts.publicClient.getContractEvents({
    address: contracts.faultVerifier.address,
    abi: faultVerifierAbi,
    eventName: "ChallengeResolved",
    args: { id },
    fromBlock: 0n,
    strict: true,
  });
  return logs[0]?.args.bondRecipient;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "streamflow-verifier-it-"));
  deploymentsFile = join(dir, "localhost.json");
  dataDir = join(dir, "verifier");
  const [segments, network] = await Promise.all([
    makeSegmentedClip({ count: 1, width: 1280, height: 720 }),
    startLocalNetwork({ port: CHAIN_PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false }),
  ]);
  source = segments[0]!;
  rpcUrl = network.rpcUrl;
  honest = (await transcodeSegment(source, LADDER, { encoder: "libx264" })).renditions.map((r) => r.bytes);
  contracts = await connect();
  verifierProcess = startVerifierProcess();
  await healthy();
}, 240_000);

afterAll(async () => {
  await stopVerifierProcess();
  await stopAll();
});

describe("orchestrator-node verifier on a local chain", () => {
  it("judges black frames faulty: the orchestrator is slashed and the challenger gets its bond back", async () => {
    const faulty = await corruptRendition("black-frames", honest[0]!, LADDER[0]!);
    const stakeBefore = await stakeOf(orchestrator.address);
    const id = await fileChallenge(1, [faulty, honest[1]!]);
    await upload(faulty);

    const view = await verdictOf(id);
    expect(view.verdict).toMatchObject({ faulty: true, failures: [{ check: "ssim" }] });
    const onChain = await contracts.faultVerifier.read.getChallenge([id]);
    expect(onChain.status).toBe(2); // Faulty
    expect(await bondRecipientOf(id)).toBe(challenger.address);
    const receipt = await contracts.publicClient.getTransactionReceipt({ hash: view.txHash! });
    expect(receipt.status).toBe("success");
    const stakeAfter = await stakeOf(orchestrator.address);
    expect(stakeAfter).toBeLessThan(stakeBefore);
    // LOCAL_PARAMS slash 10% of the orchestrator's own bond.
    expect(stakeBefore - stakeAfter).toBeGreaterThan(stakeBefore / 20n);
  }, 120_000);

  it("after a restart, judges an honest rendition not faulty: the stake stays, the bond goes to the orchestrator", async () => {
    await stopVerifierProcess();
    const stakeBefore = await stakeOf(orchestrator.address);
    // Filed while the verifier is down: it must find it on restart, from where it stopped reading.
    const id = await fileChallenge(2, honest);
    verifierProcess = startVerifierProcess();
    await healthy();
    await upload(honest[0]!);

    const view = await verdictOf(id);
    expect(view.verdict).toMatchObject({ faulty: false, failures: [] });
    expect(view.verdict?.reason).toMatch(/360p matches its source/);
    expect((await contracts.faultVerifier.read.getChallenge([id])).status).toBe(3); // NotFaulty
    expect(await bondRecipientOf(id)).toBe(orchestrator.address);
    expect(await stakeOf(orchestrator.address)).toBe(stakeBefore);
  }, 120_000);
});
