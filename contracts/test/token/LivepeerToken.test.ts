// Spec of LivepeerToken (LPT): an ERC-20 that only MINTER_ROLE (the Minter) mints and that anyone may burn their own
// of, with its roles administered by the deployer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { zeroAddress, zeroHash } from "viem";
import { deployProtocol, LPT } from "../helpers/fixture.ts";
import { testWallets } from "../bonding/helpers.ts";

const { viem, networkHelpers } = await network.create();

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers);
  const [alice, bob] = await testWallets(viem, 2);
  await networkHelpers.impersonateAccount(p.minter.address);
  await networkHelpers.setBalance(p.minter.address, 10n ** 18n);
  return { p, token: p.token, alice, bob, minterRole: await p.token.read.MINTER_ROLE() };
}

const setup = () => networkHelpers.loadFixture(deploy);

describe("LivepeerToken", () => {
  it("is an 18-decimal ERC-20 named Livepeer Token (LPT) whose genesis supply went to the deployer", async () => {
    const { p, token } = await setup();
    assert.equal(await token.read.name(), "Livepeer Token");
    assert.equal(await token.read.symbol(), "LPT");
    assert.equal(await token.read.decimals(), 18);
    assert.equal(await token.read.totalSupply(), p.params.genesisSupply);
    assert.equal(await token.read.balanceOf([p.deployer]), p.params.genesisSupply);
  });

  it("gives the deployer the admin role and only the Minter the mint role", async () => {
    const { p, token, minterRole } = await setup();
    assert.equal(await token.read.hasRole([zeroHash, p.deployer]), true, "DEFAULT_ADMIN_ROLE is 0x00");
    assert.equal(await token.read.hasRole([minterRole, p.minter.address]), true);
    assert.equal(await token.read.hasRole([minterRole, p.deployer]), false, "revoked after the genesis mint");
  });

  describe("mint", () => {
    it("lets MINTER_ROLE mint to anyone", async () => {
      const { p, token, alice } = await setup();
      await viem.assertions.emitWithArgs(
        token.write.mint([alice.account.address, 5n * LPT], { account: p.minter.address }),
        token,
        "Transfer",
        [zeroAddress, alice.account.address, 5n * LPT],
      );
      assert.equal(await token.read.balanceOf([alice.account.address]), 5n * LPT);
      assert.equal(await token.read.totalSupply(), p.params.genesisSupply + 5n * LPT);
    });

    it("rejects anyone without MINTER_ROLE, the deployer included", async () => {
      const { p, token, alice, minterRole } = await setup();
      for (const account of [alice.account.address, p.deployer]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          token.write.mint([account, 1n], { account }),
          token,
          "AccessControlUnauthorizedAccount",
          [account, minterRole],
        );
      }
    });

    it("rejects minting to the zero address", async () => {
      const { p, token } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.mint([zeroAddress, 1n], { account: p.minter.address }),
        token,
        "ERC20InvalidReceiver",
        [zeroAddress],
      );
    });
  });

  describe("burn", () => {
    it("lets a holder burn its own tokens", async () => {
      const { p, token } = await setup();
      await viem.assertions.emitWithArgs(token.write.burn([3n * LPT]), token, "Transfer", [p.deployer, zeroAddress, 3n * LPT]);
      assert.equal(await token.read.totalSupply(), p.params.genesisSupply - 3n * LPT);
    });

    it("rejects burning more than the balance", async () => {
      const { token, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.burn([1n], { account: alice.account }),
        token,
        "ERC20InsufficientBalance",
        [alice.account.address, 0n, 1n],
      );
    });

    it("burns another holder's tokens only within an allowance", async () => {
      const { p, token, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.burnFrom([p.deployer, 1n], { account: alice.account }),
        token,
        "ERC20InsufficientAllowance",
        [alice.account.address, 0n, 1n],
      );
      await token.write.approve([alice.account.address, 2n]);
      await token.write.burnFrom([p.deployer, 2n], { account: alice.account });
      assert.equal(await token.read.totalSupply(), p.params.genesisSupply - 2n);
    });
  });

  describe("transfers", () => {
    it("moves tokens and rejects the zero address as receiver or spender", async () => {
      const { p, token, alice } = await setup();
      await viem.assertions.emitWithArgs(token.write.transfer([alice.account.address, 7n]), token, "Transfer", [
        p.deployer,
        alice.account.address,
        7n,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.transfer([zeroAddress, 1n]),
        token,
        "ERC20InvalidReceiver",
        [zeroAddress],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.approve([zeroAddress, 1n]),
        token,
        "ERC20InvalidSpender",
        [zeroAddress],
      );
    });
  });

  describe("roles", () => {
    it("lets the admin grant and revoke MINTER_ROLE", async () => {
      const { p, token, alice, minterRole } = await setup();
      await viem.assertions.emitWithArgs(token.write.grantRole([minterRole, alice.account.address]), token, "RoleGranted", [
        minterRole,
        alice.account.address,
        p.deployer,
      ]);
      await token.write.mint([alice.account.address, 1n], { account: alice.account });
      await viem.assertions.emitWithArgs(
        token.write.revokeRole([minterRole, alice.account.address]),
        token,
        "RoleRevoked",
        [minterRole, alice.account.address, p.deployer],
      );
      await viem.assertions.revertWithCustomError(
        token.write.mint([alice.account.address, 1n], { account: alice.account }),
        token,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("rejects role changes by a non-admin", async () => {
      const { token, alice, bob, minterRole } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        token.write.grantRole([minterRole, bob.account.address], { account: alice.account }),
        token,
        "AccessControlUnauthorizedAccount",
        [alice.account.address, zeroHash],
      );
    });

    it("lets an account renounce only its own role", async () => {
      const { p, token, alice, minterRole } = await setup();
      await viem.assertions.revertWithCustomError(
        token.write.renounceRole([minterRole, p.minter.address], { account: alice.account }),
        token,
        "AccessControlBadConfirmation",
      );
      await token.write.renounceRole([minterRole, p.minter.address], { account: p.minter.address });
      assert.equal(await token.read.hasRole([minterRole, p.minter.address]), false);
    });
  });
});
