// Spec of the ticket validator: what a segment's payment is worth to this orchestrator, and every reason a ticket is
// refused, with real tickets signed by real keys and the protocol library's stateless params.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hexToBytes, keccak256, numberToHex, stringToHex, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidTicket, TicketParamsExpired, type InvalidTicketReason } from "../../src/lib/protocol/errors.ts";
import type { Payment } from "../../src/lib/protocol/messages.ts";
import { RecipientSecretTooShort, issueTicketParams, recipientRandFor, type IssueTicketParamsInput } from "../../src/lib/protocol/params.ts";
import { SECP256K1_N, signHash } from "../../src/lib/protocol/signature.ts";
import { makeTicket, signTicket, ticketHash } from "../../src/lib/protocol/ticket.ts";
import type { SignedTicket, Ticket, TicketParams } from "../../src/lib/protocol/types.ts";
import { MAX_WIN_PROB, expectedValue } from "../../src/lib/protocol/winprob.ts";
import { TicketValidator, type PaymentContext, type TicketValidatorConfig } from "./validator.ts";

const SECRET = hexToBytes(keccak256(stringToHex("validator spec: orchestrator secret")));
const ORCHESTRATOR: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER_ORCHESTRATOR: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const broadcaster = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const stranger = privateKeyToAccount("0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");

const ROUND = 100n;
const BLOCK = 5_000n;
const VALIDITY_ROUNDS = 2n;
/** 1 ETH tickets that win once in 10^15: they never win in these tests, each worth 1,000 wei. */
const FACE_VALUE = 10n ** 18n;
const LOSING_WIN_PROB = (1_000n * 2n ** 256n) / FACE_VALUE + 1n;
const TICKET_EV = expectedValue(FACE_VALUE, LOSING_WIN_PROB);

/** Rounds up to ROUND were initialized, each with its own block hash; later ones were not. */
const roundBlockHash = (round: bigint): Hex => keccak256(stringToHex(`block hash of round ${round}`));
const chainBlockHash = async (round: bigint): Promise<Hex> => (round <= ROUND ? roundBlockHash(round) : zeroHash);

const CTX: PaymentContext = { currentBlock: BLOCK, currentRound: ROUND, sender: broadcaster.address };

function validator(o: Partial<TicketValidatorConfig> = {}): TicketValidator {
  return new TicketValidator({
    secret: SECRET,
    recipient: ORCHESTRATOR,
    ticketValidityPeriodRounds: VALIDITY_ROUNDS,
    blockHashForRound: chainBlockHash,
    ...o,
  });
}

function params(o: Partial<IssueTicketParamsInput> = {}): TicketParams {
  return issueTicketParams({
    secret: SECRET,
    recipient: ORCHESTRATOR,
    faceValue: FACE_VALUE,
    winProb: LOSING_WIN_PROB,
    expirationBlock: BLOCK + 100n,
    creationRound: ROUND,
    creationRoundBlockHash: roundBlockHash(ROUND),
    ...o,
  });
}

function paymentOf(p: TicketParams, tickets: SignedTicket[]): Payment {
  return { seed: p.seed, expirationBlock: p.expirationBlock, tickets };
}

/** The broadcaster's payment of one ticket per nonce, made from `p` as makeTicket makes them, then `edit`ed and signed. */
async function pay(p: TicketParams, nonces: bigint[], edit: (t: Ticket) => Ticket = (t) => t): Promise<Payment> {
  return paymentOf(p, await Promise.all(nonces.map((n) => signTicket(broadcaster, edit(makeTicket(p, broadcaster.address, n))))));
}

/** The one error a payment of a single bad ticket gets, after checking that nothing of it was credited. */
async function refusal(v: TicketValidator, payment: Payment, ctx: PaymentContext = CTX) {
  const result = await v.validatePayment(payment, ctx);
  expect(result).toMatchObject({ evWei: 0n, acceptedTickets: 0, winningTickets: [] });
  expect(result.rejections).toHaveLength(1);
  return result.rejections[0]!.error;
}

