// Spec of slashing: only the verifier slashes, a fraction of the orchestrator's own bond, paying the finder a fraction
// of the penalty and burning the rest; delegators' stake is untouched.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroAddress } from "viem";
import { advanceRounds, bondFrom, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { enterUninitializedRound, STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, orchestrator2, delegator, verifier, finder] = await testWallets(viem, 5);
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
  await registerOrchestrator(p, orchestrator2, { stake: 1_000n * LPT });
  await bondFrom(p, delegator, 500n * LPT, orchestrator.account.address);
  await p.bondingManager.write.setVerifier([verifier.account.address]);
  await advanceRounds(p, 1);
  return {
    p,
    bm: p.bondingManager,
    orchestrator,
    orchestrator2,
    delegator,
    verifier,
    finder,
    o: orchestrator.account.address,
  };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("BondingManager: slashing", () => {
  it("lets the owner set the verifier and emits ProtocolContractSet", async () => {
    const { bm, verifier } = await setup();
    await viem.assertions.emitWithArgs(bm.write.setVerifier([verifier.account.address]), bm, "ProtocolContractSet", [
      "Verifier",
      verifier.account.address,
    ]);
    assert.equal((await bm.read.verifier()).toLowerCase(), verifier.account.address);
  });

  it("rejects setVerifier from anyone but the owner", async () => {
    const { bm, verifier } = await setup();
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.setVerifier([verifier.account.address], { account: verifier.account }),
      bm,
      "OwnableUnauthorizedAccount",
      [verifier.account.address],
    );
  });

  it("burns the penalty minus the finder's fee and pays the finder", async () => {
    const { p, bm, verifier, finder, o } = await setup();
    const supplyBefore = await p.token.read.totalSupply();
    const totalBefore = await bm.read.getTotalBonded();
    // 10% of 1,000 LPT = 100 LPT; the finder gets 5% of it.
    const tx = await bm.write.slashTranscoder([o, finder.account.address, 100_000n, 50_000n], { account: verifier.account });
    await viem.assertions.emitWithArgs(tx, bm, "TranscoderSlashed", [o, finder.account.address, 100n * LPT, 5n * LPT]);
    assert.equal(await p.token.read.balanceOf([finder.account.address]), 5n * LPT);
    assert.equal(await p.token.read.totalSupply(), supplyBefore - 95n * LPT, "95 LPT burned");
    assert.equal(await bm.read.pendingStake([o]), 900n * LPT);
    assert.equal(await bm.read.transcoderTotalStake([o]), 1_400n * LPT);
    assert.equal(await bm.read.getTotalBonded(), totalBefore - 100n * LPT);
    assert.equal(await bm.read.nextRoundTotalActiveStake(), 2_400n * LPT);
    assert.equal((await bm.read.getTranscoder([o])).slashCount, 1n);
  });

  it("leaves delegators' stake untouched", async () => {
    const { bm, verifier, delegator, o } = await setup();
    await bm.write.slashTranscoder([o, zeroAddress, 500_000n, 0n], { account: verifier.account });
    assert.equal(await bm.read.pendingStake([delegator.account.address]), 500n * LPT);
  });

  it("burns the whole penalty when there is no finder", async () => {
    const { p, bm, verifier, o } = await setup();
    const supplyBefore = await p.token.read.totalSupply();
    await viem.assertions.emitWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 100_000n, 500_000n], { account: verifier.account }),
      bm,
      "TranscoderSlashed",
      [o, zeroAddress, 100n * LPT, 0n],
    );
    assert.equal(await p.token.read.totalSupply(), supplyBefore - 100n * LPT);
  });

  it("unregisters and deactivates an orchestrator slashed by 100%", async () => {
    const { p, bm, verifier, finder, o } = await setup();
    const round = await p.rounds.read.currentRound();
    const tx = await bm.write.slashTranscoder([o, finder.account.address, 1_000_000n, 1_000_000n], {
      account: verifier.account,
    });
    await viem.assertions.emitWithArgs(tx, bm, "TranscoderDeactivated", [o, round + 1n]);
    assert.equal(await p.token.read.balanceOf([finder.account.address]), 1_000n * LPT);
    assert.equal(await bm.read.isRegisteredTranscoder([o]), false);
    const [bonded, , delegate] = await bm.read.getDelegator([o]);
    assert.deepEqual([bonded, delegate], [0n, zeroAddress]);
    await advanceRounds(p, 1);
    assert.equal(await bm.read.isActiveTranscoder([o]), false);
    assert.equal(await bm.read.getTranscoderPoolSize(), 1n);
  });

  it("slashes the orchestrator's rewards too: it claims them before the penalty is computed", async () => {
    const { bm, verifier, orchestrator, o } = await setup();
    await bm.write.reward({ account: orchestrator.account });
    const stake = await bm.read.pendingStake([o]);
    await viem.assertions.emitWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 500_000n, 0n], { account: verifier.account }),
      bm,
      "TranscoderSlashed",
      [o, zeroAddress, stake / 2n, 0n],
    );
  });

  it("counts a slash of an account with nothing bonded but moves nothing", async () => {
    const { p, bm, verifier, finder } = await setup();
    const supplyBefore = await p.token.read.totalSupply();
    await viem.assertions.emitWithArgs(
      bm.write.slashTranscoder([finder.account.address, zeroAddress, 500_000n, 0n], { account: verifier.account }),
      bm,
      "TranscoderSlashed",
      [finder.account.address, zeroAddress, 0n, 0n],
    );
    assert.equal(await p.token.read.totalSupply(), supplyBefore);
  });

  it("keeps round-start stakes equal to the round's total active stake: no slashing before the round is initialized", async () => {
    const { p, bm, verifier, orchestrator, orchestrator2, o } = await setup();
    const round = await enterUninitializedRound(p);
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 500_000n, 0n], { account: verifier.account }),
      bm,
      "CurrentRoundNotInitialized",
      [round],
    );
    // Had it gone through, o's stake at the round's start (1,500) would exceed its share of the total active stake
    // (1,000 of 2,000) and the round's rewards would add up to more than the Minter may mint.
    await p.rounds.write.initializeRound();
    await bm.write.slashTranscoder([o, zeroAddress, 500_000n, 0n], { account: verifier.account });
    await bm.write.reward({ account: orchestrator.account });
    await bm.write.reward({ account: orchestrator2.account });
    assert.ok((await p.minter.read.currentMintedTokens()) <= (await p.minter.read.currentMintableTokens()));
  });

  it("rejects a caller other than the verifier, and everyone while no verifier is set", async () => {
    const { p, bm, orchestrator2, o } = await setup();
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 1n, 0n], { account: orchestrator2.account }),
      bm,
      "OnlyVerifier",
      [orchestrator2.account.address],
    );
    await bm.write.setVerifier([zeroAddress]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 1n, 0n]),
      bm,
      "OnlyVerifier",
      [p.deployer],
    );
  });

  it("rejects a slash amount or finder fee above 100%", async () => {
    const { bm, verifier, o } = await setup();
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 1_000_001n, 0n], { account: verifier.account }),
      bm,
      "InvalidPpm",
      [1_000_001n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      bm.write.slashTranscoder([o, zeroAddress, 0n, 1_000_001n], { account: verifier.account }),
      bm,
      "InvalidPpm",
      [1_000_001n],
    );
  });
});
