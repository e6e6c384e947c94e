// Spec of the FaultVerifier: who may challenge which signed receipt and when, what a challenge costs, who judges it,
// and what each verdict moves (the slash through the BondingManager, the finder's fee, the ETH bond).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { network } from "hardhat";
import { getAddress, zeroAddress, type Address, type Hex } from "viem";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator, TEST_PARAMS } from "../helpers/fixture.ts";
import { challengeArgs, makeReceipt, receiptStruct, signReceiptAs, TEST_LADDER } from "../helpers/receipts.ts";
import { enterUninitializedRound, testWallets } from "../bonding/helpers.ts";
import {
  RECEIPT_DOMAIN_HASH,
  ladderHash,
  receiptHash,
  recoverReceiptSigner,
  type TranscodeReceipt,
} from "../../../src/lib/protocol/receipt.ts";
import { LOCAL_FAULT_VERIFIER, LOCAL_PARAMS, type ProtocolParams } from "../../../scripts/lib/protocol-params.ts";
import { LOCAL_FAULT_VERIFIER_ADDRESS } from "../../../scripts/lib/seed-network.ts";

const { viem, networkHelpers } = await network.create();

/** The local parameters with 1,000-block rounds, so that rounds pass only when a test moves them. */
const FAULT_TEST_PARAMS: ProtocolParams = { ...TEST_PARAMS, roundLengthBlocks: 1_000n };
const BOND = FAULT_TEST_PARAMS.challengeBondWei;
const WINDOW = FAULT_TEST_PARAMS.challengeWindowRounds;
const VERDICT_WINDOW = FAULT_TEST_PARAMS.verdictWindowRounds;
const PPM = 1_000_000n;

/** ChallengeStatus as the contract numbers it. */
const Status = { None: 0, Open: 1, Faulty: 2, NotFaulty: 3, Withdrawn: 4 } as const;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, FAULT_TEST_PARAMS);
  const [orchestrator, orchestrator2, challenger, delegator, outsider, verifier3, , verifier, verifier2] = await testWallets(viem, 9);
  assert.equal(getAddress(verifier.account.address), LOCAL_FAULT_VERIFIER, "dev account #8 is the deployed verifier");
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
  await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT });
  await bondFrom(p, delegator, 500n * LPT, orchestrator.account.address);
  const round = await advanceRounds(p, 1);
  return {
    p,
    fv: p.faultVerifier,
    round,
    orchestrator,
    orchestrator2,
    challenger,
    delegator,
    outsider,
    verifier,
    verifier2,
    verifier3,
    o: orchestrator.account.address,
  };
}

const setup = () => networkHelpers.loadFixture(deploy);
type Setup = Awaited<ReturnType<typeof deploy>>;

/** A receipt signed by the first orchestrator in the current round, and its challenge id. */
async function signedReceipt(s: Setup, overrides: Partial<TranscodeReceipt> = {}) {
  const round = await s.p.rounds.read.currentRound();
  const signed = await signReceiptAs(s.orchestrator, makeReceipt(s.o, round, overrides));
  return { signed, id: receiptHash(signed.receipt) };
}

/** Files a challenge of rendition 0 of a fresh receipt by the challenger; returns its id. */
async function filed(s: Setup, overrides: Partial<TranscodeReceipt> = {}): Promise<Hex> {
  const { signed, id } = await signedReceipt(s, overrides);
  await s.fv.write.challenge(challengeArgs(signed), { account: s.challenger.account, value: BOND });
  return id;
}

async function ethBalance(address: Address): Promise<bigint> {
  return (await viem.getPublicClient()).getBalance({ address });
}

