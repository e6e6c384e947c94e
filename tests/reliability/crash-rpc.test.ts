// Reliability: the node's chain connection cut mid-stream (a TCP proxy between the node and the Hardhat node drops
// every connection and refuses new ones), then restored. While it is down the node answers each request with a
// transcoded result or a named error, never an internal one; once it is back, service resumes and every winning
// ticket, queued while the chain was away, is redeemed exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainFor } from "../../orchestrator-node/chain/clients.ts";
import { devAccountPrivateKey } from "../../orchestrator-node/keys/node-key.ts";
import { roundsManagerAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { decodeMessage, encodeMessage, type Message } from "../../src/lib/protocol/messages.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { scaled } from "./bounds.ts";
import { FailoverBroadcaster, streamJob } from "./lib/crash-failover.ts";
import { deploymentsFileFor, startNodeProcess, type NodeProcess } from "./lib/crash-nodes.ts";
import { queuedTickets, redemptionsOnChain } from "./lib/crash-redemptions.ts";
import { startProxy, type CuttableProxy } from "./lib/proxy.ts";

/** Every ticket wins (the price is above the gas-sized face value), so each served segment queues a winner. */
const PRICE = { pricePerSegmentWei: (10n ** 17n).toString() };
const SEGMENTS_BEFORE = scaled(4, 2);
const SEGMENTS_DURING = scaled(6, 3);
const SEGMENTS_AFTER = scaled(4, 2);
/** How long the chain stays away while segments keep coming. */
const OUTAGE_MS = scaled(30_000, 8_000);

let net: E2eNetwork;
let proxy: CuttableProxy;
let node: NodeProcess;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19640, nodePort: 19641, devAccount: 1, nodeSettings: PRICE });
  proxy = await startProxy({ listenPort: 19642, targetPort: 19640 });
  await outlastOutage(net);
  node = await startNodeProcess({
    rpcUrl: proxy.url, deploymentsFile: await deploymentsFileFor(net.deployments), devAccount: 2, port: 19643,
    settings: { ...PRICE, redeemIntervalMs: 1_000 },
  });
}, 300_000);

/**
 * A winner is redeemable from its creation round for ticketValidityPeriodRounds rounds: on the local chain (a block a
 * second, 20-block rounds, 2 rounds) 20–40 s, on production parameters days. No node can redeem while its RPC is
 * away, so an outage longer than that loses winners to expiry whatever the node does (docs/RELIABILITY.md, Known
 * limits; the full 30 s outage did). The owner lengthens the validity to outlast the outage, as it does on a real
 * chain, before the node reads it at start.
 */
async function outlastOutage(network: E2eNetwork): Promise<void> {
  const { TicketBroker, RoundsManager } = network.deployments.contracts;
  const roundLength = await network.chain.readContract({ address: RoundsManager, abi: roundsManagerAbi, functionName: "roundLength" });
  const rounds = 2n + BigInt(Math.ceil(OUTAGE_MS / 1000 / Number(roundLength)));
  const owner = createWalletClient({ account: privateKeyToAccount(devAccountPrivateKey(0)), transport: http(network.rpcUrl), chain: chainFor(network.deployments.chainId, network.rpcUrl) });
  // A sender's unlock must outlast its tickets (the broker refuses otherwise): lengthened first.
  for (const [functionName, value] of [["setUnlockPeriodRounds", rounds + 1n], ["setTicketValidityPeriodRounds", rounds]] as const) {
    const hash = await owner.writeContract({ address: TicketBroker, abi: ticketBrokerAbi, functionName, args: [value] });
    await network.chain.waitForTransactionReceipt({ hash });
  }
}

afterAll(async () => {
  await proxy?.restore().catch(() => undefined);
  await node?.stop();
  await proxy?.close();
  await net?.stopNode();
  await stopAll();
});

const describeReply = (m: Message) => (m.type === "error" ? `error ${m.error.name} (${m.error.code})` : m.type);

describe("chain RPC down and back mid-stream", () => {
  it("serves or refuses by name while the RPC is down, and redeems every winner once when it is back", async () => {
    const account = await net.fundedBroadcaster();
    const job = streamJob(account.address, "crash-rpc");
    const clip = await makeSegmentedClip({ count: 4 });
    const orchestrator = ((await (await fetch(`${node.url}/healthz`)).json()) as { orchestrator: Address }).orchestrator;
    const b = new FailoverBroadcaster(account, job, [node.url]);
    let seq = 0;
    const send = async () => describeReply((await b.send(seq, clip[seq++ % clip.length]!, 2000)).reply.message);

    const before: string[] = [];
    for (let i = 0; i < SEGMENTS_BEFORE; i++) before.push(await send());
    expect(before).toEqual(before.map(() => "result"));

    await proxy.cut();
    const cutAt = Date.now();
    const during: string[] = [];
    for (let i = 0; i < SEGMENTS_DURING; i++) during.push(await send());
    // A new broadcaster asking for a quote while the chain is away.
    const quote = await fetch(`${node.url}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: encodeMessage({ ...job, streamId: "crash-rpc-2" }) });
    const quoteReply = describeReply(decodeMessage(await quote.text()));
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    expect(await fetch(`${node.url}/healthz`).then((r) => r.status)).toBe(200); // the node itself stays up
    await proxy.restore();

    // Every answer during the outage is a result or a named refusal with a next step; none is an internal error.
    for (const answer of [...during, quoteReply]) expect(answer).toMatch(/^(result|quote|error (?!ProtocolError)\w+ \((?!INTERNAL_ERROR)\w+\))$/);

    // Winners queued during the outage use up the sender's reserve share until they are redeemed (LowPMBalance
    // meanwhile, as during the outage): service is owed once the queue has caught up, not the instant the RPC is back.
    await waitFor("the outage's winners redeemed", async () => (queuedTickets(node.dataDir).every((t) => t.status === "redeemed") ? true : undefined), 90_000, node.log);
    const after: string[] = [];
    for (let i = 0; i < SEGMENTS_AFTER; i++) after.push(await send());
    b.close();
    expect(after).toEqual(after.map(() => "result"));

    // The winners: every one queued, none lost, each redeemed once on chain.
    const winners = await waitFor("every winner redeemed", async () => {
      const all = queuedTickets(node.dataDir);
      return all.length > 0 && all.every((t) => t.status === "redeemed") ? all : undefined;
    }, 90_000, node.log);
    const served = [...before, ...during, ...after].filter((a) => a === "result").length;
    expect(winners.length).toBeGreaterThanOrEqual(served);
    const onChain = await redemptionsOnChain(net.chain, net.deployments.contracts.TicketBroker, orchestrator);
    expect([...onChain.keys()].sort()).toEqual(winners.map((t) => t.ticketHash).sort());
    expect([...onChain.values()].every((n) => n === 1)).toBe(true);
    console.log(`crash-rpc: outage ${OUTAGE_MS / 1000} s; before ${before.join(",")}; during ${during.join(", ")}; quote during: ${quoteReply}; ` +
      `after ${after.join(",")}; ${winners.length} winners, each redeemed once`);
  }, 400_000);
});
