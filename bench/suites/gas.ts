// Gas on a real Hardhat node: redeeming one winning ticket and per ticket in batches of 10 and 50 (targets ≤ 120k and
// ≤ 60k per ticket, beside a plain 21,000-gas ETH transfer sent the same way), and bond / unbond / reward with 10, 100
// and 1,000 orchestrators registered, which must stay flat (ratio: the 1,000 figure over the 10 figure).
import { measureRedemptionGas, type RedemptionGas } from "../lib/gas-tickets.ts";
import { measureStakingGas, type StakingGas } from "../lib/gas-staking.ts";
import { atOrchestratorLevels } from "../lib/chain-levels.ts";
import { benchOrchestrator } from "../lib/chain-orchestrators.ts";
import { summarize, type Figure } from "../stats.ts";

const PORT = 19201;
const SINGLE_TARGET_GAS = 120_000;
const BATCHED_TARGET_GAS_PER_TICKET = 60_000;
/** Flat: the same call costs the same at 1,000 orchestrators as at 10 (2% for storage that happens to differ). */
const FLAT_RATIO = 1.02;

export async function gas(): Promise<Figure[]> {
  let redemption: RedemptionGas | undefined;
  const staking = new Map<number, StakingGas>();
  await atOrchestratorLevels(PORT, async (chain, registered) => {
    staking.set(registered, await measureStakingGas(chain, registered));
    // Redemption at the smallest registry: its path reads only its own orchestrator's state.
    redemption ??= await measureRedemptionGas(chain, benchOrchestrator(0));
  });
  return [...redemptionFigures(redemption!), ...stakingFigures(staking)];
}

function redemptionFigures(r: RedemptionGas): Figure[] {
  const baseline = summarize(r.ethTransfer);
  const figure = (name: string, values: number[], target: number, extra: Figure["extra"]): Figure => {
    const subject = summarize(values);
    return {
      name, unit: "gas", subject, baselineName: "plain ETH transfer, same path", baseline, ratio: subject.median / baseline.median,
      target: { valueAtMost: target, describe: `≤ ${target / 1000}k gas` }, met: subject.median <= target, extra,
    };
  };
  return [
    figure("gas: redeem one winning ticket", r.single, SINGLE_TARGET_GAS, { orchestratorsFirstRedemption: r.firstSingle }),
    figure("gas: batch of 10, per ticket (one sender)", r.batch10, BATCHED_TARGET_GAS_PER_TICKET, { perTicketTenSenders: r.batch10Senders }),
    figure("gas: batch of 50, per ticket (one sender)", r.batch50, BATCHED_TARGET_GAS_PER_TICKET, { perTicketFiftySenders: r.batch50Senders }),
  ];
}

function stakingFigures(staking: Map<number, StakingGas>): Figure[] {
  const calls: (keyof StakingGas)[] = ["bond", "unbond", "reward"];
  return calls.map((call) => {
    const at = (n: number) => summarize(staking.get(n)![call]);
    const subject = at(1_000);
    const baseline = at(10);
    const ratio = subject.median / baseline.median;
    return {
      name: `gas: ${call} with 1,000 orchestrators registered`,
      unit: "gas",
      subject,
      baselineName: "same call, 10 registered",
      baseline,
      ratio,
      target: { ratioAtMost: FLAT_RATIO, describe: `flat: ratio ≤ ${FLAT_RATIO}` },
      met: ratio <= FLAT_RATIO,
      extra: { at100Registered: at(100).median },
    };
  });
}
