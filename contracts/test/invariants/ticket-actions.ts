// The TicketBroker side of the invariant suite's actions: funding, redeeming winning tickets (fresh, held back, replayed,
// in batches with duplicates), unlock, cancel and withdraw, each predicted by the model and checked as it runs.
import assert from "node:assert/strict";
import { parseEventLogs, type Address, type Hash } from "viem";
import { batchArgs, makeTicket, type SignedTicket } from "../helpers/tickets.ts";
import type { Action } from "./actions.ts";
import {
  applyRedemption,
  predictRedemption,
  senderOf,
  type Model,
  type RedemptionContext,
  type RedemptionOutcome,
} from "./model.ts";
import { count, errorNameOf, expectOutcome, send, type Tally } from "./outcome.ts";
import type { World } from "./world.ts";
import type { GovernanceAction } from "./governance-actions.ts";
import type { SlashAction } from "./slash-actions.ts";

type TicketAction = Exclude<Action, { kind: "bond" | "moveStake" | "unbond" | "rebond" | "rebondFromUnbonded" | "withdrawStake" | "claimEarnings" | "cuts" | "reward" | "withdrawFees" | "overWithdrawFees" | SlashAction["kind"] | "newRound" | "enterUninitializedRound" | "initializeRound" | "mineBlocks" | GovernanceAction["kind"] }>;

/** Tickets held back for later redemption: enough to reach expiry and unlocks, few enough to stay cheap. */
const MAX_HELD_TICKETS = 32;
/** Comfortably above a batch of six tickets' gas (a batch's own estimate misjudges its try/catch). */
const BATCH_GAS = 3_000_000n;

/** What a redemption's prediction needs from the chain: the round, and the recipient's standing in the active set. */
async function contextFor(world: World, recipient: Address): Promise<RedemptionContext> {
  const { p } = world;
  const [currentRound, roundInitialized, ticketValidityPeriodRounds, active, registered, poolSize] = await Promise.all([
    p.rounds.read.currentRound(),
    p.rounds.read.currentRoundInitialized(),
    p.ticketBroker.read.ticketValidityPeriodRounds(),
    p.bondingManager.read.isActiveTranscoder([recipient]),
    p.bondingManager.read.isRegisteredTranscoder([recipient]),
    p.bondingManager.read.getTranscoderPoolSize(),
  ]);
  return { currentRound, roundInitialized, ticketValidityPeriodRounds, standing: { active, registered, poolSize } };
}

async function newTicket(world: World, sender: number, to: number, faceValue: bigint): Promise<SignedTicket> {
  return makeTicket(world.p, world.senders[sender]!.key, { recipient: world.bondTargets[to]!, faceValue });
}

/** Redeems one ticket alone and checks the outcome and the amount paid against the model's prediction. */
async function redeemOne(world: World, model: Model, tally: Tally, kind: TicketAction["kind"], t: SignedTicket): Promise<void> {
  const { p, client } = world;
  const ctx = await contextFor(world, t.ticket.recipient);
  const predicted = predictRedemption(model, t, ctx);
  const minterBefore = await client.getBalance({ address: p.minter.address });
  const hash = await expectOutcome(p, tally, kind, predicted.ok ? undefined : predicted.error, () =>
    p.ticketBroker.write.redeemWinningTicket([t.ticket, t.sig, t.recipientRand]),
  );
  if (hash && predicted.ok) {
    if (predicted.fromReserve > 0n) tally.reserveClaims += 1;
    applyRedemption(model, t, ctx.currentRound, predicted.fromDeposit, predicted.fromReserve);
    const paid = predicted.fromDeposit + predicted.fromReserve;
    assert.equal(await client.getBalance({ address: p.minter.address }), minterBefore + paid, "the Minter receives exactly what the ticket pays");
  }
  await assertSpentAsModelled(world, model, [t]);
}

