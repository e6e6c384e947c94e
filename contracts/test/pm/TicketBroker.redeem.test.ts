// TicketBroker unit spec, recipient side: redeeming one winning ticket — where its money comes from and goes to,
// and every rule that can make a ticket unredeemable, each with its named error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import { encodePacked, getAddress, keccak256, parseEther, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployStreamflow, initializeRoundIfNeeded } from "../../../scripts/lib/deploy-streamflow.ts";
import {
  advanceRounds,
  bondFrom,
  deployProtocol,
  devWallets,
  registerOrchestrator,
  LPT,
  TEST_PARAMS,
  type TestProtocol,
} from "../helpers/fixture.ts";
import { makeTicket, newSenderAccount, signTicket, ticketHash, type SignedTicket } from "../helpers/tickets.ts";

/** secp256k1 group order: s and n - s are both valid ECDSA signatures (the malleability tryRecover rejects). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** OpenZeppelin ECDSA.RecoverError values. */
const RecoverError = { InvalidSignature: 1, InvalidSignatureLength: 2, InvalidSignatureS: 3 } as const;

describe("TicketBroker: a ticket signed by a plain viem account, on a deployment made by the deploy module", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, orchestratorWallet, browserWallet] = await devWallets(viem);

  it("is redeemed: the Minter receives the ETH and the orchestrator's fees grow by faceValue", async () => {
    const deployed = await deployStreamflow(viem);
    await initializeRoundIfNeeded(deployed, publicClient);
    const p: TestProtocol = { ...deployed, viem, networkHelpers };
    await advanceRounds(p, 1); // deployment used most of the first round's blocks; start the setup in a fresh one
    const orchestrator = await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT, feeSharePpm: 0n });
    await advanceRounds(p, 1);

    // The browser's session key: a bare private key, funded by the user's wallet.
    const sender = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const depositWei = parseEther("1");
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, depositWei, 0n], {
      account: browserWallet.account,
      value: depositWei,
    });

    // Built and signed with viem alone: no project code between the protocol rule and the signature.
    const creationRound = await p.rounds.read.currentRound();
    const creationRoundBlockHash = await p.rounds.read.blockHashForRound([creationRound]);
    const recipientRand = 0xc0ffeen;
    const ticket = {
      recipient: orchestrator,
      sender: sender.address,
      faceValue: parseEther("0.01"),
      winProb: 2n ** 256n - 1n,
      senderNonce: 1n,
      recipientRandHash: keccak256(encodePacked(["uint256"], [recipientRand])),
      auxData: encodePacked(["uint256", "bytes32"], [creationRound, creationRoundBlockHash]),
    };
    const hash = keccak256(
      encodePacked(
        ["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"],
        [
          ticket.recipient,
          ticket.sender,
          ticket.faceValue,
          ticket.winProb,
          ticket.senderNonce,
          ticket.recipientRandHash,
          ticket.auxData,
        ],
      ),
    );
    const sig = await sender.signMessage({ message: { raw: hash } });
    assert.equal(await p.ticketBroker.read.getTicketHash([ticket]), hash);

    const feesBefore = await p.bondingManager.read.pendingFees([orchestrator]);
    const minterBefore = await publicClient.getBalance({ address: p.minter.address });
    const tx = p.ticketBroker.write.redeemWinningTicket([ticket, sig, recipientRand], { account: orchestratorWallet.account });
    await viem.assertions.emitWithArgs(tx, p.ticketBroker, "WinningTicketTransfer", [
      sender.address,
      orchestrator,
      ticket.faceValue,
    ]);

    assert.equal(await publicClient.getBalance({ address: p.minter.address }), minterBefore + ticket.faceValue);
    assert.equal(await p.bondingManager.read.pendingFees([orchestrator]), feesBefore + ticket.faceValue);
    assert.equal(await p.ticketBroker.read.usedTickets([hash]), true);
    const [senderInfo] = await p.ticketBroker.read.getSenderInfo([sender.address]);
    assert.equal(senderInfo.deposit, depositWei - ticket.faceValue);
    assert.equal(await publicClient.getBalance({ address: p.ticketBroker.address }), depositWei - ticket.faceValue);
  });
});

