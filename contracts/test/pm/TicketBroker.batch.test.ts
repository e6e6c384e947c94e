// TicketBroker unit spec, batches: batchRedeemWinningTickets redeems the good tickets, skips and reports the bad
// ones, and moves the whole batch's ETH to the Minter in one transfer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import { decodeErrorResult, getAddress, parseEventLogs, type Address, type Hash, type Hex } from "viem";
import { devWallets, advanceRounds, deployProtocol, registerOrchestrator, LPT, TEST_PARAMS, type TestProtocol } from "../helpers/fixture.ts";
import { batchArgs, makeTicket, newSenderAccount, signTicket, type SignedTicket } from "../helpers/tickets.ts";

describe("TicketBroker: batchRedeemWinningTickets", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, orchestratorWallet, funder, strangerWallet, secondWallet] = await devWallets(viem);
  const sender = newSenderAccount();
  const DEPOSIT = 1_000_000n;
  const FACE_VALUE = 1_000n;

  /** One active orchestrator keeping all fees (feeShare 0, so its pendingFees are exactly the redeemed total). */
  async function fixture() {
    const p = await deployProtocol(viem, networkHelpers);
    await advanceRounds(p, 1); // deployment used most of the first round's blocks; start the setup in a fresh one
    const orchestrator = getAddress(await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT, feeSharePpm: 0n }));
    await advanceRounds(p, 1);
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, DEPOSIT, 0n], { account: funder.account, value: DEPOSIT });
    return { p, orchestrator };
  }

  const ticket = (p: TestProtocol, recipient: Address) => makeTicket(p, sender, { recipient, faceValue: FACE_VALUE });
  const tickets = (p: TestProtocol, recipient: Address, n: number) =>
    Promise.all(Array.from({ length: n }, () => ticket(p, recipient)));

  async function redeemBatch(p: TestProtocol, batch: readonly SignedTicket[]) {
    const hash: Hash = await p.ticketBroker.write.batchRedeemWinningTickets(batchArgs(batch), {
      account: orchestratorWallet.account,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return {
      redeemed: parseEventLogs({ abi: p.ticketBroker.abi, logs: receipt.logs, eventName: "WinningTicketRedeemed" }),
      skipped: parseEventLogs({ abi: p.ticketBroker.abi, logs: receipt.logs, eventName: "WinningTicketSkipped" }),
      feeDeposits: parseEventLogs({ abi: p.minter.abi, logs: receipt.logs, eventName: "FeesDeposited" }),
      feeCredits: parseEventLogs({ abi: p.bondingManager.abi, logs: receipt.logs, eventName: "TranscoderFees" }),
    };
  }

  /** Each skipped ticket's revert data, decoded with the TicketBroker's ABI. */
  const skipReasons = (p: TestProtocol, skipped: readonly { args: { reason: Hex } }[]) =>
    skipped.map((e) => {
      const { errorName, args } = decodeErrorResult({ abi: p.ticketBroker.abi, data: e.args.reason });
      return [errorName, args];
    });

  const deposit = async (p: TestProtocol) => (await p.ticketBroker.read.getSenderInfo([sender.address]))[0].deposit;

  it("redeems a batch of 10 and sends their ETH to the Minter in one transfer", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const batch = await tickets(p, orchestrator, 10);
    const minterBefore = await publicClient.getBalance({ address: p.minter.address });

    const { redeemed, skipped, feeDeposits, feeCredits } = await redeemBatch(p, batch);

    const total = 10n * FACE_VALUE;
    assert.equal(redeemed.length, 10);
    assert.equal(skipped.length, 0);
    // One BondingManager credit for the batch's one recipient and one Minter deposit, each of the batch's total.
    assert.deepEqual(feeCredits.map((e) => e.args.fees), [total]);
    assert.deepEqual(feeDeposits.map((e) => e.args.amount), [total]);
    assert.equal(await publicClient.getBalance({ address: p.minter.address }), minterBefore + total);
    assert.equal(await p.bondingManager.read.pendingFees([orchestrator]), total);
    assert.equal(await deposit(p), DEPOSIT - total);
    for (const t of batch) assert.equal(await p.ticketBroker.read.usedTickets([t.hash]), true);
  });

  it("skips just the one bad ticket, naming its index, hash and revert data, and redeems the rest", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const impostor = newSenderAccount();
    const good = await tickets(p, orchestrator, 4);
    const unsigned = await ticket(p, orchestrator);
    const forged = await signTicket(impostor, unsigned.ticket, unsigned.recipientRand);

    const { redeemed, skipped, feeDeposits } = await redeemBatch(p, [...good.slice(0, 2), forged, ...good.slice(2)]);

    assert.equal(redeemed.length, 4);
    assert.deepEqual(
      skipped.map((e) => [e.args.index, e.args.ticketHash]),
      [[2n, forged.hash]],
    );
    assert.deepEqual(skipReasons(p, skipped), [["SignerNotSender", [impostor.address, sender.address]]]);
    assert.deepEqual(feeDeposits.map((e) => e.args.amount), [4n * FACE_VALUE]);
    assert.equal(await deposit(p), DEPOSIT - 4n * FACE_VALUE);
    assert.equal(await p.ticketBroker.read.usedTickets([forged.hash]), false);
  });

  it("redeems a ticket repeated within one batch only once", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const a = await ticket(p, orchestrator);
    const b = await ticket(p, orchestrator);
    const { redeemed, skipped } = await redeemBatch(p, [a, b, a, a]);
    assert.equal(redeemed.length, 2);
    assert.deepEqual(
      skipped.map((s) => s.args.index),
      [2n, 3n],
    );
    assert.deepEqual(skipReasons(p, skipped), [
      ["TicketAlreadyUsed", [a.hash]],
      ["TicketAlreadyUsed", [a.hash]],
    ]);
    assert.equal(await deposit(p), DEPOSIT - 2n * FACE_VALUE);
  });

  it("skips a ticket for an unregistered recipient, which the batch's one BondingManager credit would refuse", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const good = await ticket(p, orchestrator);
    const stranger = getAddress(strangerWallet.account.address);
    const bad = await ticket(p, stranger);
    const { redeemed, skipped } = await redeemBatch(p, [bad, good]);
    assert.equal(redeemed.length, 1);
    assert.deepEqual(
      skipped.map((e) => e.args.index),
      [0n],
    );
    assert.deepEqual(skipReasons(p, skipped), [["RecipientNotRegistered", [stranger]]]);
    // The skipped ticket's effects were rolled back: it is unspent and its face value still in the deposit.
    assert.equal(await p.ticketBroker.read.usedTickets([bad.hash]), false);
    assert.equal(await deposit(p), DEPOSIT - FACE_VALUE);
  });

  it("credits each recipient of a mixed batch once, with the sum of its own tickets", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const second = getAddress(await registerOrchestrator(p, secondWallet, { stake: 1_000n * LPT, feeSharePpm: 0n }));
    const { redeemed, feeCredits, feeDeposits } = await redeemBatch(p, [
      await ticket(p, orchestrator),
      await ticket(p, second),
      await ticket(p, orchestrator),
      await ticket(p, second),
      await ticket(p, orchestrator),
    ]);
    assert.equal(redeemed.length, 5);
    assert.deepEqual(
      feeCredits.map((e) => [getAddress(e.args.transcoder), e.args.fees]),
      [
        [orchestrator, 3n * FACE_VALUE],
        [second, 2n * FACE_VALUE],
      ],
    );
    assert.deepEqual(feeDeposits.map((e) => e.args.amount), [5n * FACE_VALUE]);
    assert.equal(await p.bondingManager.read.pendingFees([second]), 2n * FACE_VALUE);
  });

  it("makes no Minter transfer for an empty batch or one where every ticket is skipped", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    assert.equal((await redeemBatch(p, [])).feeDeposits.length, 0);
    const t = await ticket(p, orchestrator);
    await redeemBatch(p, [t]);
    const again = await redeemBatch(p, [t, t]);
    assert.equal(again.skipped.length, 2);
    assert.equal(again.feeDeposits.length, 0);
  });

  it("rejects arrays of different lengths", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const [tks, sigs, rands] = batchArgs(await tickets(p, orchestrator, 2));
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.ticketBroker.write.batchRedeemWinningTickets([tks, sigs.slice(1), rands]),
      p.ticketBroker,
      "BatchLengthMismatch",
      [2n, 1n, 2n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.ticketBroker.write.batchRedeemWinningTickets([tks, sigs, rands.slice(1)]),
      p.ticketBroker,
      "BatchLengthMismatch",
      [2n, 2n, 1n],
    );
  });

  it("rejects the whole batch while the current round is not initialized", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const batch = await tickets(p, orchestrator, 2);
    await networkHelpers.mineUpTo((await p.rounds.read.currentRoundStartBlock()) + TEST_PARAMS.roundLengthBlocks);
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.ticketBroker.write.batchRedeemWinningTickets(batchArgs(batch)),
      p.ticketBroker,
      "RoundNotInitialized",
      [await p.rounds.read.currentRound()],
    );
  });

  it("keeps its per-ticket entry point to itself: redeemWinningTicketForBatch pays no Minter", async () => {
    const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
    const t = await ticket(p, orchestrator);
    const round = await p.rounds.read.currentRound();
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.ticketBroker.write.redeemWinningTicketForBatch([t.ticket, t.sig, t.recipientRand, round], {
        account: orchestratorWallet.account,
      }),
      p.ticketBroker,
      "OnlySelf",
      [getAddress(orchestratorWallet.account.address)],
    );
  });
});
