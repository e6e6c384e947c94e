// Cross-check of src/lib/protocol against the real contracts: tickets made and signed only with the library redeem on the
// TicketBroker, its hash, win check and signature rules agree with the contract's, and receipts hash as Solidity does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import fc from "fast-check";
import { bytesToHex, concatHex, getAddress, numberToHex, parseEther, stringToBytes, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { advanceRounds, deployProtocol, devWallets, ensureRoundInitialized, registerOrchestrator, LPT, type TestProtocol } from "../helpers/fixture.ts";
import { issueTicketParams, issuedRecipientRand, newRecipientSecret, recipientRandFor, verifyTicketParams } from "../../../src/lib/protocol/params.ts";
import { contentHash, ladderHash, receiptHash, recoverReceiptSigner, signReceipt, type TranscodeReceipt } from "../../../src/lib/protocol/receipt.ts";
import { SECP256K1_N, normalizeSignature, signatureRecoverError } from "../../../src/lib/protocol/signature.ts";
import { isWinningTicket, makeTicket, recoverTicketSigner, signTicket, ticketHash } from "../../../src/lib/protocol/ticket.ts";
import { MAX_WIN_PROB, WIN_PROB_DENOMINATOR, chooseTicketTerms, expectedValue } from "../../../src/lib/protocol/winprob.ts";
import { address, bytes32, ticketParams, uint256 } from "../../../src/lib/protocol/test-arbitraries.ts";
import type { SignedTicket, TicketParams } from "../../../src/lib/protocol/types.ts";

/** OpenZeppelin ECDSA.RecoverError.InvalidSignatureS, as the contract's InvalidSignature error carries it. */
const RECOVER_ERROR_INVALID_SIGNATURE_S = 3;
/** Blocks the issued params stay acceptable for (the orchestrator's choice; the contract never sees it). */
const PARAMS_VALIDITY_BLOCKS = 100n;

describe("src/lib/protocol against the TicketBroker", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, orchestratorWallet, funder] = await devWallets(viem);
  // The browser's session key: a bare private key that only the library signs with.
  const sender = privateKeyToAccount(generatePrivateKey());
  const DEPOSIT = parseEther("10");
  const RESERVE = parseEther("1");

  /** An active orchestrator with a recipient secret, and a sender funded by another wallet, at the start of a round. */
  async function fixture() {
    const p = await deployProtocol(viem, networkHelpers);
    await advanceRounds(p, 1); // deployment used most of the first round's blocks; start the setup in a fresh one
    const orchestrator = getAddress(await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT }));
    await advanceRounds(p, 1);
    await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, DEPOSIT, RESERVE], {
      account: funder.account,
      value: DEPOSIT + RESERVE,
    });
    return { p, orchestrator, secret: newRecipientSecret() };
  }

  /** What the orchestrator hands the broadcaster: params for the current round, from its secret alone. */
  async function paramsFor(p: TestProtocol, secret: Uint8Array, recipient: Address, terms: { faceValue: bigint; winProb: bigint }) {
    const creationRound = await p.rounds.read.currentRound();
    return issueTicketParams({
      secret,
      recipient,
      ...terms,
      expirationBlock: (await publicClient.getBlockNumber()) + PARAMS_VALIDITY_BLOCKS,
      creationRound,
      creationRoundBlockHash: await p.rounds.read.blockHashForRound([creationRound]),
    });
  }

  const redeem = (p: TestProtocol, signed: SignedTicket, recipientRand: bigint) =>
    p.ticketBroker.write.redeemWinningTicket([signed.ticket, signed.sig, recipientRand], { account: orchestratorWallet.account });

  it("redeems a ticket made only with the library: issueTicketParams → makeTicket → signTicket", async () => {
    const { p, orchestrator, secret } = await networkHelpers.loadFixture(fixture);
    const terms = chooseTicketTerms({ ticketEVWei: parseEther("0.01"), redeemGas: 150_000n, gasPriceWei: 1n });
    assert.equal(terms.winProb, MAX_WIN_PROB, "a 0.01 ETH EV clears 150k gas at 1 wei, so the ticket is sure");
    const params = await paramsFor(p, secret, orchestrator, terms);

    // Broadcaster side.
    const signed = await signTicket(sender, makeTicket(params, sender.address, 1n));

    // Orchestrator side, from the echoed params and its secret.
    const echoed: TicketParams = structuredClone(params);
    assert.equal(verifyTicketParams(secret, echoed), true);
    const recipientRand = issuedRecipientRand(secret, echoed);
    assert.equal(await recoverTicketSigner(signed), sender.address);
    assert.equal(isWinningTicket(signed.sig, recipientRand, signed.ticket.winProb), true);

    const feesBefore = await p.bondingManager.read.pendingFees([orchestrator]);
    await viem.assertions.emitWithArgs(redeem(p, signed, recipientRand), p.ticketBroker, "WinningTicketTransfer", [
      sender.address,
      orchestrator,
      params.faceValue,
    ]);
    assert.equal(await p.ticketBroker.read.usedTickets([ticketHash(signed.ticket)]), true);
    assert.equal(await p.bondingManager.read.pendingFees([orchestrator]), feesBefore + params.faceValue);
    const [senderInfo] = await p.ticketBroker.read.getSenderInfo([sender.address]);
    assert.equal(senderInfo.deposit, DEPOSIT - params.faceValue);
  });

  it("agrees with getTicketHash on every ticket, random fields included", async () => {
    const { p, orchestrator, secret } = await networkHelpers.loadFixture(fixture);
    const params = await paramsFor(p, secret, orchestrator, { faceValue: 1_000n, winProb: 2n ** 255n });
    const made = makeTicket(params, sender.address, 7n);
    assert.equal(await p.ticketBroker.read.getTicketHash([made]), ticketHash(made));

    await fc.assert(
      fc.asyncProperty(ticketParams, address, uint256, async (randomParams, from, nonce) => {
        const t = makeTicket(randomParams, from, nonce);
        assert.equal(await p.ticketBroker.read.getTicketHash([t]), ticketHash(t));
      }),
      { numRuns: 200 },
    );
  });

  it("predicts with isWinningTicket which tickets the contract pays and which it rejects with TicketDidNotWin", async () => {
    const { p, orchestrator, secret } = await networkHelpers.loadFixture(fixture);
    const faceValue = parseEther("0.001");
    // Win half the time, so that a few tickets show both outcomes.
    const winProb = WIN_PROB_DENOMINATOR / 2n;
    const params = await paramsFor(p, secret, orchestrator, { faceValue, winProb });
    const recipientRand = recipientRandFor(secret, params);

    let wins = 0;
    let losses = 0;
    for (let nonce = 1n; (wins < 3 || losses < 3) && nonce <= 60n; nonce++) {
      const signed = await signTicket(sender, makeTicket(params, sender.address, nonce));
      const hash = ticketHash(signed.ticket);
      // Winners mine blocks; keep the current round initialized as the chain crosses into the next.
      await ensureRoundInitialized(p);
      if (isWinningTicket(signed.sig, recipientRand, winProb)) {
        wins++;
        await viem.assertions.emitWithArgs(redeem(p, signed, recipientRand), p.ticketBroker, "WinningTicketTransfer", [
          sender.address,
          orchestrator,
          faceValue,
        ]);
        assert.equal(await p.ticketBroker.read.usedTickets([hash]), true);
      } else {
        losses++;
        await viem.assertions.revertWithCustomErrorWithArgs(redeem(p, signed, recipientRand), p.ticketBroker, "TicketDidNotWin", [
          hash,
          winProb,
        ]);
      }
    }
    assert.ok(wins >= 3 && losses >= 3, `saw ${wins} wins and ${losses} losses; a fair coin should show both`);
    const [senderInfo] = await p.ticketBroker.read.getSenderInfo([sender.address]);
    assert.equal(senderInfo.deposit, DEPOSIT - BigInt(wins) * faceValue);
    assert.equal(expectedValue(faceValue, winProb), faceValue / 2n);
  });

  it("signs in the only form the contract accepts: the high-s twin is rejected with InvalidSignatureS, as predicted", async () => {
    const { p, orchestrator, secret } = await networkHelpers.loadFixture(fixture);
    const params = await paramsFor(p, secret, orchestrator, { faceValue: 1_000n, winProb: MAX_WIN_PROB });
    const signed = await signTicket(sender, makeTicket(params, sender.address, 1n));
    const s = BigInt(`0x${signed.sig.slice(66, 130)}`);
    const twin = concatHex([signed.sig.slice(0, 66) as Hex, numberToHex(SECP256K1_N - s, { size: 32 }), signed.sig.endsWith("1b") ? "0x1c" : "0x1b"]);

    assert.equal(signatureRecoverError(twin), "InvalidSignatureS");
    assert.equal(normalizeSignature(twin), signed.sig);
    await viem.assertions.revertWithCustomErrorWithArgs(
      redeem(p, { ticket: signed.ticket, sig: twin }, recipientRandFor(secret, params)),
      p.ticketBroker,
      "InvalidSignature",
      [ticketHash(signed.ticket), RECOVER_ERROR_INVALID_SIGNATURE_S],
    );
  });

  it("derives a recipientRand the contract checks against recipientRandHash: another secret's reveal is a RecipientRandMismatch", async () => {
    const { p, orchestrator, secret } = await networkHelpers.loadFixture(fixture);
    const params = await paramsFor(p, secret, orchestrator, { faceValue: 1_000n, winProb: MAX_WIN_PROB });
    const signed = await signTicket(sender, makeTicket(params, sender.address, 1n));
    await viem.assertions.revertWithCustomError(
      redeem(p, signed, recipientRandFor(newRecipientSecret(), params)),
      p.ticketBroker,
      "RecipientRandMismatch",
    );
  });
});

