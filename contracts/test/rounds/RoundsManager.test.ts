// Spec of the RoundsManager: rounds of roundLength blocks, their one-time initialization (block hash, active-set and
// Minter roll-over), the one-time wiring, and round-length changes that keep round numbers continuous.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroHash } from "viem";
import { deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { STAKING_TEST_PARAMS, testWallets } from "../bonding/helpers.ts";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, stranger] = await testWallets(viem, 2);
  return { p, rounds: p.rounds, orchestrator, stranger, roundLength: p.params.roundLengthBlocks };
}

const setup = () => networkHelpers.loadFixture(deploy);

const blockNumber = async () => (await viem.getPublicClient()).getBlockNumber();

/** Mines so that the next transaction lands in the first block of the round after the current one. */
async function mineToNextRound(rounds: Awaited<ReturnType<typeof deploy>>["rounds"]) {
  const nextStart = (await rounds.read.currentRoundStartBlock()) + (await rounds.read.roundLength());
  if ((await blockNumber()) < nextStart - 1n) await networkHelpers.mineUpTo(nextStart - 1n);
  return nextStart;
}

describe("RoundsManager", () => {
  describe("deployment", () => {
    it("numbers rounds as block.number / roundLength from its deployment", async () => {
      const { rounds, roundLength } = await setup();
      const block = await blockNumber();
      assert.equal(await rounds.read.roundLength(), roundLength);
      assert.equal(await rounds.read.currentRound(), block / roundLength);
      assert.equal(await rounds.read.currentRoundStartBlock(), (block / roundLength) * roundLength);
    });

    it("rejects a round length of 0", async () => {
      const { rounds } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("RoundsManager", [0n]),
        rounds,
        "InvalidRoundLength",
        [0n],
      );
    });
  });

  describe("currentRound", () => {
    it("advances by one every roundLength blocks", async () => {
      const { rounds, roundLength } = await setup();
      const round = await rounds.read.currentRound();
      const start = await rounds.read.currentRoundStartBlock();
      await networkHelpers.mineUpTo(start + roundLength - 1n);
      assert.equal(await rounds.read.currentRound(), round, "last block of the round");
      await networkHelpers.mine(1);
      assert.equal(await rounds.read.currentRound(), round + 1n, "first block of the next");
      assert.equal(await rounds.read.currentRoundStartBlock(), start + roundLength);
      assert.equal(await rounds.read.currentRoundInitialized(), false);
    });
  });

  describe("initializeRound", () => {
    it("records the previous block's hash for the round and emits NewRound", async () => {
      const { rounds } = await setup();
      const nextStart = await mineToNextRound(rounds);
      const round = (await rounds.read.currentRound()) + 1n;
      const hash = await rounds.write.initializeRound();
      const client = await viem.getPublicClient();
      const receipt = await client.waitForTransactionReceipt({ hash });
      assert.equal(receipt.blockNumber, nextStart);
      const previousBlockHash = (await client.getBlock({ blockNumber: receipt.blockNumber - 1n })).hash;
      await viem.assertions.emitWithArgs(hash, rounds, "NewRound", [round, previousBlockHash]);
      assert.equal(await rounds.read.blockHashForRound([round]), previousBlockHash);
      assert.equal(await rounds.read.lastInitializedRound(), round);
      assert.equal(await rounds.read.currentRoundInitialized(), true);
    });

    it("rolls the BondingManager's next-round active set over and sets the Minter's mintable LPT", async () => {
      const { p, rounds, orchestrator } = await setup();
      await registerOrchestrator(p, orchestrator, { stake: 500n * LPT });
      assert.equal(await p.bondingManager.read.currentRoundTotalActiveStake(), 0n);
      await mineToNextRound(rounds);
      const tx = await rounds.write.initializeRound();
      await viem.assertions.emit(tx, p.minter, "SetCurrentRewardTokens");
      assert.equal(await p.bondingManager.read.currentRoundTotalActiveStake(), 500n * LPT);
      assert.equal(await p.bondingManager.read.getTranscoderPoolSize(), 1n);
    });

    it("rejects a second initialization of the same round", async () => {
      const { rounds } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(rounds.write.initializeRound(), rounds, "RoundAlreadyInitialized", [
        await rounds.read.currentRound(),
      ]);
    });

    it("leaves a skipped round without a block hash", async () => {
      const { rounds, roundLength } = await setup();
      const skipped = (await rounds.read.currentRound()) + 1n;
      await networkHelpers.mineUpTo((await rounds.read.currentRoundStartBlock()) + 2n * roundLength);
      await rounds.write.initializeRound();
      assert.equal(await rounds.read.blockHashForRound([skipped]), zeroHash);
      assert.equal(await rounds.read.lastInitializedRound(), skipped + 1n);
    });

    it("rejects initialization before the protocol contracts are wired", async () => {
      const { rounds } = await setup();
      const bare = await viem.deployContract("RoundsManager", [20n]);
      await viem.assertions.revertWithCustomError(bare.write.initializeRound(), rounds, "ProtocolContractsNotSet");
    });
  });

  describe("setProtocolContracts", () => {
    it("wires the BondingManager and Minter once, by the owner", async () => {
      const { p, stranger } = await setup();
      const bare = await viem.deployContract("RoundsManager", [20n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        bare.write.setProtocolContracts([p.bondingManager.address, p.minter.address], { account: stranger.account }),
        bare,
        "OwnableUnauthorizedAccount",
        [stranger.account.address],
      );
      await viem.assertions.emitWithArgs(
        bare.write.setProtocolContracts([p.bondingManager.address, p.minter.address]),
        bare,
        "ProtocolContractsSet",
        [p.bondingManager.address, p.minter.address],
      );
      assert.equal((await bare.read.bondingManager()).toLowerCase(), p.bondingManager.address.toLowerCase());
      assert.equal((await bare.read.minter()).toLowerCase(), p.minter.address.toLowerCase());
      await viem.assertions.revertWithCustomError(
        bare.write.setProtocolContracts([p.bondingManager.address, p.minter.address]),
        bare,
        "ProtocolContractsAlreadySet",
      );
    });
  });

  describe("setRoundLength", () => {
    it("changes the length from the current round on, keeping round numbers continuous", async () => {
      const { rounds } = await setup();
      const round = await rounds.read.currentRound();
      const start = await rounds.read.currentRoundStartBlock();
      await viem.assertions.emitWithArgs(rounds.write.setRoundLength([50n]), rounds, "RoundLengthUpdated", [50n]);
      assert.equal(await rounds.read.currentRound(), round, "the current round keeps its number");
      assert.equal(await rounds.read.currentRoundStartBlock(), start, "and its start");
      assert.equal(await rounds.read.lastRoundLengthUpdateRound(), round);
      assert.equal(await rounds.read.lastRoundLengthUpdateStartBlock(), start);
      await networkHelpers.mineUpTo(start + 49n);
      assert.equal(await rounds.read.currentRound(), round);
      await networkHelpers.mine(1);
      assert.equal(await rounds.read.currentRound(), round + 1n);
      assert.equal(await rounds.read.currentRoundStartBlock(), start + 50n);
    });

    it("rejects a length of 0, a stranger, and an uninitialized current round", async () => {
      const { rounds, stranger } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(rounds.write.setRoundLength([0n]), rounds, "InvalidRoundLength", [
        0n,
      ]);
      await viem.assertions.revertWithCustomError(
        rounds.write.setRoundLength([30n], { account: stranger.account }),
        rounds,
        "OwnableUnauthorizedAccount",
      );
      await networkHelpers.mineUpTo(await mineToNextRound(rounds));
      await viem.assertions.revertWithCustomErrorWithArgs(rounds.write.setRoundLength([30n]), rounds, "RoundNotInitialized", [
        await rounds.read.currentRound(),
      ]);
    });
  });
});