describe("TicketBroker: redeemWinningTicket", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, orchestratorWallet, delegatorWallet, funder, strangerWallet] = await devWallets(viem);
  const sender = newSenderAccount();
  const DEPOSIT = 10_000n;
  const RESERVE = 3_000n;

  /** One orchestrator (50% fee share) with one delegator of equal stake, active; a sender with deposit and reserve. */
  async function fixture() {
    const p = await deployProtocol(viem, networkHelpers);
    await advanceRounds(p, 1); // deployment used most of the first round's blocks; start the setup in a fresh one
    const orchestrator = getAddress(
      await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT, feeSharePpm: 500_000n }),
    );
    await bondFrom(p, delegatorWallet, 1_000n * LPT, orchestrator);
    await advanceRounds(p, 1);
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, DEPOSIT, RESERVE], {
      account: funder.account,
      value: DEPOSIT + RESERVE,
    });
    return { p, orchestrator };
  }

  const redeem = (p: TestProtocol, t: SignedTicket) =>
    p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand], { account: orchestratorWallet.account });

  /** Re-signs `t` after `change`, so that only the changed rule is broken. */
  const altered = (t: SignedTicket, change: Partial<SignedTicket["ticket"]>) =>
    signTicket(sender, { ...t.ticket, ...change }, t.recipientRand);

  describe("a valid winning ticket", () => {
    it("pays faceValue from the deposit into the Minter and splits it by feeShare in the BondingManager", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1_000n });
      const minterBefore = await publicClient.getBalance({ address: p.minter.address });

      const tx = redeem(p, t);
      await viem.assertions.emitWithArgs(tx, p.ticketBroker, "WinningTicketRedeemed", [
        sender.address,
        orchestrator,
        t.ticket.faceValue,
        t.ticket.winProb,
        t.ticket.senderNonce,
        t.recipientRand,
        t.ticket.auxData,
      ]);

      assert.equal(await publicClient.getBalance({ address: p.minter.address }), minterBefore + 1_000n);
      // feeShare 50%: the orchestrator keeps 500 and shares 500 by stake with its equal-stake delegator.
      assert.equal(await p.bondingManager.read.pendingFees([orchestrator]), 750n);
      assert.equal(await p.bondingManager.read.pendingFees([delegatorWallet.account.address]), 250n);
      assert.deepEqual(await p.ticketBroker.read.getSenderInfo([sender.address]), [
        { deposit: DEPOSIT - 1_000n, withdrawRound: 0n },
        { fundsRemaining: RESERVE, claimedInCurrentRound: 0n },
      ]);
      assert.equal(await p.ticketBroker.read.usedTickets([t.hash]), true);
    });

    it("getTicketHash is the keccak256 of the packed fields", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      assert.equal(await p.ticketBroker.read.getTicketHash([t.ticket]), ticketHash(t.ticket));
    });

    it("pays the deposit, then the rest from the reserve up to the recipient's share", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: DEPOSIT + 500n });
      const tx = redeem(p, t);
      await viem.assertions.emitWithArgs(tx, p.ticketBroker, "ReserveClaimed", [sender.address, orchestrator, 500n]);
      assert.deepEqual(await p.ticketBroker.read.getSenderInfo([sender.address]), [
        { deposit: 0n, withdrawRound: 0n },
        { fundsRemaining: RESERVE - 500n, claimedInCurrentRound: 500n },
      ]);
      assert.equal(await p.bondingManager.read.pendingFees([orchestrator]), ((DEPOSIT + 500n) * 3n) / 4n);
    });

    it("stays redeemable while its sender's unlock is in progress", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 100n });
      await networkHelpers.setBalance(sender.address, parseEther("1"));
      await p.ticketBroker.write.unlock({ account: sender });
      await advanceRounds(p, 1);
      await redeem(p, t);
      assert.equal((await p.ticketBroker.read.getSenderInfo([sender.address]))[0].deposit, DEPOSIT - 100n);
    });

    it("is spent even when nothing can be paid (empty deposit, recipient without a reserve share)", async () => {
      const { p } = await networkHelpers.loadFixture(fixture);
      // A registered orchestrator that becomes active only next round: no share of the reserve this round.
      const newcomer = getAddress(await registerOrchestrator(p, strangerWallet, { stake: 1_000n * LPT }));
      const poorSender = newSenderAccount();
      await p.ticketBroker.write.fundDepositAndReserveFor([poorSender.address, 0n, 1_000n], {
        account: funder.account,
        value: 1_000n,
      });
      const t = await makeTicket(p, poorSender, { recipient: newcomer, faceValue: 100n });
      const minterBefore = await publicClient.getBalance({ address: p.minter.address });

      const hash = await p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const events = await p.ticketBroker.getEvents.WinningTicketTransfer({}, { blockHash: receipt.blockHash });
      assert.equal(events.length, 0);
      const redeemed = await p.ticketBroker.getEvents.WinningTicketRedeemed({}, { blockHash: receipt.blockHash });
      assert.equal(redeemed.length, 1);
      assert.equal(await p.ticketBroker.read.usedTickets([t.hash]), true);
      assert.equal(await publicClient.getBalance({ address: p.minter.address }), minterBefore);
      assert.equal((await p.ticketBroker.read.getSenderInfo([poorSender.address]))[1].fundsRemaining, 1_000n);
    });
  });

  describe("rejects", () => {
    it("a zero recipient", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await altered(await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n }), {
        recipient: zeroAddress,
      });
      await viem.assertions.revertWithCustomError(redeem(p, t), p.ticketBroker, "ZeroRecipient");
    });

    it("a zero sender", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const zeroSender = { ...t, ticket: { ...t.ticket, sender: zeroAddress } };
      await viem.assertions.revertWithCustomError(redeem(p, zeroSender), p.ticketBroker, "ZeroSender");
    });

    it("auxData that is not exactly 64 bytes", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const short = await altered(t, { auxData: t.ticket.auxData.slice(0, 2 + 64) as Hex });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, short), p.ticketBroker, "InvalidAuxDataLength", [32n]);
      const long = await altered(t, { auxData: `${t.ticket.auxData}00` });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, long), p.ticketBroker, "InvalidAuxDataLength", [65n]);
    });

    it("a creation round with no recorded block hash (a future round)", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const future = (await p.rounds.read.currentRound()) + 1n;
      const t = await makeTicket(p, sender, {
        recipient: orchestrator,
        faceValue: 1n,
        creationRound: future,
        creationRoundBlockHash: keccak256("0x01"),
      });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, t), p.ticketBroker, "UnknownCreationRound", [future]);
    });

    it("a block hash that is not the creation round's", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const round = await p.rounds.read.currentRound();
      const actual = await p.rounds.read.blockHashForRound([round]);
      const forged = keccak256("0x02");
      const t = await makeTicket(p, sender, {
        recipient: orchestrator,
        faceValue: 1n,
        creationRoundBlockHash: forged,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, t), p.ticketBroker, "CreationRoundBlockHashMismatch", [
        round,
        actual,
        forged,
      ]);
    });

    it("an expired ticket: currentRound >= creationRound + ticketValidityPeriodRounds", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const creationRound = await p.rounds.read.currentRound();
      const stillValid = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const expiring = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      await advanceRounds(p, Number(TEST_PARAMS.ticketValidityPeriodRounds) - 1);
      await redeem(p, stillValid); // last valid round
      const now = await advanceRounds(p, 1);
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, expiring), p.ticketBroker, "TicketExpired", [
        creationRound,
        now,
      ]);
    });

    it("a recipientRand whose hash is not recipientRandHash", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const wrongRand = t.recipientRand + 1n;
      await viem.assertions.revertWithCustomErrorWithArgs(
        redeem(p, { ...t, recipientRand: wrongRand }),
        p.ticketBroker,
        "RecipientRandMismatch",
        [t.ticket.recipientRandHash, keccak256(encodePacked(["uint256"], [wrongRand]))],
      );
    });

    it("a ticket already redeemed", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      await redeem(p, t);
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, t), p.ticketBroker, "TicketAlreadyUsed", [t.hash]);
    });

    it("a malformed signature (wrong length, or one that recovers no address)", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      await viem.assertions.revertWithCustomErrorWithArgs(
        redeem(p, { ...t, sig: t.sig.slice(0, 2 + 128) as Hex }),
        p.ticketBroker,
        "InvalidSignature",
        [t.hash, RecoverError.InvalidSignatureLength],
      );
      const zeroSig = `0x${"00".repeat(64)}1b` as Hex;
      await viem.assertions.revertWithCustomErrorWithArgs(
        redeem(p, { ...t, sig: zeroSig }),
        p.ticketBroker,
        "InvalidSignature",
        [t.hash, RecoverError.InvalidSignature],
      );
    });

    it("the malleable twin of a valid signature (high s), which would re-roll the win check", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const r = t.sig.slice(2, 66);
      const s = BigInt(`0x${t.sig.slice(66, 130)}`);
      const v = Number.parseInt(t.sig.slice(130, 132), 16);
      const twin = `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
      await viem.assertions.revertWithCustomErrorWithArgs(
        redeem(p, { ...t, sig: twin }),
        p.ticketBroker,
        "InvalidSignature",
        [t.hash, RecoverError.InvalidSignatureS],
      );
    });

    it("a signature by someone other than the ticket's sender", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const impostor = newSenderAccount();
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      const forged = await signTicket(impostor, t.ticket, t.recipientRand);
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, forged), p.ticketBroker, "SignerNotSender", [
        impostor.address,
        sender.address,
      ]);
    });

    it("a losing ticket", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const t = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n, winProb: 0n });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, t), p.ticketBroker, "TicketDidNotWin", [t.hash, 0n]);
    });

    it("any ticket while the current round is not initialized", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const oldRound = await p.rounds.read.currentRound();
      const old = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      await networkHelpers.mineUpTo((await p.rounds.read.currentRoundStartBlock()) + TEST_PARAMS.roundLengthBlocks);
      const round = await p.rounds.read.currentRound();
      assert.equal(round, oldRound + 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, old), p.ticketBroker, "RoundNotInitialized", [round]);
      const current = await makeTicket(p, sender, {
        recipient: orchestrator,
        faceValue: 1n,
        creationRound: round,
        creationRoundBlockHash: keccak256("0x03"),
      });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, current), p.ticketBroker, "RoundNotInitialized", [
        round,
      ]);
    });

    it("a ticket whose sender's unlock period is over", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      await networkHelpers.setBalance(sender.address, parseEther("1"));
      await p.ticketBroker.write.unlock({ account: sender });
      const [{ withdrawRound }] = await p.ticketBroker.read.getSenderInfo([sender.address]);
      // Issued during the unlock period, so still valid at withdrawRound: orchestrators must not accept such tickets.
      await advanceRounds(p, Number(TEST_PARAMS.unlockPeriodRounds) - 1);
      const late = await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1n });
      await advanceRounds(p, 1);
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, late), p.ticketBroker, "SenderUnlocked", [
        sender.address,
        withdrawRound,
      ]);
    });

    it("a ticket from a sender with neither deposit nor reserve", async () => {
      const { p, orchestrator } = await networkHelpers.loadFixture(fixture);
      const unfunded = newSenderAccount();
      const t = await makeTicket(p, unfunded, { recipient: orchestrator, faceValue: 1n });
      await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, t), p.ticketBroker, "SenderHasNoFunds", [
        unfunded.address,
      ]);
    });

    it("a recipient that is not a registered orchestrator (the BondingManager's NotRegisteredOrchestrator)", async () => {
      const { p } = await networkHelpers.loadFixture(fixture);
      const stranger = getAddress(strangerWallet.account.address);
      const t = await makeTicket(p, sender, { recipient: stranger, faceValue: 1n });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]),
        p.bondingManager,
        "NotRegisteredOrchestrator",
        [stranger],
      );
      assert.equal(await p.ticketBroker.read.usedTickets([t.hash]), false);
    });
  });
});
