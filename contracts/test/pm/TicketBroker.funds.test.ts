// TicketBroker unit spec, sender side: deployment parameters, funding the deposit and reserve, and the unlock
// period (unlock, cancelUnlock, withdraw) that stands between a sender and its money.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import { getAddress, zeroAddress, parseEther } from "viem";
import { devWallets, deployProtocol, advanceRounds, TEST_PARAMS, type TestProtocol } from "../helpers/fixture.ts";

describe("TicketBroker: deployment and parameters", async () => {
  const { viem, networkHelpers } = await network.create();
  const fixture = () => deployProtocol(viem, networkHelpers);
  const [deployer, other] = await devWallets(viem);

  const deployBroker = (p: TestProtocol, unlockPeriodRounds: bigint, ticketValidityPeriodRounds: bigint) =>
    viem.deployContract("TicketBroker", [
      p.bondingManager.address,
      p.rounds.address,
      p.minter.address,
      unlockPeriodRounds,
      ticketValidityPeriodRounds,
    ]);

  it("records its neighbours, periods and owner", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    assert.equal((await b.read.bondingManager()).toLowerCase(), p.bondingManager.address.toLowerCase());
    assert.equal((await b.read.roundsManager()).toLowerCase(), p.rounds.address.toLowerCase());
    assert.equal((await b.read.minter()).toLowerCase(), p.minter.address.toLowerCase());
    assert.equal(await b.read.unlockPeriodRounds(), TEST_PARAMS.unlockPeriodRounds);
    assert.equal(await b.read.ticketValidityPeriodRounds(), TEST_PARAMS.ticketValidityPeriodRounds);
    // Livepeer's names for the same two parameters, which go-livepeer reads.
    assert.equal(await b.read.unlockPeriod(), TEST_PARAMS.unlockPeriodRounds);
    assert.equal(await b.read.ticketValidityPeriod(), TEST_PARAMS.ticketValidityPeriodRounds);
    assert.equal((await b.read.owner()).toLowerCase(), deployer.account.address.toLowerCase());
  });

  it("refuses a ticket validity period that is not below the unlock period (fee-theft defence)", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    await assert.rejects(deployBroker(p, 3n, 3n), /InvalidPeriods/);
    await assert.rejects(deployBroker(p, 3n, 4n), /InvalidPeriods/);
    await assert.rejects(deployBroker(p, 3n, 0n), /InvalidPeriods/);
    const ok = await deployBroker(p, 3n, 2n);
    assert.equal(await ok.read.ticketValidityPeriodRounds(), 2n);
  });

  it("refuses a zero neighbour address", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const deploy = (bm: `0x${string}`, rm: `0x${string}`, m: `0x${string}`) =>
      viem.deployContract("TicketBroker", [bm, rm, m, 3n, 2n]);
    await assert.rejects(deploy(zeroAddress, p.rounds.address, p.minter.address), /ZeroAddress/);
    await assert.rejects(deploy(p.bondingManager.address, zeroAddress, p.minter.address), /ZeroAddress/);
    await assert.rejects(deploy(p.bondingManager.address, p.rounds.address, zeroAddress), /ZeroAddress/);
  });

  it("lets the owner change the unlock period, never to or below the validity period", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.emitWithArgs(b.write.setUnlockPeriodRounds([5n]), b, "UnlockPeriodRoundsUpdated", [5n]);
    assert.equal(await b.read.unlockPeriodRounds(), 5n);
    await viem.assertions.revertWithCustomErrorWithArgs(b.write.setUnlockPeriodRounds([2n]), b, "InvalidPeriods", [2n, 2n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.setUnlockPeriodRounds([9n], { account: other.account }),
      b,
      "OwnableUnauthorizedAccount",
      [other.account.address],
    );
  });

  it("lets the owner change the validity period, only to 1..unlockPeriodRounds-1", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.emitWithArgs(
      b.write.setTicketValidityPeriodRounds([1n]),
      b,
      "TicketValidityPeriodRoundsUpdated",
      [1n],
    );
    assert.equal(await b.read.ticketValidityPeriodRounds(), 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.setTicketValidityPeriodRounds([3n]),
      b,
      "InvalidPeriods",
      [3n, 3n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.setTicketValidityPeriodRounds([0n]),
      b,
      "InvalidPeriods",
      [0n, 3n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.setTicketValidityPeriodRounds([1n], { account: other.account }),
      b,
      "OwnableUnauthorizedAccount",
      [other.account.address],
    );
  });
});

