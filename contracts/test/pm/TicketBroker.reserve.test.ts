// TicketBroker spec, the sender's guarantees: the reserve pays each active orchestrator at most an equal share per
// round, and a sender cannot withdraw while a ticket it issued can still be redeemed (fee-theft defence).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, parseEther, type Address } from "viem";
import { devWallets, advanceRounds, deployProtocol, registerOrchestrator, LPT, TEST_PARAMS, type TestProtocol } from "../helpers/fixture.ts";
import { makeTicket, newSenderAccount, type SignedTicket } from "../helpers/tickets.ts";

describe("TicketBroker: reserve shares", async () => {
  const { viem, networkHelpers } = await network.create();
  const wallets = await devWallets(viem);
  const [, w1, w2, w3, w4, funder] = wallets;
  const sender = newSenderAccount();
  const RESERVE = 3_000n;

  /** Three active orchestrators (a 1,000-wei share each) and a fourth registered too late to be active this round. */
  async function fixture() {
    const p = await deployProtocol(viem, networkHelpers);
    await advanceRounds(p, 1); // deployment used most of the first round's blocks; start the setup in a fresh one
    const register = async (w: typeof w1) => getAddress(await registerOrchestrator(p, w, { stake: 1_000n * LPT }));
    const active = [await register(w1), await register(w2), await register(w3)] as const;
    await advanceRounds(p, 1);
    const inactive = getAddress(await registerOrchestrator(p, w4, { stake: 1_000n * LPT }));
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, 0n, RESERVE], { account: funder.account, value: RESERVE });
    return { p, active, inactive };
  }

  /** Redeems a fresh ticket of `faceValue` for `recipient`; returns the wei it paid. */
  async function redeemFor(p: TestProtocol, recipient: Address, faceValue: bigint): Promise<bigint> {
    const t = await makeTicket(p, sender, { recipient, faceValue });
    const before = await p.bondingManager.read.pendingFees([recipient]);
    await p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]);
    assert.equal(await p.ticketBroker.read.usedTickets([t.hash]), true);
    return (await p.bondingManager.read.pendingFees([recipient])) - before;
  }

  const reserveInfo = async (p: TestProtocol) => (await p.ticketBroker.read.getSenderInfo([sender.address]))[1];

  it("pays each active orchestrator at most (funds + claimed this round) / poolSize per round", async () => {
    const { p, active } = await networkHelpers.loadFixture(fixture);
    const [a, b, c] = active;
    assert.equal(await p.bondingManager.read.getTranscoderPoolSize(), 3n);
    assert.equal(await p.ticketBroker.read.claimableReserve([sender.address, a]), 1_000n);

    assert.equal(await redeemFor(p, a, 2_500n), 1_000n);
    assert.equal(await p.ticketBroker.read.claimedReserve([sender.address, a]), 1_000n);
    assert.equal(await p.ticketBroker.read.claimableReserve([sender.address, a]), 0n);
    assert.deepEqual(await reserveInfo(p), { fundsRemaining: 2_000n, claimedInCurrentRound: 1_000n });
    assert.equal(await redeemFor(p, a, 1n), 0n); // share spent: the ticket is used and pays nothing

    assert.equal(await redeemFor(p, b, 400n), 400n);
    assert.equal(await redeemFor(p, b, 700n), 600n);
    // Whoever claimed first, the last orchestrator's share is intact.
    assert.equal(await p.ticketBroker.read.claimableReserve([sender.address, c]), 1_000n);
    assert.equal(await redeemFor(p, c, 5_000n), 1_000n);
    assert.deepEqual(await reserveInfo(p), { fundsRemaining: 0n, claimedInCurrentRound: 3_000n });
  });

  it("starts every share afresh next round, from what is left", async () => {
    const { p, active } = await networkHelpers.loadFixture(fixture);
    const [a, b] = active;
    await redeemFor(p, a, 1_000n);
    await redeemFor(p, b, 1_000n);
    await advanceRounds(p, 1);
    assert.deepEqual(await reserveInfo(p), { fundsRemaining: 1_000n, claimedInCurrentRound: 0n });
    assert.equal(await p.ticketBroker.read.claimedReserve([sender.address, a]), 0n);
    // The late registrant is active now too: 1,000 left is shared four ways.
    assert.equal(await p.bondingManager.read.getTranscoderPoolSize(), 4n);
    assert.equal(await redeemFor(p, a, 1_000n), 250n);
    assert.deepEqual(await reserveInfo(p), { fundsRemaining: 750n, claimedInCurrentRound: 250n });
  });

  it("gives an orchestrator that is not active this round nothing from the reserve", async () => {
    const { p, inactive } = await networkHelpers.loadFixture(fixture);
    assert.equal(await p.bondingManager.read.isActiveTranscoder([inactive]), false);
    assert.equal(await p.ticketBroker.read.claimableReserve([sender.address, inactive]), 0n);
    assert.equal(await redeemFor(p, inactive, 100n), 0n);
    assert.deepEqual(await reserveInfo(p), { fundsRemaining: RESERVE, claimedInCurrentRound: 0n });
  });

  it("raises every share when the reserve is topped up mid-round", async () => {
    const { p, active } = await networkHelpers.loadFixture(fixture);
    const [a] = active;
    await redeemFor(p, a, 1_000n);
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, 0n, 3_000n], { account: funder.account, value: 3_000n });
    // (5,000 left + 1,000 claimed) / 3 = 2,000, of which a has had 1,000.
    assert.equal(await p.ticketBroker.read.claimableReserve([sender.address, a]), 1_000n);
  });
});