/** A redeemed ticket is spent (it cannot pay twice); a refused one is not (it is not lost: it may still be redeemed). */
async function assertSpentAsModelled(world: World, model: Model, tickets: readonly SignedTicket[]): Promise<void> {
  const used = await Promise.all(tickets.map((t) => world.p.ticketBroker.read.usedTickets([t.hash])));
  for (const [i, t] of tickets.entries()) {
    assert.equal(used[i], model.redeemedHashes.has(t.hash), `ticket ${t.hash} is ${used[i] ? "" : "not "}marked used`);
  }
}

/** A batch of fresh tickets, a duplicate of the first and replays of spent ones: each redeems at most once. */
async function redeemBatch(world: World, model: Model, tally: Tally, action: Extract<Action, { kind: "batch" }>): Promise<void> {
  const { p, client } = world;
  const fresh: SignedTicket[] = [];
  for (const faceValue of action.faceValues) fresh.push(await newTicket(world, action.sender, action.to, faceValue));
  const replays = action.replays === 0 ? [] : model.redeemed.slice(-action.replays);
  const tickets = [...fresh, ...(action.replays > 0 ? [fresh[0]!] : []), ...replays];
  const ctx = await contextFor(world, world.bondTargets[action.to]!);
  const result = await send(p, () => p.ticketBroker.write.batchRedeemWinningTickets(batchArgs(tickets), { gas: BATCH_GAS }));
  if (!ctx.roundInitialized) {
    assert.ok("error" in result && result.error === "RoundNotInitialized", "a batch in an uninitialized round reverts whole");
    count(tally, action.kind, "RoundNotInitialized");
    return;
  }
  assert.ok("hash" in result, `a batch reverted whole with ${"error" in result ? result.error : ""}`);
  const { logs } = await client.waitForTransactionReceipt({ hash: result.hash });
  const skipped = new Map(
    parseEventLogs({ abi: p.ticketBroker.abi, logs, eventName: "WinningTicketSkipped" }).map((e) => [Number(e.args.index), errorNameOf(p, e.args.reason)]),
  );
  let paid = 0n;
  for (const [i, t] of tickets.entries()) {
    // The model moves ticket by ticket, as the batch does, so a duplicate sees its twin already spent.
    const predicted: RedemptionOutcome = predictRedemption(model, t, ctx);
    const expected = predicted.ok ? undefined : predicted.error === "NotRegisteredOrchestrator" ? "RecipientNotRegistered" : predicted.error;
    assert.equal(skipped.get(i), expected, `batch ticket ${i}: the model predicted ${expected ?? "redemption"}`);
    count(tally, action.kind, expected);
    if (predicted.ok) {
      if (predicted.fromReserve > 0n) tally.reserveClaims += 1;
      applyRedemption(model, t, ctx.currentRound, predicted.fromDeposit, predicted.fromReserve);
      paid += predicted.fromDeposit + predicted.fromReserve;
    }
  }
  const transfers = parseEventLogs({ abi: p.ticketBroker.abi, logs, eventName: "WinningTicketTransfer" });
  assert.equal(transfers.reduce((sum, e) => sum + e.args.amount, 0n), paid, "the batch pays exactly what its tickets are owed");
  await assertSpentAsModelled(world, model, tickets);
}