describe("FaultVerifier: deployment", () => {
  it("is the BondingManager's verifier, owned by the deployer, with the local parameters and dev account #8 as verifier", async () => {
    const { p, fv, verifier } = await setup();
    assert.equal(getAddress(await p.bondingManager.read.verifier()), getAddress(fv.address));
    assert.equal(getAddress(await fv.read.owner()), getAddress(p.deployer));
    assert.equal(await fv.read.isVerifier([verifier.account.address]), true);
    assert.equal(await fv.read.verifierCount(), 1n);
    assert.deepEqual(
      [
        await fv.read.challengeWindowRounds(),
        await fv.read.challengeBondWei(),
        await fv.read.verdictWindowRounds(),
        await fv.read.slashAmountPpm(),
        await fv.read.finderFeePpm(),
        await fv.read.quorum(),
      ],
      [10n, 10n ** 16n, 20n, 100_000n, 500_000n, 1n],
    );
    assert.equal(p.addresses.FaultVerifier, fv.address);
  });

  it("lands where the seeded services expect it on a fresh chain", async () => {
    const { fv } = await setup();
    assert.equal(getAddress(fv.address), LOCAL_FAULT_VERIFIER_ADDRESS);
    assert.deepEqual(LOCAL_PARAMS.faultVerifiers, [LOCAL_FAULT_VERIFIER]);
  });

  it("hashes receipts and ladders exactly as src/lib/protocol/receipt.ts does", async () => {
    const { fv } = await setup();
    assert.equal(await fv.read.RECEIPT_DOMAIN_HASH(), RECEIPT_DOMAIN_HASH);
    const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
    const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          streamId: fc.string({ maxLength: 40 }),
          sequenceNumber: fc.nat(),
          inputHash: bytes32,
          jobHash: bytes32,
          outputs: fc.array(fc.record({ rendition: fc.string({ maxLength: 12 }), hash: bytes32 }), { maxLength: 4 }),
          orchestrator: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(`0x${Buffer.from(b).toString("hex")}`)),
          round: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        }),
        fc.array(fc.record({ name: fc.string({ maxLength: 12 }), width: uint32, height: uint32, bitrateKbps: uint32 }), { maxLength: 4 }),
        async (r, ladder) => {
          assert.equal(await fv.read.receiptHash([receiptStruct(r)]), receiptHash(r));
          assert.equal(await fv.read.ladderHash([ladder]), ladderHash(ladder));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("FaultVerifier: challenge", () => {
  it("stores a challenge of a receipt its orchestrator signed, takes the bond and emits what a verifier needs", async () => {
    const s = await setup();
    const { signed, id } = await signedReceipt(s, { sequenceNumber: 7 });
    const rendition = signed.receipt.outputs[1]!;
    const tx = s.fv.write.challenge(challengeArgs(signed, 1n), { account: s.challenger.account, value: BOND });
    await viem.assertions.emitWithArgs(tx, s.fv, "ChallengeFiled", [
      id,
      s.challenger.account.address,
      s.o,
      signed.receipt.inputHash,
      ladderHash(TEST_LADDER),
      rendition.hash,
      rendition.rendition,
      s.round,
      "stream-1",
      7n,
    ]);
    const c = await s.fv.read.getChallenge([id]);
    assert.deepEqual(
      { ...c, challenger: getAddress(c.challenger), orchestrator: getAddress(c.orchestrator) },
      {
        challenger: getAddress(s.challenger.account.address),
        bondWei: BOND,
        orchestrator: getAddress(s.o),
        faultyVerdicts: 0,
        notFaultyVerdicts: 0,
        status: Status.Open,
        filedRound: s.round,
        verdictDeadlineRound: s.round + VERDICT_WINDOW,
      },
    );
    assert.equal(await ethBalance(s.fv.address), BOND);
  });

  it("returns the receipt hash as the challenge id", async () => {
    const s = await setup();
    const { signed, id } = await signedReceipt(s);
    const { result } = await s.fv.simulate.challenge(challengeArgs(signed), { account: s.challenger.account.address, value: BOND });
    assert.equal(result, id);
  });

  it("rejects a receipt signed by someone else, a tampered receipt and a malformed signature", async () => {
    const s = await setup();
    const round = await s.p.rounds.read.currentRound();
    const forged = await signReceiptAs(s.outsider, makeReceipt(s.o, round));
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(forged), { account: s.challenger.account, value: BOND }),
      s.fv,
      "ReceiptNotSignedByOrchestrator",
      [s.outsider.account.address, s.o],
    );
    const { signed } = await signedReceipt(s);
    const tampered = { ...signed.receipt, outputs: [{ rendition: "360p", hash: signed.receipt.inputHash }] };
    const recovered = await recoverReceiptSigner({ receipt: tampered, sig: signed.sig });
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs({ receipt: tampered, sig: signed.sig }), { account: s.challenger.account, value: BOND }),
      s.fv,
      "ReceiptNotSignedByOrchestrator",
      [recovered, s.o],
    );
    const short = signed.sig.slice(0, 130) as Hex;
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs({ ...signed, sig: short }), { account: s.challenger.account, value: BOND }),
      s.fv,
      "ReceiptNotSignedByOrchestrator",
      [zeroAddress, s.o],
    );
  });

  it("rejects a receipt of an orchestrator that is not registered", async () => {
    const s = await setup();
    const round = await s.p.rounds.read.currentRound();
    const signed = await signReceiptAs(s.outsider, makeReceipt(s.outsider.account.address, round));
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(signed), { account: s.challenger.account, value: BOND }),
      s.fv,
      "OrchestratorNotRegistered",
      [s.outsider.account.address],
    );
  });

  it("takes a challenge up to challengeWindowRounds after the receipt's round, and none after", async () => {
    const s = await setup();
    const lastDay = await signedReceipt(s, { sequenceNumber: 1 });
    const tooLate = await signedReceipt(s, { sequenceNumber: 2 });
    await advanceRounds(s.p, Number(WINDOW));
    await s.fv.write.challenge(challengeArgs(lastDay.signed), { account: s.challenger.account, value: BOND });
    assert.equal((await s.fv.read.getChallenge([lastDay.id])).status, Status.Open);
    const now = await advanceRounds(s.p, 1);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(tooLate.signed), { account: s.challenger.account, value: BOND }),
      s.fv,
      "ChallengeWindowClosed",
      [s.round, s.round + WINDOW, now],
    );
  });

  it("rejects a receipt naming a round that has not come, even a far one (no overflow)", async () => {
    const s = await setup();
    for (const round of [s.round + 1n, 2n ** 256n - 1n]) {
      const signed = await signReceiptAs(s.orchestrator, makeReceipt(s.o, round));
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.challenge(challengeArgs(signed), { account: s.challenger.account, value: BOND }),
        s.fv,
        "ReceiptFromFutureRound",
        [round, s.round],
      );
    }
  });

  it("takes exactly challengeBondWei", async () => {
    const s = await setup();
    const { signed } = await signedReceipt(s);
    for (const value of [0n, BOND - 1n, BOND + 1n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.challenge(challengeArgs(signed), { account: s.challenger.account, value }),
        s.fv,
        "WrongChallengeBond",
        [value, BOND],
      );
    }
  });

  it("takes a receipt once: a second challenge, by anyone, of any rendition, is ChallengeExists", async () => {
    const s = await setup();
    const { signed, id } = await signedReceipt(s);
    await s.fv.write.challenge(challengeArgs(signed, 0n), { account: s.challenger.account, value: BOND });
    for (const [account, index] of [[s.challenger, 0n], [s.outsider, 1n]] as const) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.challenge(challengeArgs(signed, index), { account: account.account, value: BOND }),
        s.fv,
        "ChallengeExists",
        [id],
      );
    }
    // Still once after the verdict.
    await s.fv.write.submitVerdict([id, false], { account: s.verifier.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(signed), { account: s.outsider.account, value: BOND }),
      s.fv,
      "ChallengeExists",
      [id],
    );
  });

  it("rejects a rendition index beyond the receipt's outputs", async () => {
    const s = await setup();
    const { signed } = await signedReceipt(s);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(signed, 2n), { account: s.challenger.account, value: BOND }),
      s.fv,
      "RenditionIndexOutOfRange",
      [2n, 2n],
    );
    const empty = await signedReceipt(s, { outputs: [] });
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.challenge(challengeArgs(empty.signed, 0n), { account: s.challenger.account, value: BOND }),
      s.fv,
      "RenditionIndexOutOfRange",
      [0n, 0n],
    );
  });
});