describe("TicketBroker: funding", async () => {
  const { viem, networkHelpers } = await network.create();
  const fixture = () => deployProtocol(viem, networkHelpers);
  const [, alice, wallet, browserKey] = await devWallets(viem);
  const publicClient = await viem.getPublicClient();
  const a = getAddress(alice.account.address);

  const senderInfo = async (p: TestProtocol, addr: `0x${string}`) => {
    const [sender, reserve] = await p.ticketBroker.read.getSenderInfo([addr]);
    return { deposit: sender.deposit, withdrawRound: sender.withdrawRound, ...reserve };
  };

  it("fundDeposit adds msg.value to the caller's deposit and holds the ETH", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.emitWithArgs(
      b.write.fundDeposit({ account: alice.account, value: 3n }),
      b,
      "DepositFunded",
      [a, 3n],
    );
    await b.write.fundDeposit({ account: alice.account, value: 4n });
    assert.deepEqual(await senderInfo(p, a), { deposit: 7n, withdrawRound: 0n, fundsRemaining: 0n, claimedInCurrentRound: 0n });
    assert.equal(await publicClient.getBalance({ address: b.address }), 7n);
  });

  it("fundReserve adds msg.value to the caller's reserve", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.emitWithArgs(
      b.write.fundReserve({ account: alice.account, value: 5n }),
      b,
      "ReserveFunded",
      [a, 5n],
    );
    assert.deepEqual(await senderInfo(p, a), { deposit: 0n, withdrawRound: 0n, fundsRemaining: 5n, claimedInCurrentRound: 0n });
  });

  it("fundDepositAndReserve splits msg.value, which must equal the sum", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    const tx = b.write.fundDepositAndReserve([2n, 3n], { account: alice.account, value: 5n });
    await viem.assertions.emitWithArgs(tx, b, "DepositFunded", [a, 2n]);
    assert.deepEqual(await senderInfo(p, a), { deposit: 2n, withdrawRound: 0n, fundsRemaining: 3n, claimedInCurrentRound: 0n });

    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.fundDepositAndReserve([2n, 3n], { account: alice.account, value: 6n }),
      b,
      "FundingValueMismatch",
      [6n, 2n, 3n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.fundDepositAndReserve([7n, 0n], { account: alice.account, value: 6n }),
      b,
      "FundingValueMismatch",
      [6n, 7n, 0n],
    );
    // Amounts that overflow when summed are a mismatch too, not an arithmetic panic.
    const max = 2n ** 256n - 1n;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.fundDepositAndReserve([1n, max], { account: alice.account, value: 1n }),
      b,
      "FundingValueMismatch",
      [1n, 1n, max],
    );
  });

  it("fundDepositAndReserveFor lets a wallet fund a browser key that holds no ETH", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    const key = browserKey.account.address;
    await viem.assertions.emitWithArgs(
      b.write.fundDepositAndReserveFor([key, parseEther("1"), parseEther("2")], {
        account: wallet.account,
        value: parseEther("3"),
      }),
      b,
      "ReserveFunded",
      [key, parseEther("2")],
    );
    assert.deepEqual(await senderInfo(p, key), {
      deposit: parseEther("1"),
      withdrawRound: 0n,
      fundsRemaining: parseEther("2"),
      claimedInCurrentRound: 0n,
    });
    assert.deepEqual(await senderInfo(p, wallet.account.address), {
      deposit: 0n,
      withdrawRound: 0n,
      fundsRemaining: 0n,
      claimedInCurrentRound: 0n,
    });
    await viem.assertions.revertWithCustomError(
      b.write.fundDepositAndReserveFor([zeroAddress, 1n, 0n], { account: wallet.account, value: 1n }),
      b,
      "ZeroSender",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.fundDepositAndReserveFor([key, 1n, 1n], { account: wallet.account, value: 1n }),
      b,
      "FundingValueMismatch",
      [1n, 1n, 1n],
    );
  });

  it("rejects plain ETH transfers that name no account", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    await assert.rejects(alice.sendTransaction({ to: p.ticketBroker.address, value: 1n }));
  });

  it("funding does not cancel an unlock in progress, not even funding by someone else", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await b.write.fundDeposit({ account: alice.account, value: 10n });
    await b.write.unlock({ account: alice.account });
    await b.write.fundDeposit({ account: alice.account, value: 1n });
    await b.write.fundReserve({ account: alice.account, value: 1n });
    await b.write.fundDepositAndReserve([1n, 1n], { account: alice.account, value: 2n });
    await b.write.fundDepositAndReserveFor([a, 0n, 0n], { account: wallet.account, value: 0n });
    assert.equal(await b.read.isUnlockInProgress([a]), true);
  });
});