describe("src/lib/protocol receipts against Solidity's abi.encode and ECDSA", async () => {
  const { viem } = await network.create();
  const probe = await viem.deployContract("ReceiptProbe");
  const orchestrator = privateKeyToAccount(generatePrivateKey());

  const receiptArgs = (r: TranscodeReceipt) =>
    [r.streamId, BigInt(r.sequenceNumber), r.inputHash, r.jobHash, r.outputs.map((o) => ({ ...o })), r.orchestrator, r.round] as const;

  it("hashes every receipt as keccak256(abi.encode(domain, streamId, uint64 sequenceNumber, inputHash, jobHash, outputs, orchestrator, uint256 round))", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          streamId: fc.string({ maxLength: 40 }),
          sequenceNumber: fc.nat(),
          inputHash: bytes32,
          jobHash: bytes32,
          outputs: fc.array(fc.record({ rendition: fc.string({ maxLength: 12 }), hash: bytes32 }), { maxLength: 5 }),
          round: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        }),
        async (fields) => {
          const r: TranscodeReceipt = { ...fields, orchestrator: orchestrator.address };
          assert.equal(await probe.read.receiptHash(receiptArgs(r)), receiptHash(r));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("signs receipts that ECDSA.recover attributes to the orchestrator, and hashes content as keccak256 on chain", async () => {
    const segment = stringToBytes("a 2 s segment");
    const r: TranscodeReceipt = {
      streamId: "stream-1",
      sequenceNumber: 0,
      inputHash: contentHash(segment),
      jobHash: ladderHash([{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }]),
      outputs: [{ rendition: "360p", hash: contentHash(stringToBytes("the 360p rendition")) }],
      orchestrator: orchestrator.address,
      round: 3n,
    };
    const signed = await signReceipt(orchestrator, r);
    assert.equal(await probe.read.recoverReceiptSigner([receiptHash(r), signed.sig]), orchestrator.address);
    assert.equal(await recoverReceiptSigner(signed), orchestrator.address);
    assert.equal(await probe.read.contentHash([bytesToHex(segment)]), contentHash(segment));
  });
});
