// Spec of the BondingManager's deployment checks, one-time wiring and owner-only parameters.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { advanceRounds, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { STAKING_TEST_PARAMS, testWallets } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, stranger] = await testWallets(viem, 2);
  await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
  await advanceRounds(p, 1);
  return { p, bm: p.bondingManager, orchestrator, stranger };
}

const setup = () => networkHelpers.loadFixture(deploy);

/** A BondingManager on its own, not wired to anything yet. */
async function deployBare(p: Awaited<ReturnType<typeof deploy>>["p"]) {
  return viem.deployContract("BondingManager", [p.token.address, p.rounds.address, 2n, 100n * LPT, 2n]);
}

describe("BondingManager: governance", () => {
  describe("deployment", () => {
    it("stores its parameters and its owner", async () => {
      const { p, bm } = await setup();
      assert.equal(await bm.read.unbondingPeriodRounds(), p.params.unbondingPeriodRounds);
      assert.equal(await bm.read.minActiveStake(), p.params.minActiveStake);
      assert.equal(await bm.read.cutNoticePeriodRounds(), p.params.cutNoticePeriodRounds);
      assert.equal(await bm.read.PPM(), 1_000_000n);
      assert.equal((await bm.read.owner()).toLowerCase(), p.deployer.toLowerCase());
    });

    it("rejects an unbonding period of 0 and a minActiveStake of 0", async () => {
      const { p, bm } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("BondingManager", [p.token.address, p.rounds.address, 0n, 1n, 2n]),
        bm,
        "InvalidParameter",
        ["unbondingPeriodRounds", 0n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("BondingManager", [p.token.address, p.rounds.address, 1n, 0n, 2n]),
        bm,
        "InvalidParameter",
        ["minActiveStake", 0n],
      );
    });
  });

  describe("wiring", () => {
    it("sets the Minter once, by the owner", async () => {
      const { p, stranger } = await setup();
      const bare = await deployBare(p);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bare.write.setMinter([p.minter.address], { account: stranger.account }),
        bare,
        "OwnableUnauthorizedAccount",
        [stranger.account.address],
      );
      await viem.assertions.emitWithArgs(bare.write.setMinter([p.minter.address]), bare, "ProtocolContractSet", [
        "Minter",
        p.minter.address,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bare.write.setMinter([p.minter.address]),
        bare,
        "ContractAlreadySet",
        ["Minter"],
      );
    });

    it("sets the TicketBroker once, by the owner", async () => {
      const { p, bm, stranger } = await setup();
      const bare = await deployBare(p);
      await viem.assertions.revertWithCustomError(
        bare.write.setTicketBroker([p.ticketBroker.address], { account: stranger.account }),
        bare,
        "OwnableUnauthorizedAccount",
      );
      await viem.assertions.emitWithArgs(
        bare.write.setTicketBroker([p.ticketBroker.address]),
        bare,
        "ProtocolContractSet",
        ["TicketBroker", p.ticketBroker.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        bm.write.setTicketBroker([p.ticketBroker.address]),
        bm,
        "ContractAlreadySet",
        ["TicketBroker"],
      );
    });
  });

  describe("parameters", () => {
    it("setUnbondingPeriod applies to unbonding locks opened from then on", async () => {
      const { p, bm, orchestrator } = await setup();
      await viem.assertions.emitWithArgs(bm.write.setUnbondingPeriod([5n]), bm, "ParameterUpdate", [
        "unbondingPeriodRounds",
        5n,
      ]);
      await bm.write.unbond([1n], { account: orchestrator.account });
      const [, withdrawRound] = await bm.read.getDelegatorUnbondingLock([orchestrator.account.address, 0n]);
      assert.equal(withdrawRound, (await p.rounds.read.currentRound()) + 5n);
    });

    it("setMinActiveStake stores the new threshold and emits it", async () => {
      const { bm } = await setup();
      await viem.assertions.emitWithArgs(bm.write.setMinActiveStake([7n * LPT]), bm, "ParameterUpdate", [
        "minActiveStake",
        7n * LPT,
      ]);
      assert.equal(await bm.read.minActiveStake(), 7n * LPT);
    });

    it("setCutNoticePeriod sets the notice for cut changes announced from then on", async () => {
      const { p, bm, orchestrator } = await setup();
      await viem.assertions.emitWithArgs(bm.write.setCutNoticePeriod([4n]), bm, "ParameterUpdate", [
        "cutNoticePeriodRounds",
        4n,
      ]);
      await bm.write.transcoder([900_000n, 0n], { account: orchestrator.account });
      const [, , effectiveRound] = await bm.read.pendingCuts([orchestrator.account.address]);
      assert.equal(effectiveRound, (await p.rounds.read.currentRound()) + 4n);
    });

    it("rejects an unbonding period of 0 and a minActiveStake of 0", async () => {
      const { bm } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(bm.write.setUnbondingPeriod([0n]), bm, "InvalidParameter", [
        "unbondingPeriodRounds",
        0n,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(bm.write.setMinActiveStake([0n]), bm, "InvalidParameter", [
        "minActiveStake",
        0n,
      ]);
    });

    it("rejects every parameter change from anyone but the owner", async () => {
      const { bm, stranger } = await setup();
      const as = { account: stranger.account };
      for (const call of [
        bm.write.setUnbondingPeriod([3n], as),
        bm.write.setMinActiveStake([3n], as),
        bm.write.setCutNoticePeriod([3n], as),
        bm.write.setVerifier([stranger.account.address], as),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, bm, "OwnableUnauthorizedAccount", [
          stranger.account.address,
        ]);
      }
    });
  });
});