describe("TicketBroker: fee-theft defence", async () => {
  const { viem, networkHelpers } = await network.create();
  const [, orchestratorWallet] = await devWallets(viem);

  it("a sender that unlocks cannot withdraw in any round where one of its tickets is still redeemable", async () => {
    const p = await deployProtocol(viem, networkHelpers);
    await advanceRounds(p, 1);
    const orchestrator = getAddress(await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT }));
    await advanceRounds(p, 1);
    const sender = newSenderAccount();
    await networkHelpers.setBalance(sender.address, parseEther("1"));
    await p.ticketBroker.write.fundDeposit({ account: sender, value: 1_000_000n });

    // Tickets issued over the rounds before the unlock, the last one in the very round of the unlock.
    const issued: SignedTicket[] = [];
    for (let i = 0; i < 3; i++) {
      issued.push(await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n }));
      if (i < 2) await advanceRounds(p, 1);
    }
    await p.ticketBroker.write.unlock({ account: sender });
    const unlockRound = await p.rounds.read.currentRound();

    const succeeds = (call: Promise<unknown>) =>
      call.then(
        () => true,
        () => false,
      );
    let lastRedeemableRound = -1n;
    let firstWithdrawRound = -1n;
    for (let round = unlockRound; firstWithdrawRound < 0n; round = await advanceRounds(p, 1)) {
      const redeemable = await Promise.all(
        issued.map((t) =>
          succeeds(p.ticketBroker.simulate.redeemWinningTicket([t.ticket, t.sig, t.recipientRand], { account: orchestratorWallet.account.address })),
        ),
      );
      const canWithdraw = await succeeds(p.ticketBroker.simulate.withdraw({ account: sender }));
      assert.ok(!(canWithdraw && redeemable.some(Boolean)), `round ${round}: withdraw possible while a ticket is redeemable`);
      if (redeemable.some(Boolean)) lastRedeemableRound = round;
      if (canWithdraw) firstWithdrawRound = round;
    }

    // The newest ticket was redeemable through its whole validity period, and withdraw waited for all of it.
    assert.equal(lastRedeemableRound, unlockRound + TEST_PARAMS.ticketValidityPeriodRounds - 1n);
    assert.equal(firstWithdrawRound, unlockRound + TEST_PARAMS.unlockPeriodRounds);
    assert.ok(lastRedeemableRound < firstWithdrawRound);
    await p.ticketBroker.write.withdraw({ account: sender });
  });
});
