// The payment path on a real chain: tickets made with the protocol library are validated, queued and redeemed by the
// redeemer, alone and in batches, and the fees reach the orchestrator and its delegator in the BondingManager.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFunctionData, keccak256, numberToHex, parseEther, stringToHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalNetwork } from "../../scripts/lib/local-network.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import type { Deployments } from "../../src/lib/chain/deployments.ts";
import { issueTicketParams, newRecipientSecret } from "../../src/lib/protocol/params.ts";
import { makeTicket, signTicket } from "../../src/lib/protocol/ticket.ts";
import { MAX_WIN_PROB } from "../../src/lib/protocol/winprob.ts";
import { createChainClients, sendAndWait, type ChainClients } from "../chain/clients.ts";
import { ensureRoundInitialized } from "../chain/rounds.ts";
import { Redeemer } from "./redeemer.ts";
import { RedemptionQueue, type WinningTicket } from "./redemption-queue.ts";
import { TicketValidator } from "./validator.ts";

const PORT = 18610;
/** Hardhat's dev account #1: the first seeded orchestrator. */
const ORCHESTRATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** Dev account #4: the seeded delegator, bonded to orchestrator #1. */
const DELEGATOR: Address = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
/** Dev account #6: a wallet that funds the broadcaster's ticket-signing key. */
const FUNDER_KEY = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
/** Dev account #7: anyone at all, who may submit a known winning ticket (the fees still go to its recipient). */
const OUTSIDER_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
/** Redeeming it costs about 0.1% of it at the local chain's gas price, well within the default 1% overhead. */
const FACE_VALUE = parseEther("0.1");

const secret = newRecipientSecret();
const sender = privateKeyToAccount(generatePrivateKey());
let c: ChainClients;
let outsider: ChainClients;
let deployments: Deployments;
let validator: TicketValidator;

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return c.publicClient.request({ method: method as never, params: params as never });
}

async function mineToNextRound(): Promise<void> {
  const start = await c.contracts.rounds.read.currentRoundStartBlock();
  const length = await c.contracts.rounds.read.roundLength();
  const now = await c.publicClient.getBlockNumber({ cacheTime: 0 });
  await rpc("hardhat_mine", [numberToHex(start + length - now)]);
  await ensureRoundInitialized(c);
}

/** What the broadcaster and the orchestrator's session do for one segment: fresh params, tickets, validation, queueing. */
async function payAndQueue(queue: RedemptionQueue, o: { faceValue?: bigint; nonces?: bigint[] } = {}): Promise<WinningTicket[]> {
  const currentRound = await c.contracts.rounds.read.currentRound();
  const currentBlock = await c.publicClient.getBlockNumber({ cacheTime: 0 });
  const params = issueTicketParams({
    secret,
    recipient: c.account.address,
    faceValue: o.faceValue ?? FACE_VALUE,
    winProb: MAX_WIN_PROB, // every ticket wins
    expirationBlock: currentBlock + 1_000n,
    creationRound: currentRound,
    creationRoundBlockHash: await c.contracts.rounds.read.blockHashForRound([currentRound]),
  });
  const tickets = await Promise.all((o.nonces ?? [1n]).map((n) => signTicket(sender, makeTicket(params, sender.address, n))));
  const result = await validator.validatePayment(
    { seed: params.seed, expirationBlock: params.expirationBlock, tickets },
    { currentBlock, currentRound, sender: sender.address },
  );
  expect(result.rejections).toEqual([]);
  expect(result.retiredRecipientRandHash).toBe(params.recipientRandHash);
  for (const w of result.winningTickets) expect(queue.enqueue(w)).toBe(true);
  return result.winningTickets;
}

/** A fresh queue and redeemer, with a monitor that records what it is told. */
function setup(o: { maxRedeemOverheadPpm?: bigint } = {}) {
  const queue = RedemptionQueue.open(":memory:");
  const removed: [Address, bigint][] = [];
  const monitor = { addPending() {}, removePending: (s: Address, faceValue: bigint) => void removed.push([s, faceValue]) };
  return { queue, removed, redeemer: new Redeemer({ clients: c, queue, monitor, ...o }) };
}

async function fees(): Promise<{ orchestrator: bigint; delegator: bigint }> {
  const [orchestrator, delegator] = await Promise.all([
    c.contracts.bondingManager.read.pendingFees([c.account.address]),
    c.contracts.bondingManager.read.pendingFees([DELEGATOR]),
  ]);
  return { orchestrator, delegator };
}

async function functionCalled(txHash: Hex): Promise<string> {
  const tx = await c.publicClient.getTransaction({ hash: txHash });
  return decodeFunctionData({ abi: ticketBrokerAbi, data: tx.input }).functionName;
}

const hashes = (ws: WinningTicket[]) => ws.map((w) => w.ticketHash);