describe("TicketBroker: unlock, cancelUnlock, withdraw", async () => {
  const { viem, networkHelpers } = await network.create();
  const fixture = () => deployProtocol(viem, networkHelpers);
  const [, alice, bob] = await devWallets(viem);
  const publicClient = await viem.getPublicClient();
  const a = getAddress(alice.account.address);

  it("unlock needs funds", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.ticketBroker.write.unlock({ account: alice.account }),
      p.ticketBroker,
      "SenderHasNoFunds",
      [a],
    );
  });

  it("unlock sets withdrawRound = currentRound + unlockPeriodRounds and cannot be repeated", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await b.write.fundReserve({ account: alice.account, value: 1n }); // a reserve alone is enough to unlock
    const round = await p.rounds.read.currentRound();
    const withdrawRound = round + TEST_PARAMS.unlockPeriodRounds;
    assert.equal(await b.read.isUnlockInProgress([a]), false);
    await viem.assertions.emitWithArgs(b.write.unlock({ account: alice.account }), b, "Unlock", [a, round, withdrawRound]);
    assert.equal(await b.read.isUnlockInProgress([a]), true);
    assert.equal((await b.read.getSenderInfo([a]))[0].withdrawRound, withdrawRound);
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.unlock({ account: alice.account }),
      b,
      "UnlockAlreadyInProgress",
      [a, withdrawRound],
    );
  });

  it("cancelUnlock ends the unlock period; it needs one in progress", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.cancelUnlock({ account: alice.account }),
      b,
      "NoUnlockInProgress",
      [a],
    );
    await b.write.fundDeposit({ account: alice.account, value: 1n });
    await b.write.unlock({ account: alice.account });
    await viem.assertions.emitWithArgs(b.write.cancelUnlock({ account: alice.account }), b, "UnlockCancelled", [a]);
    assert.equal(await b.read.isUnlockInProgress([a]), false);
    assert.equal((await b.read.getSenderInfo([a]))[0].withdrawRound, 0n);
    // A cancelled unlock restarts from scratch.
    await b.write.unlock({ account: alice.account });
  });

  it("withdraw needs funds, an unlock, and the unlock period over", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.withdraw({ account: alice.account }),
      b,
      "SenderHasNoFunds",
      [a],
    );
    await b.write.fundDeposit({ account: alice.account, value: 1n });
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.withdraw({ account: alice.account }),
      b,
      "NoUnlockInProgress",
      [a],
    );
    await b.write.unlock({ account: alice.account });
    const start = await p.rounds.read.currentRound();
    const withdrawRound = start + TEST_PARAMS.unlockPeriodRounds;
    for (let round = start; round < withdrawRound; round = await advanceRounds(p, 1)) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        b.write.withdraw({ account: alice.account }),
        b,
        "UnlockPeriodNotOver",
        [a, round, withdrawRound],
      );
    }
    await b.write.withdraw({ account: alice.account });
  });

  it("withdraw pays deposit and reserve to the sender and leaves a fresh account", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    await b.write.fundDepositAndReserve([parseEther("1"), parseEther("2")], { account: alice.account, value: parseEther("3") });
    await b.write.fundDeposit({ account: bob.account, value: parseEther("5") }); // someone else's money stays put
    await b.write.unlock({ account: alice.account });
    await advanceRounds(p, Number(TEST_PARAMS.unlockPeriodRounds));

    const tx = b.write.withdraw({ account: alice.account });
    await viem.assertions.balancesHaveChanged(tx, [
      { address: b.address, amount: -parseEther("3") },
    ]);
    const logs = await b.getEvents.Withdrawal();
    assert.deepEqual(
      logs.map((l) => l.args),
      [{ sender: a, deposit: parseEther("1"), reserve: parseEther("2") }],
    );
    assert.deepEqual(await b.read.getSenderInfo([a]), [
      { deposit: 0n, withdrawRound: 0n },
      { fundsRemaining: 0n, claimedInCurrentRound: 0n },
    ]);
    assert.equal(await b.read.isUnlockInProgress([a]), false);
    assert.equal(await publicClient.getBalance({ address: b.address }), parseEther("5"));
    await viem.assertions.revertWithCustomErrorWithArgs(
      b.write.withdraw({ account: alice.account }),
      b,
      "SenderHasNoFunds",
      [a],
    );
  });

  it("withdraw reverts with EthTransferFailed, keeping the funds, when the sender refuses ETH", async () => {
    const p = await networkHelpers.loadFixture(fixture);
    const b = p.ticketBroker;
    const rejecting = await viem.deployContract("EthRejectingSender", [b.address]);
    await rejecting.write.fundDeposit({ value: 7n });
    await rejecting.write.unlock();
    await advanceRounds(p, Number(TEST_PARAMS.unlockPeriodRounds));
    await viem.assertions.revertWithCustomErrorWithArgs(rejecting.write.withdraw(), b, "EthTransferFailed", [
      rejecting.address,
      7n,
    ]);
    assert.equal((await b.read.getSenderInfo([rejecting.address]))[0].deposit, 7n);
  });
});