async function expectRefused(reason: InvalidTicketReason, v: TicketValidator, payment: Payment, ctx: PaymentContext = CTX) {
  const error = await refusal(v, payment, ctx);
  expect(error).toBeInstanceOf(InvalidTicket);
  expect((error as InvalidTicket).reason).toBe(reason);
  const { ticket } = payment.tickets[0]!;
  expect(error.data).toMatchObject({ ticketHash: ticketHash(ticket), senderNonce: ticket.senderNonce });
  return error as InvalidTicket;
}

describe("TicketValidator: what a payment is worth", () => {
  it("accepts tickets made from its own params and credits their expected value", async () => {
    const result = await validator().validatePayment(await pay(params(), [1n, 2n, 3n]), CTX);
    expect(result).toEqual({ evWei: 3n * TICKET_EV, acceptedTickets: 3, winningTickets: [], rejections: [] });
    expect(TICKET_EV).toBe(1_000n);
  });

  it("accepts a payment without a sender to match when the caller names none", async () => {
    const { sender: _, ...anySender } = CTX;
    expect((await validator().validatePayment(await pay(params(), [1n]), anySender)).acceptedTickets).toBe(1);
  });

  it("hands over a winning ticket with all that redeeming it takes, and retires its params", async () => {
    const p = params({ winProb: MAX_WIN_PROB });
    const payment = await pay(p, [7n]);
    const v = validator();
    const result = await v.validatePayment(payment, CTX);
    const { ticket, sig } = payment.tickets[0]!;
    expect(result.winningTickets).toEqual([
      {
        ticketHash: ticketHash(ticket),
        ticket,
        sig,
        recipientRand: recipientRandFor(SECRET, p),
        expirationRound: ROUND + VALIDITY_ROUNDS,
      },
    ]);
    expect(result.evWei).toBe(expectedValue(FACE_VALUE, MAX_WIN_PROB));
    expect(result.retiredRecipientRandHash).toBe(p.recipientRandHash);
    expect(v.isRetired(p.recipientRandHash)).toBe(true);
  });

  it("still accepts the tickets after a winner in the same payment, signed before recipientRand could be known", async () => {
    const result = await validator().validatePayment(await pay(params({ winProb: MAX_WIN_PROB }), [1n, 2n, 3n]), CTX);
    expect(result.acceptedTickets).toBe(3);
    expect(result.winningTickets).toHaveLength(3);
  });

  it("refuses any later payment made from params that won, so the sender must use new params", async () => {
    const p = params({ winProb: MAX_WIN_PROB });
    const v = validator();
    await v.validatePayment(await pay(p, [1n]), CTX);
    const error = await expectRefused("unknownParams", v, await pay(p, [2n]));
    expect(error.nextStep).toMatch(/fresh ticket params/);
  });

  it("retires params after maxNoncesPerRecipientRandHash tickets, accepting the whole payment that reached it", async () => {
    const p = params();
    const v = validator({ maxNoncesPerRecipientRandHash: 3 });
    expect((await v.validatePayment(await pay(p, [1n, 2n]), CTX)).retiredRecipientRandHash).toBeUndefined();
    const reaching = await v.validatePayment(await pay(p, [3n, 4n]), CTX);
    expect(reaching).toMatchObject({ acceptedTickets: 2, retiredRecipientRandHash: p.recipientRandHash });
    await expectRefused("unknownParams", v, await pay(p, [5n]));
  });

  it("judges each ticket on its own: a bad one is reported by its index and the others still count", async () => {
    const p = params();
    const good = await pay(p, [1n, 2n]);
    const forged = (await pay(p, [3n], (t) => ({ ...t, faceValue: t.faceValue * 2n }))).tickets[0]!;
    const result = await validator().validatePayment(paymentOf(p, [good.tickets[0]!, forged, good.tickets[1]!]), CTX);
    expect(result.acceptedTickets).toBe(2);
    expect(result.evWei).toBe(2n * TICKET_EV);
    expect(result.rejections.map((r) => [r.index, (r.error as InvalidTicket).reason])).toEqual([[1, "unknownParams"]]);
  });

  it("credits no nonce twice and exactly the EV of what it accepts, over any sequence of payments (property)", async () => {
    const p = params();
    const signed = new Map<bigint, SignedTicket>();
    for (const nonce of Array.from({ length: 12 }, (_, i) => BigInt(i))) {
      signed.set(nonce, await signTicket(broadcaster, makeTicket(p, broadcaster.address, nonce)));
    }
    const payments = fc.array(fc.array(fc.bigInt({ min: 0n, max: 11n }), { maxLength: 6 }), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(payments, async (nonceLists) => {
        const v = validator();
        const accepted: bigint[] = [];
        let creditedWei = 0n;
        for (const nonces of nonceLists) {
          const payment = paymentOf(p, nonces.map((n) => signed.get(n)!));
          const result = await v.validatePayment(payment, CTX);
          creditedWei += result.evWei;
          const refused = new Set(result.rejections.map((r) => r.index));
          nonces.forEach((n, i) => refused.has(i) || accepted.push(n));
          for (const r of result.rejections) expect((r.error as InvalidTicket).reason).toBe("replayedNonce");
        }
        expect(new Set(accepted).size).toBe(accepted.length);
        expect(accepted.length).toBe(new Set(nonceLists.flat()).size);
        expect(creditedWei).toBe(BigInt(accepted.length) * TICKET_EV);
      }),
      { numRuns: 100 },
    );
  });
});