export async function runTicketAction(world: World, model: Model, tally: Tally, action: TicketAction): Promise<void> {
  const { p } = world;
  const tb = p.ticketBroker;
  switch (action.kind) {
    case "fundDeposit":
    case "fundReserve":
    case "fundFor": {
      const { wallet } = world.senders[action.sender]!;
      const s = senderOf(model, wallet.account.address);
      const [deposit, reserve] =
        action.kind === "fundDeposit" ? [action.amount, 0n] : action.kind === "fundReserve" ? [0n, action.amount] : [action.deposit, action.reserve];
      await expectOutcome(p, tally, action.kind, undefined, () =>
        action.kind === "fundDeposit"
          ? tb.write.fundDeposit({ account: wallet.account, value: deposit })
          : action.kind === "fundReserve"
            ? tb.write.fundReserve({ account: wallet.account, value: reserve })
            : // Funded by a staker's wallet: a browser key is funded this way, without holding ETH itself.
              tb.write.fundDepositAndReserveFor([wallet.account.address, deposit, reserve], { account: world.stakers[0]!.account, value: deposit + reserve }),
      );
      s.deposit += deposit;
      s.reserve += reserve;
      return;
    }
    case "redeemNew":
      await redeemOne(world, model, tally, action.kind, await newTicket(world, action.sender, action.to, action.faceValue));
      return;
    case "signForLater": {
      // Only a round with a block hash can date a ticket; one signed in an uninitialized round is just invalid.
      if (!(await p.rounds.read.currentRoundInitialized())) return count(tally, action.kind, "RoundNotInitialized");
      model.unredeemed.push(await newTicket(world, action.sender, action.to, action.faceValue));
      if (model.unredeemed.length > MAX_HELD_TICKETS) model.unredeemed.shift();
      return count(tally, action.kind, undefined);
    }
    case "redeemSigned":
    case "replay": {
      const pool = action.kind === "redeemSigned" ? model.unredeemed : model.redeemed;
      const t = pool[action.pick % Math.max(pool.length, 1)];
      if (!t) return count(tally, action.kind, "NoTicketYet");
      await redeemOne(world, model, tally, action.kind, t);
      return;
    }
    case "batch":
      await redeemBatch(world, model, tally, action);
      return;
    case "unlock":
    case "cancelUnlock":
    case "withdraw":
      await senderLifecycle(world, model, tally, action);
      return;
  }
}

/** unlock / cancelUnlock / withdraw, predicted from the model's sender state. */
async function senderLifecycle(
  world: World,
  model: Model,
  tally: Tally,
  action: Extract<Action, { kind: "unlock" | "cancelUnlock" | "withdraw" }>,
): Promise<void> {
  const { p, client } = world;
  const tb = p.ticketBroker;
  const { wallet } = world.senders[action.sender]!;
  const address = wallet.account.address;
  const s = senderOf(model, address);
  const round = await p.rounds.read.currentRound();
  const empty = s.deposit === 0n && s.reserve === 0n;
  switch (action.kind) {
    case "unlock": {
      const predicted = empty ? "SenderHasNoFunds" : s.withdrawRound !== 0n ? "UnlockAlreadyInProgress" : undefined;
      if (await expectOutcome(p, tally, action.kind, predicted, () => tb.write.unlock({ account: wallet.account }))) {
        s.withdrawRound = round + (await tb.read.unlockPeriodRounds());
      }
      return;
    }
    case "cancelUnlock": {
      const predicted = s.withdrawRound === 0n ? "NoUnlockInProgress" : undefined;
      if (await expectOutcome(p, tally, action.kind, predicted, () => tb.write.cancelUnlock({ account: wallet.account }))) s.withdrawRound = 0n;
      return;
    }
    case "withdraw": {
      const predicted = empty
        ? "SenderHasNoFunds"
        : s.withdrawRound === 0n
          ? "NoUnlockInProgress"
          : round < s.withdrawRound
            ? "UnlockPeriodNotOver"
            : undefined;
      const before = await client.getBalance({ address });
      const hash: Hash | undefined = await expectOutcome(p, tally, action.kind, predicted, () => tb.write.withdraw({ account: wallet.account }));
      if (!hash) return;
      const { gasUsed, effectiveGasPrice } = await client.waitForTransactionReceipt({ hash });
      assert.equal(await client.getBalance({ address }), before + s.deposit + s.reserve - gasUsed * effectiveGasPrice, "withdraw returns exactly the deposit and reserve");
      s.deposit = 0n;
      s.reserve = 0n;
      s.withdrawRound = 0n;
      return;
    }
  }
}
