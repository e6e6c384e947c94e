// Issue 9, tickets under attack: each attack on the payment protocol, made against real orchestrator nodes on a real
// chain over the real data channel, is refused with its named error and costs no transcoding; a sender spreading one
// small deposit over several orchestrators gets from each at most its reserve share.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, formatEther, http, numberToHex, parseEther, type Address, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { TicketPayer } from "../../src/lib/broadcaster/ticket-payer.ts";
import type { Message, Segment } from "../../src/lib/protocol/messages.ts";
import { SECP256K1_N } from "../../src/lib/protocol/signature.ts";
import { makeTicket, signTicket } from "../../src/lib/protocol/ticket.ts";
import { chainFor } from "../../orchestrator-node/chain/clients.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { NodeBroadcaster } from "../e2e/node-broadcaster.ts";
import { jobFor } from "./lib/attack-job.ts";
import { startExtraNode, type ExtraNode } from "./lib/attack-nodes.ts";
import { metricValue, transcodedSegments } from "./lib/attack-metrics.ts";

/** Node A: tickets almost never win, so a payment's params stay live and a replay is a replay. */
const LOW_PRICE_WEI = 10n ** 12n;
/** Nodes B and C: face value = price and winProb ≈ 1, so every ticket wins and exposure is easy to count. */
const WIN_PRICE_WEI = parseEther("0.01");
/** 100%: the face value may be as low as one redemption's gas, so it equals the price. */
const WINNER_SETTINGS = { pricePerSegmentWei: WIN_PRICE_WEI.toString(), maxRedeemOverheadPpm: "1000000" };
/** Active orchestrators on the seeded chain: a sender's reserve is split this many ways. */
const POOL_SIZE = 3n;

let net: E2eNetwork;
let nodeB: ExtraNode;
let nodeC: ExtraNode;
let segments: Uint8Array[];
const open: NodeBroadcaster[] = [];

/** Blocks every `ms` besides those transactions mine (0: only those), as the embedded chain's config sets 1000. */
const setIntervalMining = (ms: number) => net.chain.request({ method: "evm_setIntervalMining" as never, params: [ms] as never });

const errorOf = (m: Message) => (m.type === "error" ? m.error : undefined);

/** A broadcaster with a quote and an open session on `url`. */
async function session(account: LocalAccount, url: string, streamId: string): Promise<NodeBroadcaster> {
  const b = new NodeBroadcaster(account, url);
  const job = jobFor(account.address, streamId);
  await b.quote(job);
  await b.open(job);
  open.push(b);
  return b;
}

/** Sends `payment` with segment `seq`; returns the reply and how many segments the node transcoded meanwhile. */
async function attempt(b: NodeBroadcaster, metrics: () => Promise<string>, streamId: string, seq: number, payment: Segment["payment"]) {
  const before = transcodedSegments(await metrics());
  const bytes = segments[seq % segments.length]!;
  const reply = await b.sendRaw(b.segmentMessage(streamId, seq, bytes, 2000, payment), bytes);
  const transcoded = transcodedSegments(await metrics()) - before;
  return { reply: reply.message, transcoded };
}

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19500, nodePort: 19501, devAccount: 1, nodeSettings: { pricePerSegmentWei: LOW_PRICE_WEI.toString() } });
  // No redemption during the attacks (one tick at start, then an hour): what each node is owed stays pending, to count.
  const quiet = { ...WINNER_SETTINGS, redeemIntervalMs: 3_600_000 };
  [nodeB, nodeC] = await Promise.all([
    startExtraNode(net, { port: 19502, devAccount: 2, settings: quiet }),
    startExtraNode(net, { port: 19503, devAccount: 3, settings: quiet }),
  ]);
  segments = await makeSegmentedClip({ count: 2 });
}, 300_000);

afterAll(async () => {
  for (const b of open) b.close();
  await Promise.all([nodeB?.stop(), nodeC?.stop(), net?.stopNode()]);
  await stopAll();
});