describe("FaultVerifier: verdicts", () => {
  it("takes verdicts from verifiers only", async () => {
    const s = await setup();
    const id = await filed(s);
    for (const who of [s.outsider, s.orchestrator2]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.submitVerdict([id, true], { account: who.account }),
        s.fv,
        "NotVerifier",
        [who.account.address],
      );
    }
  });

  it("takes one verdict per verifier", async () => {
    const s = await setup();
    await s.fv.write.addVerifier([s.verifier2.account.address]);
    await s.fv.write.setQuorum([2n]);
    const id = await filed(s);
    await s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    for (const faulty of [true, false]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.submitVerdict([id, faulty], { account: s.verifier.account }),
        s.fv,
        "AlreadyJudged",
        [id, s.verifier.account.address],
      );
    }
    assert.equal(await s.fv.read.hasJudged([id, s.verifier.account.address]), true);
    assert.equal(await s.fv.read.hasJudged([id, s.verifier2.account.address]), false);
  });

  it("rejects a verdict on a challenge never filed, or already resolved", async () => {
    const s = await setup();
    const never = receiptHash(makeReceipt(s.o, s.round, { streamId: "never" }));
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.submitVerdict([never, true], { account: s.verifier.account }),
      s.fv,
      "ChallengeNotOpen",
      [never, Status.None],
    );
    const id = await filed(s);
    await s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    await s.fv.write.addVerifier([s.verifier2.account.address]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.submitVerdict([id, false], { account: s.verifier2.account }),
      s.fv,
      "ChallengeNotOpen",
      [id, Status.Faulty],
    );
  });

  it("does not let a verifier judge its own challenge or its own receipt", async () => {
    const s = await setup();
    await s.fv.write.addVerifier([s.challenger.account.address]);
    await s.fv.write.addVerifier([s.o]);
    const id = await filed(s);
    for (const party of [s.challenger, s.orchestrator]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        s.fv.write.submitVerdict([id, true], { account: party.account }),
        s.fv,
        "VerifierIsParty",
        [id, party.account.address],
      );
    }
  });

  it("faulty: slashes slashAmountPpm of the orchestrator's own bond, pays the challenger finderFeePpm of it and the bond back", async () => {
    const s = await setup();
    const id = await filed(s);
    const ownBond = await s.p.bondingManager.read.pendingStake([s.o]);
    const totalStake = await s.p.bondingManager.read.transcoderTotalStake([s.o]);
    const supply = await s.p.token.read.totalSupply();
    const penalty = (ownBond * FAULT_TEST_PARAMS.slashAmountPpm) / PPM;
    const finderFee = (penalty * FAULT_TEST_PARAMS.finderFeePpm) / PPM;
    assert.deepEqual([ownBond, penalty, finderFee], [1_000n * LPT, 100n * LPT, 50n * LPT]);

    const tx = s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    await viem.assertions.balancesHaveChanged(tx, [
      { address: s.challenger.account.address, amount: BOND },
      { address: s.fv.address, amount: -BOND },
      { address: s.o, amount: 0n },
    ]);
    await viem.assertions.emitWithArgs(tx, s.fv, "VerdictSubmitted", [id, s.verifier.account.address, true]);
    await viem.assertions.emitWithArgs(tx, s.fv, "ChallengeResolved", [id, true, s.o, s.challenger.account.address, BOND]);
    await viem.assertions.emitWithArgs(tx, s.p.bondingManager, "TranscoderSlashed", [s.o, s.challenger.account.address, penalty, finderFee]);

    assert.equal(await s.p.bondingManager.read.pendingStake([s.o]), ownBond - penalty);
    assert.equal(await s.p.bondingManager.read.transcoderTotalStake([s.o]), totalStake - penalty, "delegators keep their stake");
    assert.equal(await s.p.token.read.balanceOf([s.challenger.account.address]), finderFee);
    assert.equal(await s.p.token.read.totalSupply(), supply - (penalty - finderFee), "the rest of the penalty is burned");
    assert.equal((await s.p.bondingManager.read.getTranscoder([s.o])).slashCount, 1n);
    assert.equal((await s.fv.read.getChallenge([id])).status, Status.Faulty);
  });

  it("faulty: initializes the round first when nobody has yet", async () => {
    const s = await setup();
    const id = await filed(s);
    const round = await enterUninitializedRound(s.p);
    assert.equal(await s.p.rounds.read.currentRoundInitialized(), false);
    const tx = s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    await viem.assertions.emit(tx, s.p.rounds, "NewRound");
    assert.equal(await s.p.rounds.read.lastInitializedRound(), round);
    assert.equal((await s.p.bondingManager.read.getTranscoder([s.o])).slashCount, 1n);
    assert.equal(await s.p.bondingManager.read.pendingStake([s.o]), 900n * LPT);
  });

  it("not faulty: forfeits the bond to the orchestrator and slashes nothing", async () => {
    const s = await setup();
    const id = await filed(s);
    const supply = await s.p.token.read.totalSupply();
    const tx = s.fv.write.submitVerdict([id, false], { account: s.verifier.account });
    await viem.assertions.balancesHaveChanged(tx, [
      { address: s.o, amount: BOND },
      { address: s.challenger.account.address, amount: 0n },
      { address: s.fv.address, amount: -BOND },
    ]);
    await viem.assertions.emitWithArgs(tx, s.fv, "ChallengeResolved", [id, false, s.o, s.o, BOND]);
    assert.equal(await s.p.bondingManager.read.pendingStake([s.o]), 1_000n * LPT);
    assert.equal((await s.p.bondingManager.read.getTranscoder([s.o])).slashCount, 0n);
    assert.equal(await s.p.token.read.totalSupply(), supply);
    assert.equal((await s.fv.read.getChallenge([id])).status, Status.NotFaulty);
  });

  it("with a quorum of 2, resolves on the second agreeing verdict only", async () => {
    const s = await setup();
    await s.fv.write.addVerifier([s.verifier2.account.address]);
    await s.fv.write.addVerifier([s.verifier3.account.address]);
    await s.fv.write.setQuorum([2n]);
    const id = await filed(s);
    await s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    await s.fv.write.submitVerdict([id, false], { account: s.verifier2.account });
    const split = await s.fv.read.getChallenge([id]);
    assert.deepEqual([split.status, split.faultyVerdicts, split.notFaultyVerdicts], [Status.Open, 1, 1]);
    assert.equal((await s.p.bondingManager.read.getTranscoder([s.o])).slashCount, 0n);

    const tx = s.fv.write.submitVerdict([id, true], { account: s.verifier3.account });
    await viem.assertions.emitWithArgs(tx, s.fv, "ChallengeResolved", [id, true, s.o, s.challenger.account.address, BOND]);
    assert.equal((await s.p.bondingManager.read.getTranscoder([s.o])).slashCount, 1n);
  });

  it("keeps a bond the challenger refuses as owed, and pays it on withdrawOwed", async () => {
    const s = await setup();
    const refuser = await viem.deployContract("RefusingChallenger", [s.fv.address]);
    const { signed, id } = await signedReceipt(s);
    await refuser.write.challenge(challengeArgs(signed), { value: BOND });
    const tx = s.fv.write.submitVerdict([id, true], { account: s.verifier.account });
    await viem.assertions.emitWithArgs(tx, s.fv, "PaymentDeferred", [refuser.address, BOND]);
    assert.equal(await s.fv.read.owedWei([refuser.address]), BOND);
    assert.equal(await ethBalance(s.fv.address), BOND);
    assert.equal(await s.p.token.read.balanceOf([refuser.address]), 50n * LPT, "the finder's fee in LPT still arrives");

    await viem.assertions.revertWithCustomErrorWithArgs(refuser.write.withdrawOwed(), s.fv, "EthTransferFailed", [refuser.address, BOND]);
    await refuser.write.setAccepting([true]);
    const withdrawal = refuser.write.withdrawOwed();
    await viem.assertions.balancesHaveChanged(withdrawal, [
      { address: refuser.address, amount: BOND },
      { address: s.fv.address, amount: -BOND },
    ]);
    await viem.assertions.emitWithArgs(withdrawal, s.fv, "OwedWithdrawn", [refuser.address, BOND]);
    await viem.assertions.revertWithCustomErrorWithArgs(refuser.write.withdrawOwed(), s.fv, "NothingOwed", [refuser.address]);
  });
});

