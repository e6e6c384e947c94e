// Governance moves inside the invariant suite's sequences: the owner changes the active-set threshold, the unbonding
// period and the TicketBroker's periods while stake, locks and tickets are in flight, and anyone refreshes an
// orchestrator's activation. The invariants must hold across every change.
import type { Action } from "./actions.ts";
import { attempt, type Tally } from "./outcome.ts";
import type { World } from "./world.ts";

export type GovernanceAction = Extract<Action, { kind: "setMinActiveStake" | "refreshActivation" | "setUnbondingPeriod" | "setTicketPeriods" }>;

export async function runGovernanceAction(world: World, tally: Tally, action: GovernanceAction): Promise<void> {
  const { p } = world;
  // Contract writes default to the first dev account: the deployer, which owns every contract.
  switch (action.kind) {
    case "setMinActiveStake":
      await attempt(p, tally, action.kind, [], () => p.bondingManager.write.setMinActiveStake([action.amount]));
      return;
    case "refreshActivation":
      await attempt(p, tally, action.kind, ["CurrentRoundNotInitialized"], () =>
        p.bondingManager.write.refreshActivation([world.bondTargets[action.who]!]),
      );
      return;
    case "setUnbondingPeriod":
      await attempt(p, tally, action.kind, [], () => p.bondingManager.write.setUnbondingPeriod([action.rounds]));
      return;
    case "setTicketPeriods":
      // The validity period must stay below the unlock period: a change that breaks it is refused.
      await attempt(p, tally, action.kind, ["InvalidPeriods"], () => p.ticketBroker.write.setUnlockPeriodRounds([action.unlockRounds]));
      await attempt(p, tally, action.kind, ["InvalidPeriods"], () =>
        p.ticketBroker.write.setTicketValidityPeriodRounds([action.validityRounds]),
      );
      return;
  }
}