describe("TicketValidator: every reason a ticket is refused", () => {
  it("malformed: a zero sender", async () => {
    const p = params();
    const ticket = { ...makeTicket(p, zeroAddress, 1n) };
    await expectRefused("malformed", validator(), paymentOf(p, [{ ticket, sig: await signHash(broadcaster, ticketHash(ticket)) }]), {
      ...CTX,
      sender: undefined,
    });
  });

  it("malformed: auxData that is not two words (the library's InvalidAuxData, converted)", async () => {
    const error = await expectRefused("malformed", validator(), await pay(params(), [1n], (t) => ({ ...t, auxData: `${t.auxData}00` })));
    expect((error.cause as Error).name).toBe("InvalidAuxData");
  });

  it("wrongRecipient: a ticket made out to another orchestrator", async () => {
    await expectRefused("wrongRecipient", validator(), await pay(params({ recipient: OTHER_ORCHESTRATOR }), [1n]));
  });

  it("wrongSender: a ticket from another sender than the stream's broadcaster", async () => {
    const p = params();
    const ticket = makeTicket(p, stranger.address, 1n);
    await expectRefused("wrongSender", validator(), paymentOf(p, [await signTicket(stranger, ticket)]));
  });

  it("TicketParamsExpired: params past their expirationBlock, naming both blocks", async () => {
    const p = params({ expirationBlock: BLOCK - 1n });
    const error = await refusal(validator(), await pay(p, [1n]));
    expect(error).toBeInstanceOf(TicketParamsExpired);
    expect(error.data).toEqual({ recipient: ORCHESTRATOR, expirationBlock: BLOCK - 1n, currentBlock: BLOCK });
  });

  it("accepts params in their expirationBlock itself", async () => {
    const p = params({ expirationBlock: BLOCK });
    expect((await validator().validatePayment(await pay(p, [1n]), CTX)).acceptedTickets).toBe(1);
  });

  it("does not revive expired params when a lagging RPC reports an older block", async () => {
    const v = validator();
    const p = params({ expirationBlock: BLOCK });
    await v.validatePayment(await pay(params(), [1n]), { ...CTX, currentBlock: BLOCK + 1n });
    expect(await refusal(v, await pay(p, [1n]), CTX)).toBeInstanceOf(TicketParamsExpired);
  });

  it("unknownParams: terms altered from the issued params (a doubled faceValue)", async () => {
    await expectRefused("unknownParams", validator(), await pay(params(), [1n], (t) => ({ ...t, faceValue: t.faceValue * 2n })));
  });

  it("unknownParams: params issued with another secret", async () => {
    const foreign = issueTicketParams({ ...params(), secret: hexToBytes(keccak256(stringToHex("another orchestrator"))) });
    await expectRefused("unknownParams", validator(), await pay(foreign, [1n]));
  });

  it("unknownParams: a payment whose seed is not the one the params were issued with", async () => {
    const p = params();
    const payment = await pay(p, [1n]);
    await expectRefused("unknownParams", validator(), { ...payment, seed: keccak256(stringToHex("another seed")) });
  });

  it("unknownParams, at commit: a new recipientRandHash when the nonce tracker is full of live params", async () => {
    const v = validator({ maxRecipientRandHashes: 1 });
    await v.validatePayment(await pay(params(), [1n]), CTX);
    const error = await v.validatePayment(await pay(params(), [1n]), CTX).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTicket);
    expect((error as InvalidTicket).reason).toBe("unknownParams");
  });

  it("wrongCreationRound: a creation round that has not begun", async () => {
    await expectRefused("wrongCreationRound", validator(), await pay(params({ creationRound: ROUND + 1n }), [1n]));
  });

  it("wrongCreationRound: a creation round that was never initialized (no block hash on chain)", async () => {
    await expectRefused("wrongCreationRound", validator(), await pay(params({ creationRound: ROUND + 1n }), [1n]), {
      ...CTX,
      currentRound: ROUND + 1n,
    });
  });

  it("wrongCreationRound: a block hash that is not the creation round's", async () => {
    await expectRefused("wrongCreationRound", validator(), await pay(params({ creationRoundBlockHash: roundBlockHash(ROUND - 1n) }), [1n]));
  });

  it("wrongCreationRound: a creation round too old for the TicketBroker to redeem its winners", async () => {
    const old = params({ creationRound: ROUND - VALIDITY_ROUNDS, creationRoundBlockHash: roundBlockHash(ROUND - VALIDITY_ROUNDS) });
    await expectRefused("wrongCreationRound", validator(), await pay(old, [1n]));
    const lastRedeemable = params({ creationRound: ROUND - 1n, creationRoundBlockHash: roundBlockHash(ROUND - 1n) });
    expect((await validator().validatePayment(await pay(lastRedeemable, [1n]), CTX)).acceptedTickets).toBe(1);
  });

  it("badSignature: a signature by another key than the ticket's sender", async () => {
    const p = params();
    const ticket = makeTicket(p, broadcaster.address, 1n);
    await expectRefused("badSignature", validator(), paymentOf(p, [{ ticket, sig: await signHash(stranger, ticketHash(ticket)) }]));
  });

  it("badSignature: the malleable high-s twin of a valid signature (the library's InvalidSignature, converted)", async () => {
    const p = params();
    const { ticket, sig } = await signTicket(broadcaster, makeTicket(p, broadcaster.address, 1n));
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = Number.parseInt(sig.slice(130), 16);
    const twin = `${sig.slice(0, 66)}${numberToHex(SECP256K1_N - s, { size: 32 }).slice(2)}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    const error = await expectRefused("badSignature", validator(), paymentOf(p, [{ ticket, sig: twin }]));
    expect((error.cause as Error).name).toBe("InvalidSignature");
  });

  it("badSignature: a signature that is not 65 bytes", async () => {
    const p = params();
    const { ticket, sig } = await signTicket(broadcaster, makeTicket(p, broadcaster.address, 1n));
    await expectRefused("badSignature", validator(), paymentOf(p, [{ ticket, sig: sig.slice(0, -2) as Hex }]));
  });

  it("replayedNonce: a nonce already paid with in an earlier payment", async () => {
    const v = validator();
    const payment = await pay(params(), [1n]);
    await v.validatePayment(payment, CTX);
    await expectRefused("replayedNonce", v, payment);
  });

  it("replayedNonce: the same nonce twice in one payment, the second refused", async () => {
    const result = await validator().validatePayment(await pay(params(), [4n, 4n]), CTX);
    expect(result.acceptedTickets).toBe(1);
    expect(result.rejections.map((r) => [r.index, (r.error as InvalidTicket).reason])).toEqual([[1, "replayedNonce"]]);
  });

  it("replayedNonce: two payments with the same nonce validated at once, only one counting", async () => {
    const v = validator();
    const payment = await pay(params(), [9n]);
    const outcomes = await Promise.allSettled([v.validatePayment(payment, CTX), v.validatePayment(payment, CTX)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(InvalidTicket);
    expect((refused.reason as InvalidTicket).reason).toBe("replayedNonce");
  });
});

describe("TicketValidator: check, then commit", () => {
  it("check spends nothing: a payment checked but never committed (its segment refused) can be sent again", async () => {
    const v = validator();
    const payment = await pay(params({ winProb: MAX_WIN_PROB }), [1n]);
    const first = await v.check(payment, CTX);
    expect(first).toMatchObject({ acceptedTickets: 1, winningTickets: [{}], rejections: [] });
    expect(v.isRetired(first.retiredRecipientRandHash!)).toBe(false);
    const again = await v.check(payment, CTX);
    v.commit(again);
    expect(v.isRetired(first.retiredRecipientRandHash!)).toBe(true);
    await expectRefused("unknownParams", v, payment);
  });

  it("commit refuses, spending nothing, a payment one of whose nonces another payment spent since its check", async () => {
    const v = validator();
    const p = params();
    const both = await v.check(await pay(p, [1n, 2n]), CTX);
    v.commit(await v.check(await pay(p, [2n]), CTX));
    const error = (() => {
      try {
        v.commit(both);
      } catch (e) {
        return e as InvalidTicket;
      }
    })();
    expect(error).toBeInstanceOf(InvalidTicket);
    expect(error?.data).toMatchObject({ reason: "replayedNonce", senderNonce: 2n });
    expect((await v.validatePayment(await pay(p, [1n]), CTX)).acceptedTickets).toBe(1); // nonce 1 was not spent
  });

  it("commits a checked payment once, and only one this validator checked", async () => {
    const v = validator();
    const checked = await v.check(await pay(params(), [1n]), CTX);
    v.commit(checked);
    expect(() => v.commit(checked)).toThrow(/once/);
    expect(() => v.commit({ ...checked })).toThrow(/once/);
  });
});

describe("TicketValidator: the chain behind it", () => {
  it("spends no nonce when the block hash lookup fails, so the payment can be validated again", async () => {
    let up = false;
    const v = validator({
      blockHashForRound: async (round) => {
        if (!up) throw new Error("RPC unreachable");
        return chainBlockHash(round);
      },
    });
    const payment = await pay(params(), [1n]);
    await expect(v.validatePayment(payment, CTX)).rejects.toThrow("RPC unreachable");
    up = true;
    expect((await v.validatePayment(payment, CTX)).acceptedTickets).toBe(1);
  });

  it("asks for a recorded round's block hash once, and again for a round not yet recorded", async () => {
    const asked: bigint[] = [];
    const v = validator({ blockHashForRound: async (round) => (asked.push(round), chainBlockHash(round)) });
    await v.validatePayment(await pay(params(), [1n, 2n]), CTX);
    await v.validatePayment(await pay(params({ creationRound: ROUND + 1n }), [1n]), { ...CTX, currentRound: ROUND + 1n });
    await v.validatePayment(await pay(params({ creationRound: ROUND + 1n }), [1n]), { ...CTX, currentRound: ROUND + 1n });
    expect(asked).toEqual([ROUND, ROUND + 1n, ROUND + 1n]);
  });

  it("refuses to start with a recipient secret shorter than 32 bytes", () => {
    expect(() => validator({ secret: new Uint8Array(16) })).toThrow(RecipientSecretTooShort);
  });
});
