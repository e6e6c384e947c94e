// Spec of a stream's payment gate: nothing counts until the segment is accepted, then everything does at once —
// nonces, durable winners, the sender's float, the balance — and new params follow a win.
import { describe, expect, it } from "vitest";
import { hexToBytes, keccak256, stringToHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidTicket, LowPMBalance } from "../../src/lib/protocol/errors.ts";
import type { Segment } from "../../src/lib/protocol/messages.ts";
import { issueTicketParams } from "../../src/lib/protocol/params.ts";
import { makeTicket, signTicket } from "../../src/lib/protocol/ticket.ts";
import type { TicketParams } from "../../src/lib/protocol/types.ts";
import { MAX_WIN_PROB } from "../../src/lib/protocol/winprob.ts";
import { Balances } from "./balance.ts";
import { SenderMonitor, type SenderFunds } from "./monitor.ts";
import { RedemptionQueue } from "./redemption-queue.ts";
import { streamPayments } from "./stream-payments.ts";
import { TicketValidator } from "./validator.ts";

const SECRET = hexToBytes(keccak256(stringToHex("stream payments spec: orchestrator secret")));
const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const broadcaster = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const ROUND = 10n;
const BLOCK = 1_000n;
const ETH = 10n ** 18n;
const FACE_VALUE = ETH / 100n;
/** Tickets worth 1,000 wei each that practically never win. */
const LOSING_WIN_PROB = (1_000n * 2n ** 256n) / FACE_VALUE + 1n;
const PRICE = 1_500n;
const roundBlockHash = (round: bigint): Hex => keccak256(stringToHex(`round ${round}`));

function params(winProb = LOSING_WIN_PROB): TicketParams {
  return issueTicketParams({
    secret: SECRET,
    recipient: ORCHESTRATOR,
    faceValue: FACE_VALUE,
    winProb,
    expirationBlock: BLOCK + 100n,
    creationRound: ROUND,
    creationRoundBlockHash: roundBlockHash(ROUND),
  });
}

async function segment(p: TicketParams, nonces: bigint[], sequenceNumber = 0): Promise<Segment> {
  const tickets = await Promise.all(nonces.map((n) => signTicket(broadcaster, makeTicket(p, broadcaster.address, n))));
  return {
    v: 1,
    type: "segment",
    streamId: "s1",
    sequenceNumber,
    durationMs: 2_000,
    format: "mp4",
    byteLength: 1,
    contentHash: keccak256("0x00"),
    payment: { seed: p.seed, expirationBlock: p.expirationBlock, tickets },
  };
}

function harness(o: { funds?: Partial<SenderFunds>; newTicketParams?: () => Promise<TicketParams> } = {}) {
  const validator = new TicketValidator({
    secret: SECRET,
    recipient: ORCHESTRATOR,
    ticketValidityPeriodRounds: 2n,
    blockHashForRound: async (round) => roundBlockHash(round),
  });
  const balances = new Balances();
  const queue = RedemptionQueue.open(":memory:");
  const monitor = new SenderMonitor(async () => ({
    deposit: ETH,
    reserve: ETH,
    claimedInCurrentRound: 0n,
    claimedByMe: 0n,
    poolSize: 1n,
    withdrawRound: 0n,
    ...o.funds,
  }));
  const issued: TicketParams[] = [];
  const committed: { tickets: number; winningTickets: number; evWei: bigint }[] = [];
  const gate = streamPayments({
    streamId: "s1",
    sender: broadcaster.address,
    pricePerSegmentWei: PRICE,
    validator,
    balances,
    queue,
    monitor,
    chain: { blockNumber: async () => BLOCK, currentRound: async () => ROUND },
    newTicketParams: o.newTicketParams ?? (async () => (issued.push(params()), issued.at(-1)!)),
    onCommitted: (c) => void committed.push(c),
  });
  const balance = () => balances.of(broadcaster.address, "s1").wei;
  return { gate, validator, queue, monitor, balance, issued, committed };
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail("expected a refusal"),
    (error: Error) => error,
  );
}

