// Spec of the Minter: per-round inflation that moves toward the target bonding rate, rewards minted only for the
// BondingManager within the round's mintable amount, and the ETH fee vault filled by the TicketBroker.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther, type Address } from "viem";
import { advanceRounds, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";
import { redeemFees, STAKING_TEST_PARAMS, testWallets } from "../bonding/helpers.ts";

const { viem, networkHelpers } = await network.create();

const PPB = 1_000_000_000n;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const [orchestrator, stranger] = await testWallets(viem, 2);
  // The neighbour contracts act as themselves in these tests, to reach the Minter's restricted functions directly.
  for (const address of [p.bondingManager.address, p.rounds.address, p.ticketBroker.address]) {
    await networkHelpers.impersonateAccount(address);
    await networkHelpers.setBalance(address, parseEther("100"));
  }
  return { p, minter: p.minter, orchestrator, stranger };
}

const setup = () => networkHelpers.loadFixture(deploy);

const balanceOf = async (address: Address) => (await viem.getPublicClient()).getBalance({ address });

describe("Minter", () => {
  describe("deployment", () => {
    it("stores its neighbours and inflation parameters", async () => {
      const { p, minter } = await setup();
      assert.equal((await minter.read.token()).toLowerCase(), p.token.address.toLowerCase());
      assert.equal((await minter.read.roundsManager()).toLowerCase(), p.rounds.address.toLowerCase());
      assert.equal((await minter.read.bondingManager()).toLowerCase(), p.bondingManager.address.toLowerCase());
      assert.equal((await minter.read.ticketBroker()).toLowerCase(), p.ticketBroker.address.toLowerCase());
      assert.equal(await minter.read.inflationChange(), p.params.inflationChangePpb);
      assert.equal(await minter.read.targetBondingRate(), p.params.targetBondingRatePpb);
      assert.equal(await minter.read.PPB(), PPB);
    });

    it("rejects any ppb parameter above 1e9", async () => {
      const { p, minter } = await setup();
      const args = (a: bigint, b: bigint, c: bigint) =>
        [p.token.address, p.rounds.address, p.bondingManager.address, p.ticketBroker.address, a, b, c] as const;
      for (const [a, b, c] of [
        [PPB + 1n, 0n, 0n],
        [0n, PPB + 1n, 0n],
        [0n, 0n, PPB + 1n],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("Minter", [...args(a, b, c)]),
          minter,
          "InvalidPpb",
          [PPB + 1n],
        );
      }
    });
  });

  describe("ticketBroker", () => {
    it("is the TicketBroker named at construction, whose own minter is this Minter", async () => {
      const { p, minter } = await setup();
      assert.equal((await minter.read.ticketBroker()).toLowerCase(), p.ticketBroker.address.toLowerCase());
      assert.equal((await p.ticketBroker.read.minter()).toLowerCase(), minter.address.toLowerCase());
    });
  });

  describe("setInflationParams", () => {
    it("sets inflation, its change and the target bonding rate, by the owner", async () => {
      const { minter } = await setup();
      await viem.assertions.emitWithArgs(
        minter.write.setInflationParams([2_000n, 30n, 400_000_000n]),
        minter,
        "InflationParamsUpdated",
        [2_000n, 30n, 400_000_000n],
      );
      assert.deepEqual(
        [await minter.read.inflation(), await minter.read.inflationChange(), await minter.read.targetBondingRate()],
        [2_000n, 30n, 400_000_000n],
      );
    });

    it("rejects a stranger and any value above 1e9", async () => {
      const { minter, stranger } = await setup();
      await viem.assertions.revertWithCustomError(
        minter.write.setInflationParams([1n, 1n, 1n], { account: stranger.account }),
        minter,
        "OwnableUnauthorizedAccount",
      );
      for (const params of [
        [PPB + 1n, 0n, 0n],
        [0n, PPB + 1n, 0n],
        [0n, 0n, PPB + 1n],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(minter.write.setInflationParams([...params]), minter, "InvalidPpb", [
          PPB + 1n,
        ]);
      }
    });
  });

  describe("setCurrentRewardTokens (each round's initialization)", () => {
    it("raises inflation while the bonding rate is below target and sets the round's mintable LPT", async () => {
      const { p, minter } = await setup();
      await minter.write.setInflationParams([1_000_000n, 500n, 500_000_000n]);
      const supply = await p.token.read.totalSupply();
      const round = (await p.rounds.read.currentRound()) + 1n;
      const nextStart = (await p.rounds.read.currentRoundStartBlock()) + (await p.rounds.read.roundLength());
      await networkHelpers.mineUpTo(nextStart);
      await viem.assertions.emitWithArgs(p.rounds.write.initializeRound(), minter, "SetCurrentRewardTokens", [
        round,
        (supply * 1_000_500n) / PPB,
        1_000_500n,
      ]);
      assert.equal(await minter.read.inflation(), 1_000_500n);
      assert.equal(await minter.read.currentMintableTokens(), (supply * 1_000_500n) / PPB);
      assert.equal(await minter.read.currentMintedTokens(), 0n);
    });

    it("lowers inflation while the bonding rate is above target, never below 0", async () => {
      const { p, minter, orchestrator } = await setup();
      await registerOrchestrator(p, orchestrator, { stake: 6_000_000n * LPT }); // 60% of the supply
      assert.equal(await minter.read.currentBondingRate(), 600_000_000n);
      await minter.write.setInflationParams([1_000_000n, 500n, 500_000_000n]);
      await advanceRounds(p, 1);
      assert.equal(await minter.read.inflation(), 999_500n);
      await minter.write.setInflationParams([100n, 500n, 500_000_000n]);
      await advanceRounds(p, 1);
      assert.equal(await minter.read.inflation(), 0n);
      assert.equal(await minter.read.currentMintableTokens(), 0n);
    });

    it("keeps inflation when the bonding rate is exactly on target", async () => {
      const { p, minter } = await setup();
      await minter.write.setInflationParams([1_000_000n, 500n, 0n]); // nothing bonded: rate 0 = target 0
      await advanceRounds(p, 1);
      assert.equal(await minter.read.inflation(), 1_000_000n);
    });

    it("resets the minted count each round", async () => {
      const { p, minter, orchestrator } = await setup();
      await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
      await advanceRounds(p, 1);
      await p.bondingManager.write.reward({ account: orchestrator.account });
      assert.ok((await minter.read.currentMintedTokens()) > 0n);
      await advanceRounds(p, 1);
      assert.equal(await minter.read.currentMintedTokens(), 0n);
    });

    it("rejects a caller other than the RoundsManager", async () => {
      const { minter, stranger } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.setCurrentRewardTokens({ account: stranger.account }),
        minter,
        "OnlyRoundsManager",
        [stranger.account.address],
      );
    });
  });

  describe("createReward", () => {
    it("mints the requested fraction of the round's mintable LPT to the BondingManager", async () => {
      const { p, minter } = await setup();
      const mintable = await minter.read.currentMintableTokens();
      const bmBalance = await p.token.read.balanceOf([p.bondingManager.address]);
      await minter.write.createReward([1n, 3n], { account: p.bondingManager.address });
      assert.equal(await minter.read.currentMintedTokens(), mintable / 3n);
      assert.equal(await p.token.read.balanceOf([p.bondingManager.address]), bmBalance + mintable / 3n);
    });

    it("mints nothing for a zero denominator", async () => {
      const { p, minter } = await setup();
      const supply = await p.token.read.totalSupply();
      await minter.write.createReward([1n, 0n], { account: p.bondingManager.address });
      assert.equal(await p.token.read.totalSupply(), supply);
    });

    it("rejects a reward beyond what is left of the round's mintable LPT", async () => {
      const { p, minter } = await setup();
      const mintable = await minter.read.currentMintableTokens();
      await minter.write.createReward([1n, 2n], { account: p.bondingManager.address });
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.createReward([3n, 4n], { account: p.bondingManager.address }),
        minter,
        "RewardExceedsMintable",
        [(mintable * 3n) / 4n, mintable - mintable / 2n],
      );
    });

    it("rejects a caller other than the BondingManager", async () => {
      const { minter, stranger } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.createReward([1n, 1n], { account: stranger.account }),
        minter,
        "OnlyBondingManager",
        [stranger.account.address],
      );
    });
  });

  describe("fee vault", () => {
    it("receives a redeemed ticket's ETH from the TicketBroker", async () => {
      const { p, minter, orchestrator } = await setup();
      await registerOrchestrator(p, orchestrator, { stake: 1_000n * LPT });
      await viem.assertions.emitWithArgs(
        redeemFees(p, orchestrator.account.address, parseEther("0.3")),
        minter,
        "FeesDeposited",
        [p.ticketBroker.address, parseEther("0.3")],
      );
      assert.equal(await balanceOf(minter.address), parseEther("0.3"));
    });

    it("accepts deposits from the TicketBroker and the BondingManager only", async () => {
      const { p, minter, stranger } = await setup();
      for (const account of [p.ticketBroker.address, p.bondingManager.address]) {
        await minter.write.trustedDepositETH({ account, value: 1n });
      }
      assert.equal(await balanceOf(minter.address), 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.trustedDepositETH({ account: stranger.account, value: 1n }),
        minter,
        "OnlyTicketBroker",
        [stranger.account.address],
      );
    });

    it("pays out fees only for the BondingManager", async () => {
      const { p, minter, stranger } = await setup();
      await minter.write.trustedDepositETH({ account: p.ticketBroker.address, value: 10n });
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.trustedWithdrawETH([stranger.account.address, 1n], { account: stranger.account }),
        minter,
        "OnlyBondingManager",
        [stranger.account.address],
      );
      const tx = minter.write.trustedWithdrawETH([stranger.account.address, 4n], { account: p.bondingManager.address });
      await viem.assertions.balancesHaveChanged(tx, [
        { address: stranger.account.address, amount: 4n },
        { address: minter.address, amount: -4n },
      ]);
      await viem.assertions.emitWithArgs(tx, minter, "FeesWithdrawn", [stranger.account.address, 4n]);
    });

    it("reverts with EthTransferFailed when the recipient rejects ETH or the vault is short", async () => {
      const { p, minter } = await setup();
      await minter.write.trustedDepositETH({ account: p.ticketBroker.address, value: 10n });
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.trustedWithdrawETH([p.token.address, 1n], { account: p.bondingManager.address }),
        minter,
        "EthTransferFailed",
        [p.token.address, 1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        minter.write.trustedWithdrawETH([p.deployer, 11n], { account: p.bondingManager.address }),
        minter,
        "EthTransferFailed",
        [p.deployer, 11n],
      );
    });
  });
});
