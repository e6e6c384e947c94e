// Invariant fuzzing of the whole on-chain protocol (issue 9, "Contracts"): long random sequences of bond (and moves),
// unbond, rebond, withdrawStake, rewards in new rounds, fees and their withdrawal, deposit and reserve funding, winning
// tickets redeemed fresh, late, replayed and in batches, unlock/cancel/withdraw, and slashes through the FaultVerifier,
// from six stakers and two senders on a real Hardhat (EDR) chain, with every money invariant checked after every action
// (invariants.ts) and every predictable outcome checked against a shadow model (model.ts).
//
// Bounded by default (what `npm run test:contracts` runs in CI); STREAMFLOW_RELIABILITY=full runs >= 10,000 actions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { network } from "hardhat";
import { FULL, scaled } from "../../../tests/reliability/bounds.ts";
import { readFileSync } from "node:fs";
import { actionArbitrary, type Action } from "./actions.ts";
import { DUST_BOUND_WEI } from "./invariants.ts";
import { newTally } from "./outcome.ts";
import { parseSequence, playSequence } from "./sequence.ts";
import { buildWorld, type World } from "./world.ts";

const { viem, networkHelpers } = await network.create();

/** Actions per sequence: long enough to cross many rounds, mature locks and unlocks, and compound rewards. */
const SEQUENCE_LENGTH = scaled(250, 100);
/** Sequences, each from a fresh deployment snapshot: 40 x 250 = 10,000 actions in the full run. */
const SEQUENCES = Number(process.env.INVARIANT_SEQUENCES ?? scaled(40, 4));

async function world(): Promise<World> {
  return buildWorld(viem, networkHelpers);
}

describe(`protocol invariants over random action sequences (${FULL ? "full" : "bounded"})`, () => {
  it(`hold after every one of ${SEQUENCES} x ${SEQUENCE_LENGTH} actions: no LPT or ETH created or lost, no ticket paid twice, no reserve over-claimed, no fee over-withdrawn`, async () => {
    const startedMs = Date.now();
    const tally = newTally();
    let maxStakeDust = 0n;
    let maxFeeDust = 0n;
    await fc.assert(
      fc.asyncProperty(fc.array(actionArbitrary, { minLength: SEQUENCE_LENGTH, maxLength: SEQUENCE_LENGTH }), async (actions: Action[]) => {
        const dust = await playSequence(await networkHelpers.loadFixture(world), tally, actions);
        if (dust.stakeWei > maxStakeDust) maxStakeDust = dust.stakeWei;
        if (dust.feeWei > maxFeeDust) maxFeeDust = dust.feeWei;
      }),
      // Shrinking would replay whole sequences on the chain for a long time; the seed and path reproduce a failure.
      { numRuns: SEQUENCES, endOnFailure: true },
    );
    const seconds = (Date.now() - startedMs) / 1000;
    console.log(
      `    invariants: ${tally.actions} actions in ${seconds.toFixed(1)} s (${(tally.actions / seconds).toFixed(0)}/s); ` +
        `${tally.reserveClaims} reserve claims, ${tally.slashes} slashes; largest dust: stake ${maxStakeDust} wei, fees ${maxFeeDust} wei (bound ${DUST_BOUND_WEI})`,
    );
    console.log("    succeeded:", Object.fromEntries([...tally.ok].sort()));
    console.log("    refused (as predicted or allowed):", Object.fromEntries([...tally.refused].sort()));
    assert.equal(tally.actions, SEQUENCES * SEQUENCE_LENGTH, "every drawn action ran");
  });

  // Sequences that once broke an invariant, replayed as found (the defect is fixed in the contracts, not here).
  it("keeps fees claimable when an orchestrator's only earning stake is rounding dust (all its own stake pending): the fee went to no one", async () => {
    const actions = parseSequence(readFileSync(new URL("./regressions/fees-on-dust-stake.json", import.meta.url), "utf8"));
    await playSequence(await networkHelpers.loadFixture(world), newTally(), actions);
  });
});
