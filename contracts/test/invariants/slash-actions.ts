// Slashing in the invariant suite, the honest way: the challenger files a challenge of a receipt the orchestrator
// signed (a node's own signature), bonding ETH, and the FaultVerifier's verifier judges it, at once or several actions
// later (after the orchestrator may have moved or unbonded its stake), or it expires and the challenger takes its bond
// back. A faulty verdict's penalty, finder's fee and burn are predicted from the stake just before it.
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { challengeArgs, makeReceipt } from "../helpers/receipts.ts";
import { receiptHash, signReceipt } from "../../../src/lib/protocol/receipt.ts";
import { PPM, type Action } from "./actions.ts";
import type { Model, OpenChallenge } from "./model.ts";
import { count, expectOutcome, type Tally } from "./outcome.ts";
import { lptBalance } from "./staking-actions.ts";
import type { World } from "./world.ts";

export type SlashAction = Extract<Action, { kind: "slash" | "challenge" | "verdict" }>;

/** Receipts challenged so far: each needs its own sequence number, or the challenge id repeats. */
let receiptSequence = 0;

export async function runSlashAction(world: World, model: Model, tally: Tally, action: SlashAction): Promise<void> {
  switch (action.kind) {
    case "slash": {
      const filed = await fileChallenge(world, model, tally, action.kind, action.who);
      if (filed) await judge(world, model, tally, action.kind, filed, action.faulty);
      return;
    }
    case "challenge":
      await fileChallenge(world, model, tally, action.kind, action.who);
      return;
    case "verdict": {
      const open = model.openChallenges[action.pick % Math.max(model.openChallenges.length, 1)];
      if (!open) return count(tally, action.kind, "NoOpenChallenge");
      await judge(world, model, tally, action.kind, open, action.faulty);
      return;
    }
  }
}

/** Files a challenge of a fresh receipt signed by staker `who`; refused unless it is a registered orchestrator. */
async function fileChallenge(world: World, model: Model, tally: Tally, kind: SlashAction["kind"], who: number): Promise<OpenChallenge | undefined> {
  const { p, client } = world;
  const fv = p.faultVerifier;
  const orchestrator = world.stakers[who]!.account.address;
  const round = await p.rounds.read.currentRound();
  const signed = await signReceipt(world.receiptKeys[who]!, makeReceipt(orchestrator, round, { sequenceNumber: ++receiptSequence }));
  const bondWei = await fv.read.challengeBondWei();
  const registered = await p.bondingManager.read.isRegisteredTranscoder([orchestrator]);
  const filed = await expectOutcome(p, tally, kind, registered ? undefined : "OrchestratorNotRegistered", () =>
    fv.write.challenge(challengeArgs(signed), { account: world.challenger.account, value: bondWei }),
  );
  if (!filed) return undefined;
  const challenge: OpenChallenge = {
    id: receiptHash(signed.receipt) as Hex,
    orchestrator,
    bondWei,
    verdictDeadlineRound: round + (await fv.read.verdictWindowRounds()),
  };
  model.openChallenges.push(challenge);
  assert.equal(await client.getBalance({ address: fv.address }), openBonds(model), "the FaultVerifier holds the open bonds");
  return challenge;
}

export function openBonds(model: Model): bigint {
  return model.openChallenges.reduce((sum, c) => sum + c.bondWei, 0n);
}

/** The verifier's verdict on an open challenge; past its deadline the challenger withdraws the bond instead. */
async function judge(world: World, model: Model, tally: Tally, kind: SlashAction["kind"], c: OpenChallenge, faulty: boolean): Promise<void> {
  const { p } = world;
  const fv = p.faultVerifier;
  const round = await p.rounds.read.currentRound();
  const close = () => (model.openChallenges = model.openChallenges.filter((o) => o.id !== c.id));
  if (round > c.verdictDeadlineRound) {
    await expectOutcome(p, tally, kind, "VerdictWindowClosed", () => fv.write.submitVerdict([c.id, faulty], { account: world.verifier.account }));
    await expectOutcome(p, tally, kind, undefined, () => fv.write.withdrawExpiredChallenge([c.id], { account: world.challenger.account }));
    close();
    return;
  }
  // The slash takes its share of whatever the orchestrator has bonded now, wherever it is bonded.
  const stakeBefore = await p.bondingManager.read.pendingStake([c.orchestrator]);
  const finderLptBefore = await lptBalance(world, world.challenger.account.address);
  const bmLptBefore = await lptBalance(world, p.bondingManager.address);
  await expectOutcome(p, tally, kind, undefined, () => fv.write.submitVerdict([c.id, faulty], { account: world.verifier.account }));
  close();
  if (!faulty) return;
  tally.slashes += 1;
  const penalty = (stakeBefore * (await fv.read.slashAmountPpm())) / PPM;
  const finderFee = (penalty * (await fv.read.finderFeePpm())) / PPM;
  model.burned += penalty - finderFee;
  assert.equal(await lptBalance(world, world.challenger.account.address), finderLptBefore + finderFee, "the finder gets its fee");
  assert.equal(await lptBalance(world, p.bondingManager.address), bmLptBefore - penalty, "the penalty leaves the BondingManager");
}
