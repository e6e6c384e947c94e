// Property tests of the TicketBroker's two money invariants, 1,000 random cases each on one chain (each case starts
// from a snapshot): no ticket is ever paid twice, and no orchestrator ever takes more than its per-round reserve share.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { network } from "hardhat";
import fc from "fast-check";
import { getAddress, parseEventLogs, type Address, type Hash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { devWallets, advanceRounds, deployProtocol, registerOrchestrator, LPT, type TestProtocol } from "../helpers/fixture.ts";
import { at, batchArgs, makeTicket, newSenderAccount, type SignedTicket } from "../helpers/tickets.ts";

const NUM_RUNS = 1_000;
/** Comfortably above any redemption's gas (see TicketBroker.gas.test.ts). */
const REDEEM_GAS_LIMIT = 1_000_000n;

describe("TicketBroker property: no ticket redeems twice", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, orchestratorWallet, funder] = await devWallets(viem);
  const POOL_SIZE = 6;
  const DEPOSIT = 10n ** 18n;

  const p = await deployProtocol(viem, networkHelpers);
  await advanceRounds(p, 1);
  const orchestrator = getAddress(await registerOrchestrator(p, orchestratorWallet, { stake: 1_000n * LPT }));
  await advanceRounds(p, 1);
  const sender = newSenderAccount();
  await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, DEPOSIT, 0n], { account: funder.account, value: DEPOSIT });
  // Signed once: every case draws from the same valid tickets, with distinct face values.
  const pool: SignedTicket[] = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(await makeTicket(p, sender, { recipient: orchestrator, faceValue: 1_000n + BigInt(i) }));
  const snapshot = await networkHelpers.takeSnapshot();

  type Op = { kind: "single"; index: number } | { kind: "batch"; indices: number[] };
  const ticketIndex = fc.integer({ min: 0, max: POOL_SIZE - 1 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    ticketIndex.map((index) => ({ kind: "single" as const, index })),
    fc.array(ticketIndex, { minLength: 1, maxLength: 6 }).map((indices) => ({ kind: "batch" as const, indices })),
  );

  it(`holds over ${NUM_RUNS} random interleavings of single and batch redemptions with duplicates`, async () => {
    const minterStart = await publicClient.getBalance({ address: p.minter.address });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
        await snapshot.restore();
        const timesRedeemed = new Map<Hash, number>();
        const submitted = new Set<number>();
        for (const o of ops) {
          if (o.kind === "single") {
            const t = at(pool, o.index);
            const ok = await p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]).then(
              () => true,
              () => false,
            );
            assert.equal(ok, !submitted.has(o.index), "a single redeem succeeds iff the ticket is unspent");
            if (ok) timesRedeemed.set(t.hash, (timesRedeemed.get(t.hash) ?? 0) + 1);
            submitted.add(o.index);
          } else {
            const hash = await p.ticketBroker.write.batchRedeemWinningTickets(batchArgs(o.indices.map((i) => at(pool, i))), {
              gas: REDEEM_GAS_LIMIT,
            });
            const { logs, status } = await publicClient.waitForTransactionReceipt({ hash });
            assert.equal(status, "success", "a batch reverts only for its own shape, never for its tickets");
            for (const log of parseEventLogs({ abi: p.ticketBroker.abi, logs, eventName: "WinningTicketRedeemed" })) {
              const redeemed = pool.find((t) => t.ticket.senderNonce === log.args.senderNonce);
              assert.ok(redeemed);
              timesRedeemed.set(redeemed.hash, (timesRedeemed.get(redeemed.hash) ?? 0) + 1);
            }
            for (const i of o.indices) submitted.add(i);
          }
        }
        for (const [, n] of timesRedeemed) assert.equal(n, 1, "a ticket was redeemed twice");
        assert.equal(timesRedeemed.size, submitted.size, "every submitted ticket was redeemed once");
        const paid = [...submitted].reduce((sum, i) => sum + at(pool, i).ticket.faceValue, 0n);
        const [info] = await p.ticketBroker.read.getSenderInfo([sender.address]);
        assert.equal(info.deposit, DEPOSIT - paid, "the deposit paid each submitted ticket exactly once");
        assert.equal(await publicClient.getBalance({ address: p.minter.address }), minterStart + paid);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("TicketBroker property: reserve claims never exceed a holder's per-round share", async () => {
  const { viem, networkHelpers } = await network.create();
  const wallets = await devWallets(viem);
  const funder = wallets[9];
  const MAX_ACTIVE = 4;

  /** One protocol per active-set size n = 1..MAX_ACTIVE, each with one more orchestrator registered but inactive. */
  interface Setup {
    p: TestProtocol;
    sender: PrivateKeyAccount;
    active: Address[];
    inactive: Address;
  }
  const setups: Setup[] = [];
  for (let n = 1; n <= MAX_ACTIVE; n++) {
    const p = await deployProtocol(viem, networkHelpers);
    // Each registration in a fresh round: a round's 20 blocks hold only a few registrations' transactions.
    const active: Address[] = [];
    for (let i = 0; i < n; i++) {
      await advanceRounds(p, 1);
      active.push(getAddress(await registerOrchestrator(p, at(wallets, i + 1), { stake: 1_000n * LPT })));
    }
    // Below minActiveStake: registered (fees can be credited) but never in the active set.
    await advanceRounds(p, 1);
    const inactive = getAddress(
      await registerOrchestrator(p, at(wallets, MAX_ACTIVE + 1), { stake: p.params.minActiveStake - 1n }),
    );
    setups.push({ p, sender: newSenderAccount(), active, inactive });
  }
  // The protocols share the chain's blocks and so its round numbers: start all in one fresh, initialized round.
  await advanceRounds(at(setups, 0).p, 1);
  for (const { p } of setups.slice(1)) await p.rounds.write.initializeRound();
  for (const { p, active } of setups) assert.equal(await p.bondingManager.read.getTranscoderPoolSize(), BigInt(active.length));
  const snapshot = await networkHelpers.takeSnapshot();

  const step = fc.record({
    /** Index into the active orchestrators; MAX_ACTIVE stands for the inactive one. */
    claimant: fc.integer({ min: 0, max: MAX_ACTIVE }),
    faceValue: fc.bigInt({ min: 1n, max: 5_000n }),
    nextRound: fc.boolean(),
  });
  const scenario = fc.record({
    activeCount: fc.integer({ min: 1, max: MAX_ACTIVE }),
    deposit: fc.bigInt({ min: 0n, max: 2_000n }),
    reserve: fc.bigInt({ min: 1n, max: 10_000n }),
    steps: fc.array(step, { minLength: 1, maxLength: 5 }),
  });

  it(`holds over ${NUM_RUNS} random active-set sizes, face values and round changes`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ activeCount, deposit, reserve, steps }) => {
        await snapshot.restore();
        const { p, sender, active, inactive } = at(setups, activeCount - 1);
        const n = BigInt(activeCount);
        await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, deposit, reserve], {
          account: funder.account,
          value: deposit + reserve,
        });

        // The model: what each orchestrator may still take this round.
        let funds = reserve;
        let depositLeft = deposit;
        let roundStartFunds = reserve;
        let claimed = new Map<Address, bigint>();
        let creationRound = await p.rounds.read.currentRound();
        let creationRoundBlockHash = await p.rounds.read.blockHashForRound([creationRound]);
        for (const s of steps) {
          if (s.nextRound) {
            creationRound = await advanceRounds(p, 1);
            creationRoundBlockHash = await p.rounds.read.blockHashForRound([creationRound]);
            roundStartFunds = funds;
            claimed = new Map();
          }
          const recipient = s.claimant < activeCount ? at(active, s.claimant) : inactive;
          const isActive = recipient !== inactive;
          const t = await makeTicket(p, sender, { recipient, faceValue: s.faceValue, creationRound, creationRoundBlockHash });
          const args = [t.ticket, t.sig, t.recipientRand] as const;
          if (depositLeft === 0n && funds === 0n) {
            await viem.assertions.revertWithCustomError(
              p.ticketBroker.write.redeemWinningTicket(args),
              p.ticketBroker,
              "SenderHasNoFunds",
            );
            continue;
          }
          // A fixed gas limit skips estimation (a second execution); a revert would still show as a model mismatch.
          await p.ticketBroker.write.redeemWinningTicket(args, { gas: REDEEM_GAS_LIMIT });

          const fromDeposit = s.faceValue < depositLeft ? s.faceValue : depositLeft;
          depositLeft -= fromDeposit;
          const share = roundStartFunds / n;
          const already = claimed.get(recipient) ?? 0n;
          const claimable = isActive && share > already ? share - already : 0n;
          const rest = s.faceValue - fromDeposit;
          const fromReserve = rest < claimable ? rest : claimable;
          funds -= fromReserve;
          claimed.set(recipient, already + fromReserve);

          const [claimedOnChain, [info, reserveInfo]] = await Promise.all([
            p.ticketBroker.read.claimedReserve([sender.address, recipient]),
            p.ticketBroker.read.getSenderInfo([sender.address]),
          ]);
          // The property itself, checked against the chain, whatever the model says:
          assert.ok(claimedOnChain <= (reserveInfo.fundsRemaining + reserveInfo.claimedInCurrentRound) / n);
          assert.ok(claimedOnChain <= share, "an orchestrator claimed more than its share of the round's reserve");
          assert.ok(reserveInfo.claimedInCurrentRound <= roundStartFunds);
          // And the chain agrees with the model to the wei.
          assert.equal(claimedOnChain, claimed.get(recipient));
          assert.equal(info.deposit, depositLeft);
          assert.equal(reserveInfo.fundsRemaining, funds);
          assert.equal(reserveInfo.claimedInCurrentRound, roundStartFunds - funds);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