describe("FaultVerifier: expired challenges", () => {
  it("returns the bond to the challenger when no verdict came within verdictWindowRounds, and takes no verdict after", async () => {
    const s = await setup();
    const id = await filed(s);
    const deadline = s.round + VERDICT_WINDOW;
    await advanceRounds(s.p, Number(VERDICT_WINDOW));
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.withdrawExpiredChallenge([id], { account: s.challenger.account }),
      s.fv,
      "VerdictWindowOpen",
      [id, deadline, deadline],
    );
    const late = await advanceRounds(s.p, 1);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.submitVerdict([id, true], { account: s.verifier.account }),
      s.fv,
      "VerdictWindowClosed",
      [id, deadline, late],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.withdrawExpiredChallenge([id], { account: s.outsider.account }),
      s.fv,
      "NotChallenger",
      [s.outsider.account.address, s.challenger.account.address],
    );
    const tx = s.fv.write.withdrawExpiredChallenge([id], { account: s.challenger.account });
    await viem.assertions.balancesHaveChanged(tx, [
      { address: s.challenger.account.address, amount: BOND },
      { address: s.fv.address, amount: -BOND },
    ]);
    await viem.assertions.emitWithArgs(tx, s.fv, "ChallengeWithdrawn", [id, s.challenger.account.address, BOND]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.withdrawExpiredChallenge([id], { account: s.challenger.account }),
      s.fv,
      "ChallengeNotOpen",
      [id, Status.Withdrawn],
    );
  });

  it("keeps the verdict window a challenge was filed with when the owner changes it", async () => {
    const s = await setup();
    const id = await filed(s);
    await s.fv.write.setVerdictWindowRounds([1n]);
    assert.equal((await s.fv.read.getChallenge([id])).verdictDeadlineRound, s.round + VERDICT_WINDOW);
  });
});