describe("tickets under attack, through real nodes on a real chain", () => {
  it("refuses a replayed nonce with InvalidTicket(replayedNonce), after paying for the first use only", async () => {
    const b = await session(await net.fundedBroadcaster(), net.nodeUrl, "replay");
    const { payment } = await b.pay();
    expect((await attempt(b, net.metrics, "replay", 0, payment)).transcoded).toBe(1);
    const replay = await attempt(b, net.metrics, "replay", 1, payment);
    expect(errorOf(replay.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "replayedNonce" } });
    expect(replay.transcoded).toBe(0);
  }, 60_000);

  it("refuses a forged signature and the malleable (high-s) twin of a valid one with InvalidTicket(badSignature)", async () => {
    const account = await net.fundedBroadcaster();
    const b = await session(account, net.nodeUrl, "forged");
    const { payment } = await b.pay();
    const signed = payment.tickets[0]!;
    const r = signed.sig.slice(2, 66);
    const s = BigInt(`0x${signed.sig.slice(66, 130)}`);
    const v = Number.parseInt(signed.sig.slice(130), 16);
    const forged = `0x${r}${(s ^ 1n).toString(16).padStart(64, "0")}${v.toString(16)}` as Hex;
    // The same signer recovers from (r, n − s, v ^ 1); the TicketBroker refuses it, so a win on it would be lost.
    const twin = `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    for (const [seq, sig] of [forged, twin].entries()) {
      const attack = await attempt(b, net.metrics, "forged", seq, { ...payment, tickets: [{ ...signed, sig }] });
      expect(errorOf(attack.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "badSignature" } });
      expect(attack.transcoded).toBe(0);
    }
  }, 60_000);

  it("refuses tickets made out to another orchestrator, or from a sender other than the stream's", async () => {
    const account = await net.fundedBroadcaster();
    const b = await session(account, net.nodeUrl, "misdirected");
    const { payment } = await b.pay();
    const toB = await signTicket(account, { ...payment.tickets[0]!.ticket, recipient: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" });
    const wrongRecipient = await attempt(b, net.metrics, "misdirected", 0, { ...payment, tickets: [toB] });
    expect(errorOf(wrongRecipient.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "wrongRecipient" } });
    const stranger = await net.fundedBroadcaster();
    const theirs = await signTicket(stranger, { ...payment.tickets[0]!.ticket, sender: stranger.address });
    const wrongSender = await attempt(b, net.metrics, "misdirected", 1, { ...payment, tickets: [theirs] });
    expect(errorOf(wrongSender.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "wrongSender" } });
    expect(wrongRecipient.transcoded + wrongSender.transcoded).toBe(0);
  }, 60_000);

  it("refuses a sender whose deposit is being withdrawn (unlocking) with SenderUnlocking", async () => {
    const account = await net.fundedBroadcaster();
    await net.chain.request({ method: "hardhat_setBalance" as never, params: [account.address, numberToHex(parseEther("1"))] as never });
    const wallet = createWalletClient({ account, transport: http(net.rpcUrl), chain: chainFor(net.deployments.chainId, net.rpcUrl) });
    const hash = await wallet.writeContract({ address: net.deployments.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: "unlock" });
    await net.chain.waitForTransactionReceipt({ hash });
    const b = await session(account, net.nodeUrl, "unlocking");
    const { payment } = await b.pay();
    const attack = await attempt(b, net.metrics, "unlocking", 0, payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "SenderUnlocking", data: { sender: account.address } });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("refuses a face value above the sender's reserve share with LowPMBalance", async () => {
    // Share = reserve / 3 = 0.003 ETH < the 0.01 ETH face value of B's tickets; the deposit alone is not enough.
    const account = await net.fundedBroadcaster(parseEther("1"), parseEther("0.009"));
    const b = await session(account, nodeB.url, "thin-reserve");
    const { payment } = await b.pay();
    const attack = await attempt(b, nodeB.metrics, "thin-reserve", 0, payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "LowPMBalance", data: { sender: account.address } });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("refuses params reused after a win (their recipientRand is about to be public) with InvalidTicket(unknownParams)", async () => {
    const account = await net.fundedBroadcaster();
    const b = await session(account, nodeB.url, "after-win");
    const won = b.ticketParams!;
    const first = await b.sendSegment("after-win", 0, segments[0]!, 2000);
    expect(first.message.type).toBe("result");
    await waitFor("new params after the win", async () => (b.ticketParams!.seed !== won.seed ? true : undefined), 10_000);
    // A fresh nonce, so the only thing wrong is the retired params.
    const stale = await new TicketPayer(account, won, WIN_PRICE_WEI, 1_000_000n).pay();
    const attack = await attempt(b, nodeB.metrics, "after-win", 1, stale.payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "unknownParams" } });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("refuses params of a creation round too old to redeem with InvalidTicket(wrongCreationRound)", async () => {
    const b = await session(await net.fundedBroadcaster(), net.nodeUrl, "stale-round");
    const { payment } = await b.pay();
    // Two rounds of 20 blocks (ticketValidityPeriodRounds = 2): the params (valid 120 blocks) are unexpired, their round stale.
    await net.mine(41n);
    const attack = await attempt(b, net.metrics, "stale-round", 0, payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "InvalidTicket", data: { reason: "wrongCreationRound" } });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("refuses tickets made with params past their expiration block with TicketParamsExpired", async () => {
    const b = await session(await net.fundedBroadcaster(), net.nodeUrl, "expired");
    const { payment } = await b.pay();
    await net.mine(payment.expirationBlock - (await net.chain.getBlockNumber({ cacheTime: 0 })) + 1n);
    const attack = await attempt(b, net.metrics, "expired", 0, payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "TicketParamsExpired" });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("refuses one payment stuffed with more winning tickets than the sender's reserve share backs", async () => {
    // Each ticket's face value (0.01 ETH) is within the share (0.02 ETH), but ten winners are 0.1 ETH.
    const account = await net.fundedBroadcaster(parseEther("1"), parseEther("0.06"));
    const b = await session(account, nodeC.url, "stuffed");
    const stuffed = await new TicketPayer(account, b.ticketParams!, 10n * WIN_PRICE_WEI, 2_000_000n).pay();
    expect(stuffed.payment.tickets.length).toBeGreaterThanOrEqual(10);
    const attack = await attempt(b, nodeC.metrics, "stuffed", 0, stuffed.payment);
    expect(errorOf(attack.reply)).toMatchObject({ name: "LowPMBalance", data: { sender: account.address } });
    expect(attack.transcoded).toBe(0);
  }, 60_000);

  it("bounds a double-spend over several orchestrators by each one's reserve share: the deposit is spent twice, every win stays backed", async () => {
    // A deposit smaller than what the orchestrators together take: the reserve backs the rest, a third for each.
    const deposit = parseEther("0.04");
    const reserve = parseEther("0.09");
    const share = reserve / POOL_SIZE;
    const account = await net.fundedBroadcaster(deposit, reserve);
    const takenWei = new Map<string, bigint>();
    const recipients = new Map<string, Address>();
    // The chain stands still (no block a second) until the wins are redeemed: however long the attack takes on a busy
    // machine, its winning tickets stay within their validity period, and every one of them must be paid on chain.
    await setIntervalMining(0);
    try {
      for (const [name, node] of [["B", nodeB], ["C", nodeC]] as const) {
        const wonBefore = metricValue(await node.metrics(), "streamflow_tickets_won_total");
        const b = await session(account, node.url, `spread-${name}`);
        const faceValue = b.ticketParams!.faceValue;
        recipients.set(name, b.ticketParams!.recipient);
        let refusal: Message | undefined;
        for (let seq = 0; seq < 10 && refusal === undefined; seq++) {
          const params = b.ticketParams!;
          const reply = await b.sendSegment(`spread-${name}`, seq, segments[seq % segments.length]!, 2000);
          if (reply.message.type === "error") refusal = reply.message;
          // Every ticket wins, so every result is followed by new params: pay the next segment with those.
          else await waitFor("new params after the win", async () => (b.ticketParams!.seed !== params.seed ? true : undefined), 10_000);
        }
        expect(refusal && errorOf(refusal)).toMatchObject({ name: "LowPMBalance" });
        const wins = BigInt(metricValue(await node.metrics(), "streamflow_tickets_won_total") - wonBefore);
        takenWei.set(name, wins * faceValue);
        expect(wins * faceValue).toBeLessThanOrEqual(share);
      }
      const total = [...takenWei.values()].reduce((a, b) => a + b, 0n);
      console.log(
        `double-spend: deposit ${formatEther(deposit)} ETH, reserve ${formatEther(reserve)} ETH (share ${formatEther(share)} ETH each); ` +
          `taken: ${[...takenWei].map(([n, w]) => `${n} ${formatEther(w)} ETH`).join(", ")}; total ${formatEther(total)} ETH`,
      );
      expect(total).toBeGreaterThan(deposit); // the deposit alone was double-spent...
      expect(total).toBeLessThanOrEqual(deposit + reserve); // ...but deposit and reserve cover every win

      // Both nodes redeem what they took: every win is paid on chain, from the deposit and then from the reserve.
      await Promise.all([nodeB, nodeC].map((node) => node.restart({ ...WINNER_SETTINGS, redeemIntervalMs: 500 })));
      const broker = net.deployments.contracts.TicketBroker;
      const paidTo = async (recipient: Address) =>
        (await net.chain.getContractEvents({ address: broker, abi: ticketBrokerAbi, eventName: "WinningTicketRedeemed", args: { sender: account.address, recipient }, fromBlock: 0n }))
          .reduce((sum, e) => sum + e.args.faceValue!, 0n);
      for (const [name, recipient] of recipients) {
        const node = name === "B" ? nodeB : nodeC;
        await waitFor(`node ${name}'s wins redeemed on chain`, async () => ((await paidTo(recipient)) === takenWei.get(name) ? true : undefined), 60_000, node.log);
      }
      const [senderAfter, reserveAfter] = await net.chain.readContract({ address: broker, abi: ticketBrokerAbi, functionName: "getSenderInfo", args: [account.address] });
      expect(senderAfter.deposit).toBe(0n);
      expect(reserve - reserveAfter.fundsRemaining).toBe(total - deposit);
    } finally {
      await setIntervalMining(1_000);
    }
  }, 240_000);
});