beforeAll(async () => {
  const deploymentsFile = join(await mkdtemp(join(tmpdir(), "streamflow-redeemer-")), "localhost.json");
  const { rpcUrl } = await startLocalNetwork({ port: PORT, deploymentsFile, seed: true, roundKeeper: false, verbose: false });
  deployments = await loadDeploymentsFile(deploymentsFile);
  c = createChainClients({ rpcUrl, privateKey: ORCHESTRATOR_KEY, deployments, pollingIntervalMs: 50 });
  outsider = createChainClients({ rpcUrl, privateKey: OUTSIDER_KEY, deployments, pollingIntervalMs: 50 });
  // Rounds move only when a test mines them, so a test's round cannot change under it.
  await rpc("evm_setIntervalMining", [0]);

  const funder = createChainClients({ rpcUrl, privateKey: FUNDER_KEY, deployments });
  const [deposit, reserve] = [parseEther("2"), parseEther("1")];
  await sendAndWait(funder, "fundDepositAndReserveFor", () =>
    funder.contracts.ticketBroker.write.fundDepositAndReserveFor([sender.address, deposit, reserve], { value: deposit + reserve }),
  );
  await mineToNextRound(); // the seeded stake earns fees from the round after the seed

  validator = new TicketValidator({
    secret,
    recipient: c.account.address,
    ticketValidityPeriodRounds: await c.contracts.ticketBroker.read.ticketValidityPeriodRounds(),
    blockHashForRound: (round) => c.contracts.rounds.read.blockHashForRound([round]),
  });
}, 180_000);

afterAll(async () => {
  await stopAll();
});