describe("streamPayments", () => {
  it("counts a payment only on commit: balance credited and charged, nonces spent", async () => {
    const { gate, balance, committed } = harness();
    const s = await segment(params(), [1n, 2n]);
    const checked = await gate.check(s);
    expect(balance()).toBe(0n);
    expect(await checked.commit()).toEqual({});
    expect(balance()).toBe(2n * 1_000n - PRICE);
    expect(committed).toEqual([{ tickets: 2, winningTickets: 0, evWei: 2_000n }]);
    expect(((await refusal(gate.check(s))) as InvalidTicket).reason).toBe("replayedNonce");
  });

  it("leaves a payment checked but never committed (the segment was refused later) free to be sent again", async () => {
    const { gate, balance } = harness();
    const s = await segment(params(), [1n, 2n]);
    await gate.check(s); // e.g. the segment's format did not match the job
    await (await gate.check(s)).commit();
    expect(balance()).toBe(2_000n - PRICE);
  });

  it("hands over new params before the paid ones expire, so a stream without wins never hits TicketParamsExpired", async () => {
    const { gate, issued } = harness();
    const expiringSoon = issueTicketParams({ ...params(), secret: SECRET, expirationBlock: BLOCK + 30n });
    const { newTicketParams } = await (await gate.check(await segment(expiringSoon, [1n, 2n]))).commit();
    expect(newTicketParams).toBe(issued[0]);
    expect(await (await gate.check(await segment(params(), [1n, 2n]))).commit()).toEqual({}); // 100 blocks left: keep them
  });

  it("queues a winner durably, counts it against the sender's float, and hands over new params", async () => {
    const { gate, queue, monitor, issued } = harness();
    const s = await segment(params(MAX_WIN_PROB), [1n]);
    const { newTicketParams } = await (await gate.check(s)).commit();
    expect(newTicketParams).toBe(issued[0]);
    const [won] = queue.withStatus("queued");
    expect(won?.ticket.senderNonce).toBe(1n);
    expect(monitor.maxFloat(broadcaster.address, { deposit: ETH, reserve: ETH, claimedInCurrentRound: 0n, claimedByMe: 0n, poolSize: 1n, withdrawRound: 0n })).toBe(
      ETH - FACE_VALUE,
    );
  });

  it("pays a segment from the credit left by earlier ones, with no ticket at all", async () => {
    const { gate, balance } = harness();
    await (await gate.check(await segment(params(), [1n, 2n, 3n, 4n]))).commit(); // 4,000 in, 1,500 out
    await (await gate.check(await segment(params(), [], 1))).commit();
    expect(balance()).toBe(4_000n - 2n * PRICE);
  });

  it("refuses tickets that do not cover the price with notEnoughExpectedValue, spending none of them", async () => {
    const { gate, balance } = harness();
    const p = params();
    const error = await refusal(gate.check(await segment(p, [1n])));
    expect(error).toBeInstanceOf(InvalidTicket);
    expect((error as InvalidTicket).reason).toBe("notEnoughExpectedValue");
    await (await gate.check(await segment(p, [1n, 2n]))).commit();
    expect(balance()).toBe(2_000n - PRICE);
  });

  it("refuses the whole payment with the first bad ticket's error, counting none of it", async () => {
    const { gate, balance } = harness();
    const p = params();
    const good = await segment(p, [1n, 2n]);
    const bad = await segment(params(), [3n]); // another seed than the payment carries: not params this node issued
    const mixed = { ...good, payment: { ...good.payment, tickets: [good.payment.tickets[0]!, bad.payment.tickets[0]!, good.payment.tickets[1]!] } };
    const error = await refusal(gate.check(mixed));
    expect((error as InvalidTicket).data).toMatchObject({ reason: "unknownParams", senderNonce: 3n });
    expect(balance()).toBe(0n);
    await (await gate.check(good)).commit();
  });

  it("refuses tickets the sender's funds could not pay with LowPMBalance", async () => {
    const { gate } = harness({ funds: { deposit: FACE_VALUE / 2n } });
    expect(await refusal(gate.check(await segment(params(), [1n, 2n])))).toBeInstanceOf(LowPMBalance);
  });

  it("refuses a payment whose winners together exceed the sender's reserve share, though each one is within it", async () => {
    // Share 0.05 ETH; five tickets of 0.01 ETH would fit, ten winners are 0.1 ETH (found by tests/reliability/ticket-attacks).
    const { gate, queue } = harness({ funds: { reserve: 5n * FACE_VALUE } });
    const nonces = Array.from({ length: 10 }, (_, i) => BigInt(i + 1));
    expect(await refusal(gate.check(await segment(params(MAX_WIN_PROB), nonces)))).toBeInstanceOf(LowPMBalance);
    expect(queue.withStatus("queued")).toEqual([]);
    await (await gate.check(await segment(params(MAX_WIN_PROB), nonces.slice(0, 5)))).commit();
  });

  it("refuses the segment, spending nothing, when new params cannot be issued after a win", async () => {
    const { gate, queue, validator } = harness({
      newTicketParams: async () => {
        throw new Error("RPC unreachable");
      },
    });
    const s = await segment(params(MAX_WIN_PROB), [1n]);
    expect((await refusal(gate.check(s))).message).toBe("RPC unreachable");
    expect(queue.withStatus("queued")).toEqual([]);
    expect(validator.isRetired(s.payment.tickets[0]!.ticket.recipientRandHash)).toBe(false);
  });

});
