// Reliability: kill -9 of an orchestrator mid-stream, with winning tickets both queued and in flight (a redemption
// transaction sent, not yet mined). The broadcaster fails over to another node within the segment that was lost, so no
// segment is missing; after a restart on the same data dir every winner is redeemed on chain exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, type Address } from "viem";
import { stopAll } from "../../scripts/lib/processes.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { scaled } from "./bounds.ts";
import { FailoverBroadcaster, streamJob } from "./lib/crash-failover.ts";
import { deploymentsFileFor, startNodeProcess, type NodeProcess } from "./lib/crash-nodes.ts";
import { queuedTickets, redemptionsOnChain } from "./lib/crash-redemptions.ts";

/** A price above the gas-sized face value: the face value is then the price itself and every ticket wins. */
const PRICE = { pricePerSegmentWei: (10n ** 17n).toString() };
/** Segments before the crash (the first of them get their winners submitted, the rest queued), and after it. */
const BEFORE_CRASH = scaled(8, 4);
const AFTER_CRASH = scaled(8, 3);

let net: E2eNetwork;
let crashing: NodeProcess;

/** Stops the chain (no block until the test mines one) or lets it run again: automine and the 1 s interval mining. */
const setMining = async (on: boolean) => {
  await net.chain.request({ method: "evm_setAutomine" as never, params: [on] as never });
  await net.chain.request({ method: "evm_setIntervalMining" as never, params: [on ? 1000 : 0] as never });
};
const orchestratorOf = async (url: string) => ((await (await fetch(`${url}/healthz`)).json()) as { orchestrator: Address }).orchestrator;

beforeAll(async () => {
  // The failover target: startE2eNetwork's own node (dev account #1).
  net = await startE2eNetwork({ chainPort: 19600, nodePort: 19601, devAccount: 1, nodeSettings: PRICE });
  // The node that crashes (dev account #2): it looks at its queue every 3 s, so that a redemption is sent mid-stream.
  crashing = await startNodeProcess({
    rpcUrl: net.rpcUrl, deploymentsFile: await deploymentsFileFor(net.deployments), devAccount: 2, port: 19602,
    settings: { ...PRICE, redeemIntervalMs: 3_000 },
  });
}, 300_000);

afterAll(async () => {
  await setMining(true).catch(() => undefined);
  await crashing?.stop();
  await net?.stopNode();
  await stopAll();
});

describe("kill -9 of an orchestrator mid-stream", () => {
  it("loses no segment (failover within the lost one) and no winner (each redeemed exactly once after a restart)", async () => {
    // Funds for every winner at 0.1 ETH each, with a float to spare while no block confirms a redemption.
    const account = await net.fundedBroadcaster(parseEther("10"), parseEther("10"));
    const job = streamJob(account.address, "crash-orchestrator");
    const segments = await makeSegmentedClip({ count: BEFORE_CRASH + 1 + AFTER_CRASH });
    const crashingAddress = await orchestratorOf(crashing.url);
    const feesBefore = await net.pendingFees(crashingAddress);
    const stream = new FailoverBroadcaster(account, job, [crashing.url, net.nodeUrl]);

    // Blocks stop: a redemption the node sends stays in the mempool, in flight, until the test mines it. (It also keeps
    // the local chain's 20-block rounds from expiring tickets while the node is down: see docs/RELIABILITY.md.)
    await setMining(false);
    const half = Math.ceil(BEFORE_CRASH / 2);
    for (let i = 0; i < half; i++) await stream.send(i, segments[i]!, 2000);
    await waitFor("a redemption transaction in flight", async () => (/redeeming winning tickets/.test(crashing.log()) ? true : undefined), 30_000, crashing.log);
    for (let i = half; i < BEFORE_CRASH; i++) await stream.send(i, segments[i]!, 2000);

    // The crash comes while the next segment is with the node.
    const lost = stream.send(BEFORE_CRASH, segments[BEFORE_CRASH]!, 2000);
    await new Promise((r) => setTimeout(r, 300));
    await crashing.kill();
    const atCrash = queuedTickets(crashing.dataDir);
    await lost;
    const redeemerLog = () => crashing.log().split("\n").filter((l) => /redeem|receipt/.test(l)).join("\n");
    expect(atCrash.filter((t) => t.status === "submitted").length, `winners in flight at the crash\n${redeemerLog()}`).toBeGreaterThan(0);
    expect(atCrash.filter((t) => t.status === "queued").length, `winners queued at the crash\n${redeemerLog()}`).toBeGreaterThan(0);
    for (let i = BEFORE_CRASH + 1; i < segments.length; i++) await stream.send(i, segments[i]!, 2000);
    expect(stream.failovers).toHaveLength(1);
    stream.close();
    // Every segment came back transcoded, in order, each sent at most twice (the lost one, to the second node).
    const answers = stream.outcomes.map((o) => [o.sequenceNumber, o.reply.message.type === "error" ? o.reply.message.error.name : o.reply.message.type]);
    expect(answers).toEqual(segments.map((_s, i) => [i, "result"]));
    expect(stream.outcomes.filter((o) => o.sends > 1).map((o) => o.sequenceNumber)).toEqual([BEFORE_CRASH]);
    expect(stream.outcomes.filter((o) => o.servedBy === net.nodeUrl).map((o) => o.sequenceNumber)).toEqual(
      segments.map((_s, i) => i).slice(BEFORE_CRASH),
    );

    // The in-flight transaction is mined while the node is down; the node comes back on the same data dir.
    await net.mine(1n);
    await setMining(true);
    await crashing.restart({ ...PRICE, redeemIntervalMs: 500 });
    const winners = await waitFor("every winner of the crashed node settled", async () => {
      const all = queuedTickets(crashing.dataDir);
      return all.every((t) => t.status === "redeemed") ? all : undefined;
    }, 90_000, crashing.log);
    expect(winners.map((t) => t.ticketHash).sort()).toEqual(atCrash.map((t) => t.ticketHash).sort());

    const onChain = await redemptionsOnChain(net.chain, net.deployments.contracts.TicketBroker, crashingAddress);
    expect([...onChain.keys()].sort(), "redeemed on chain: exactly the winners").toEqual(winners.map((t) => t.ticketHash).sort());
    expect([...onChain.values()].every((n) => n === 1), "each redeemed once").toBe(true);
    expect(await net.pendingFees(crashingAddress)).toBeGreaterThan(feesBefore);
    console.log(`crash-orchestrator: ${segments.length} segments, failover after segment ${BEFORE_CRASH - 1}; ` +
      `${atCrash.filter((t) => t.status === "submitted").length} winners in flight + ${atCrash.filter((t) => t.status === "queued").length} queued at the crash, ` +
      `${winners.length} redeemed once each`);
  }, 400_000);
});