describe("FaultVerifier: governance", () => {
  const SETTERS = [
    ["setChallengeWindowRounds", "challengeWindowRounds", 5n, [0n, 2n ** 64n]],
    ["setChallengeBondWei", "challengeBondWei", 1n, [2n ** 96n]],
    ["setVerdictWindowRounds", "verdictWindowRounds", 5n, [0n, 2n ** 32n]],
    ["setSlashAmountPpm", "slashAmountPpm", 1_000_000n, [1_000_001n]],
    ["setFinderFeePpm", "finderFeePpm", 0n, [1_000_001n]],
    ["setQuorum", "quorum", 3n, [0n, 2n ** 32n]],
  ] as const;

  for (const [setter, param, value, invalid] of SETTERS) {
    it(`${setter}: owner only, emits ParameterUpdate("${param}"), rejects ${invalid.join(" and ")}`, async () => {
      const { fv, outsider } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        fv.write[setter]([value], { account: outsider.account }),
        fv,
        "OwnableUnauthorizedAccount",
        [outsider.account.address],
      );
      await viem.assertions.emitWithArgs(fv.write[setter]([value]), fv, "ParameterUpdate", [param, value]);
      assert.equal(await fv.read[param](), value);
      for (const bad of invalid) {
        await viem.assertions.revertWithCustomErrorWithArgs(fv.write[setter]([bad]), fv, "InvalidParameter", [param, bad]);
      }
    });
  }

  it("adds and removes verifiers, owner only, with events", async () => {
    const { fv, outsider, verifier } = await setup();
    const who = outsider.account.address;
    await viem.assertions.revertWithCustomErrorWithArgs(
      fv.write.addVerifier([who], { account: outsider.account }),
      fv,
      "OwnableUnauthorizedAccount",
      [who],
    );
    await viem.assertions.emitWithArgs(fv.write.addVerifier([who]), fv, "VerifierAdded", [who]);
    assert.equal(await fv.read.verifierCount(), 2n);
    await viem.assertions.revertWithCustomErrorWithArgs(fv.write.addVerifier([who]), fv, "VerifierExists", [who]);
    await viem.assertions.revertWithCustomError(fv.write.addVerifier([zeroAddress]), fv, "ZeroAddress");
    await viem.assertions.revertWithCustomErrorWithArgs(
      fv.write.removeVerifier([verifier.account.address], { account: outsider.account }),
      fv,
      "OwnableUnauthorizedAccount",
      [who],
    );
    await viem.assertions.emitWithArgs(fv.write.removeVerifier([verifier.account.address]), fv, "VerifierRemoved", [
      verifier.account.address,
    ]);
    assert.equal(await fv.read.isVerifier([verifier.account.address]), false);
    assert.equal(await fv.read.verifierCount(), 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      fv.write.removeVerifier([verifier.account.address]),
      fv,
      "NotVerifier",
      [verifier.account.address],
    );
  });

  it("counts a removed verifier's verdict no more from then on", async () => {
    const s = await setup();
    const id = await filed(s);
    await s.fv.write.removeVerifier([s.verifier.account.address]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      s.fv.write.submitVerdict([id, true], { account: s.verifier.account }),
      s.fv,
      "NotVerifier",
      [s.verifier.account.address],
    );
  });
});