describe("Redeemer on a real chain", { timeout: 60_000 }, () => {
  it("redeems a lone winning ticket with redeemWinningTicket, and its fees reach the orchestrator and its delegator", async () => {
    const { queue, redeemer, removed } = setup();
    const before = await fees();
    const [won] = await payAndQueue(queue);

    const report = await redeemer.tick();

    expect(report.redeemed).toEqual([won!.ticketHash]);
    expect(report.transactions).toHaveLength(1);
    expect(await functionCalled(report.transactions[0]!)).toBe("redeemWinningTicket");
    expect(queue.get(won!.ticketHash)).toMatchObject({ status: "redeemed", txHash: report.transactions[0] });
    expect(await c.contracts.ticketBroker.read.usedTickets([won!.ticketHash])).toBe(true);
    const after = await fees();
    const orchestratorFees = after.orchestrator - before.orchestrator;
    const delegatorFees = after.delegator - before.delegator;
    expect(orchestratorFees).toBeGreaterThan(0n);
    expect(delegatorFees).toBeGreaterThan(0n);
    expect(FACE_VALUE - (orchestratorFees + delegatorFees)).toBeGreaterThanOrEqual(0n); // fee factors round down
    expect(FACE_VALUE - (orchestratorFees + delegatorFees)).toBeLessThan(1_000n);
    expect(redeemer.counters).toMatchObject({ ticketsRedeemed: 1, weiRedeemed: FACE_VALUE, redeemTransactions: 1 });
    expect(redeemer.counters.gasSpentWei).toBeGreaterThan(0n);
    expect(removed).toEqual([[sender.address, FACE_VALUE]]);
  });

  it("redeems several due tickets in one batchRedeemWinningTickets transaction", async () => {
    const { queue, redeemer } = setup();
    const before = await fees();
    const won = await payAndQueue(queue, { nonces: [1n, 2n, 3n] });

    const report = await redeemer.tick();

    expect(report.redeemed.sort()).toEqual(hashes(won).sort());
    expect(report.transactions).toHaveLength(1);
    expect(await functionCalled(report.transactions[0]!)).toBe("batchRedeemWinningTickets");
    for (const w of won) expect(queue.get(w.ticketHash)?.status).toBe("redeemed");
    const after = await fees();
    const paid = after.orchestrator - before.orchestrator + (after.delegator - before.delegator);
    expect(3n * FACE_VALUE - paid).toBeGreaterThanOrEqual(0n);
    expect(3n * FACE_VALUE - paid).toBeLessThan(1_000n);
    expect(redeemer.counters).toMatchObject({ ticketsRedeemed: 3, weiRedeemed: 3n * FACE_VALUE, redeemTransactions: 1 });
  });

  it("marks a ticket already used on chain as rejected, without sending a transaction for it", async () => {
    const { queue, redeemer, removed } = setup();
    const [won] = await payAndQueue(queue);
    await sendAndWait(outsider, "redeemWinningTicket", () =>
      outsider.contracts.ticketBroker.write.redeemWinningTicket([won!.ticket, won!.sig, won!.recipientRand]),
    );

    const report = await redeemer.tick();

    expect(report).toMatchObject({ rejected: [won!.ticketHash], redeemed: [], transactions: [] });
    expect(queue.get(won!.ticketHash)).toMatchObject({ status: "rejected", lastError: "TicketAlreadyUsed" });
    expect(redeemer.counters).toMatchObject({ ticketsRejected: 1, ticketsRedeemed: 0 });
    expect(removed).toEqual([[sender.address, FACE_VALUE]]);
  });

  it("settles a batch from its WinningTicketSkipped events: a ticket spent while the batch was in flight is rejected, the rest redeemed", async () => {
    const { queue, redeemer } = setup();
    const won = await payAndQueue(queue, { nonces: [1n, 2n, 3n] });
    const [first, spent, third] = won as [WinningTicket, WinningTicket, WinningTicket];

    await rpc("evm_setAutomine", [false]);
    try {
      const ticking = redeemer.tick();
      // Wait for the batch to be in the mempool, then get a redemption of one of its tickets mined ahead of it.
      let batchTx: Hex | null = null;
      while (batchTx === null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const txHash = queue.get(spent.ticketHash)?.txHash ?? null;
        if (txHash !== null && (await rpc("eth_getTransactionByHash", [txHash])) !== null) batchTx = txHash;
      }
      await outsider.contracts.ticketBroker.write.redeemWinningTicket([spent.ticket, spent.sig, spent.recipientRand], {
        gas: 500_000n,
        maxPriorityFeePerGas: parseEther("0.0000001"),
        maxFeePerGas: parseEther("0.000001"),
      });
      await rpc("evm_mine");
      const report = await ticking;

      expect(report.transactions).toEqual([batchTx]);
      expect(report.redeemed.sort()).toEqual([first.ticketHash, third.ticketHash].sort());
      expect(report.rejected).toEqual([spent.ticketHash]);
      expect(queue.get(spent.ticketHash)).toMatchObject({ status: "rejected", lastError: "TicketAlreadyUsed" });
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  it("holds back a ticket whose gas would take more than maxRedeemOverheadPpm of its faceValue, until its last redeemable round", async () => {
    const { queue, redeemer } = setup();
    // About 10% of the faceValue goes to gas: over the 1% allowed, yet worth redeeming rather than losing.
    const faceValue = (await c.publicClient.getGasPrice()) * 120_000n * 10n;
    const [small] = await payAndQueue(queue, { faceValue });

    const early = await redeemer.tick();
    expect(early).toMatchObject({ heldBack: [small!.ticketHash], transactions: [] });
    expect(queue.get(small!.ticketHash)?.status).toBe("queued");

    await mineToNextRound();
    expect(await c.contracts.rounds.read.currentRound()).toBe(small!.expirationRound - 1n);
    const late = await redeemer.tick();
    expect(late.redeemed).toEqual([small!.ticketHash]);
    expect(queue.get(small!.ticketHash)?.status).toBe("redeemed");
  });

  it("batches what is worth batching while holding back a small ticket in the same pass", async () => {
    const { queue, redeemer } = setup();
    const faceValue = (await c.publicClient.getGasPrice()) * 120_000n * 10n;
    const big = await payAndQueue(queue, { nonces: [1n, 2n] });
    const [small] = await payAndQueue(queue, { faceValue });

    const report = await redeemer.tick();

    expect(report.redeemed.sort()).toEqual(hashes(big).sort());
    expect(report.heldBack).toEqual([small!.ticketHash]);
    expect(await functionCalled(report.transactions[0]!)).toBe("batchRedeemWinningTickets");
  });

  it("never redeems a ticket at a loss, and marks it lost with its face value when it expires", async () => {
    const { queue, redeemer, removed } = setup();
    const [tiny] = await payAndQueue(queue, { faceValue: 1_000n }); // less than any redemption's gas

    expect((await redeemer.tick()).heldBack).toEqual([tiny!.ticketHash]);
    await mineToNextRound();
    expect((await redeemer.tick()).heldBack).toEqual([tiny!.ticketHash]); // its last round: still a loss
    await mineToNextRound();
    const report = await redeemer.tick();

    expect(report.lost).toEqual([tiny!.ticketHash]);
    expect(queue.get(tiny!.ticketHash)?.status).toBe("lost");
    expect(redeemer.counters).toMatchObject({ ticketsLost: 1, faceValueLostWei: 1_000n, redeemTransactions: 0 });
    expect(removed).toEqual([[sender.address, 1_000n]]);
  });

  it("after a restart, settles tickets left 'submitted': redeemed if their transaction was mined, queued again if it never was", async () => {
    const { queue, redeemer } = setup();
    const [mined, neverSent] = await payAndQueue(queue, { nonces: [1n, 2n] });
    // The previous run sent one transaction and crashed before its receipt; the other never reached the chain.
    const minedTx = await sendAndWait(c, "redeemWinningTicket", () =>
      c.contracts.ticketBroker.write.redeemWinningTicket([mined!.ticket, mined!.sig, mined!.recipientRand]),
    );
    queue.markSubmitted([mined!.ticketHash], minedTx);
    queue.markSubmitted([neverSent!.ticketHash], keccak256(stringToHex("a transaction that was never sent")));

    await redeemer.start();

    expect(queue.get(mined!.ticketHash)).toMatchObject({ status: "redeemed", txHash: minedTx });
    expect(queue.get(neverSent!.ticketHash)?.status).toBe("queued");
    expect(redeemer.counters).toMatchObject({ ticketsRedeemed: 1, weiRedeemed: FACE_VALUE });
  });
});
