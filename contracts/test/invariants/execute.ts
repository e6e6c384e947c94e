// Runs one drawn action of the invariant suite against the chain and the model: rounds and blocks here, staking,
// slashing, tickets and governance in their own files.
import { advanceRounds } from "../helpers/fixture.ts";
import { enterUninitializedRound } from "../bonding/helpers.ts";
import type { Action } from "./actions.ts";
import type { Model } from "./model.ts";
import { attempt, count, type Tally } from "./outcome.ts";
import { runStakingAction } from "./staking-actions.ts";
import { runTicketAction } from "./ticket-actions.ts";
import { runGovernanceAction } from "./governance-actions.ts";
import { runSlashAction } from "./slash-actions.ts";
import type { World } from "./world.ts";

export async function execute(world: World, model: Model, tally: Tally, action: Action): Promise<void> {
  const { p } = world;
  tally.actions += 1;
  switch (action.kind) {
    case "newRound":
      await advanceRounds(p, 1);
      return count(tally, action.kind, undefined);
    case "enterUninitializedRound":
      await enterUninitializedRound(p);
      return count(tally, action.kind, undefined);
    case "initializeRound":
      await attempt(p, tally, action.kind, ["RoundAlreadyInitialized"], () => p.rounds.write.initializeRound());
      return;
    case "mineBlocks":
      await p.networkHelpers.mine(action.blocks);
      return count(tally, action.kind, undefined);
    case "bond":
    case "moveStake":
    case "unbond":
    case "rebond":
    case "rebondFromUnbonded":
    case "withdrawStake":
    case "claimEarnings":
    case "cuts":
    case "reward":
    case "withdrawFees":
    case "overWithdrawFees":
      return runStakingAction(world, model, tally, action);
    case "slash":
    case "challenge":
    case "verdict":
      return runSlashAction(world, model, tally, action);
    case "setMinActiveStake":
    case "refreshActivation":
    case "setUnbondingPeriod":
    case "setTicketPeriods":
      return runGovernanceAction(world, tally, action);
    default:
      return runTicketAction(world, model, tally, action);
  }
}