describe("FaultVerifier: properties", () => {
  /** One step of a random run: file, judge, let rounds pass, withdraw. */
  type Step =
    | { kind: "file"; by: number; index: number }
    | { kind: "judge"; challenge: number; by: number; faulty: boolean }
    | { kind: "rounds"; n: number }
    | { kind: "withdraw"; challenge: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("file" as const), by: fc.nat(2), index: fc.nat(2) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("judge" as const), challenge: fc.nat(7), by: fc.nat(1), faulty: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("rounds" as const), n: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), challenge: fc.nat(7) }) },
  );

  it("holds exactly the bonds of open challenges plus what it owes, whatever happens (ETH conservation)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const s = await setup();
        await s.fv.write.addVerifier([s.verifier2.account.address]);
        await s.fv.write.setQuorum([2n]);
        const challengers: WalletClient[] = [s.challenger, s.outsider, s.delegator];
        const verifiers: WalletClient[] = [s.verifier, s.verifier2];
        const ids: Hex[] = [];
        let sequenceNumber = 0;
        const attempt = (write: Promise<Hex>) => write.then(() => true, () => false);
        for (const st of steps) {
          if (st.kind === "file") {
            const { signed, id } = await signedReceipt(s, { sequenceNumber: sequenceNumber++ });
            const by = challengers[st.by]!;
            if (await attempt(s.fv.write.challenge(challengeArgs(signed, BigInt(st.index)), { account: by.account, value: BOND }))) ids.push(id);
          } else if (st.kind === "judge" && ids[st.challenge] !== undefined) {
            await attempt(s.fv.write.submitVerdict([ids[st.challenge]!, st.faulty], { account: verifiers[st.by]!.account }));
          } else if (st.kind === "rounds") {
            await advanceRounds(s.p, st.n);
          } else if (st.kind === "withdraw" && ids[st.challenge] !== undefined) {
            const c = await s.fv.read.getChallenge([ids[st.challenge]!]);
            const challenger = challengers.find((w) => getAddress(w.account.address) === getAddress(c.challenger))!;
            await attempt(s.fv.write.withdrawExpiredChallenge([ids[st.challenge]!], { account: challenger.account }));
          }
          let held = 0n;
          for (const id of ids) {
            const c = await s.fv.read.getChallenge([id]);
            if (c.status === Status.Open) held += c.bondWei;
          }
          for (const w of [...challengers, s.orchestrator]) held += await s.fv.read.owedWei([w.account.address]);
          assert.equal(await ethBalance(s.fv.address), held);
        }
      }),
      { numRuns: 12 },
    );
  });
});
