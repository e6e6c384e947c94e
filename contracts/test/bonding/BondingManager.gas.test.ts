// The open active set's promise: bond, unbond and reward cost the same gas whatever the number of registered
// orchestrators (no loops, no sorted list). Measured with 10, 100 and 1,000 orchestrators registered.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, parseEther, type Address, type Hash } from "viem";
import { advanceRounds, deployProtocol, LPT, type TestProtocol } from "../helpers/fixture.ts";
import { STAKING_TEST_PARAMS } from "./helpers.ts";

const { viem, networkHelpers } = await network.create();

const COUNTS = [10, 100, 1_000] as const;
/** Gas at 1,000 orchestrators may exceed gas at 10 by at most this factor. */
const MAX_GROWTH = 1.05;
const ORCHESTRATOR_STAKE = 200n * LPT;
const DELEGATION = 50n * LPT;
/** Registering 1,000 orchestrators mines a few thousand blocks: rounds long enough that none passes meanwhile. */
const PARAMS = { ...STAKING_TEST_PARAMS, roundLengthBlocks: 100_000n };

/** Deterministic addresses far from the precompiles, used through impersonation (no keys, no signing). */
const accountAt = (i: number): Address => getAddress(`0x5eed${i.toString(16).padStart(36, "0")}`);

async function fund(p: TestProtocol, account: Address, lpt: bigint) {
  await networkHelpers.impersonateAccount(account);
  await networkHelpers.setBalance(account, parseEther("1"));
  await p.token.write.transfer([account, lpt]);
  await p.token.write.approve([p.bondingManager.address, lpt], { account });
}

/** Registers orchestrators `from`..`to - 1` (bonded to themselves, above minActiveStake). */
async function registerRange(p: TestProtocol, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const account = accountAt(i);
    await fund(p, account, ORCHESTRATOR_STAKE);
    await p.bondingManager.write.bond([ORCHESTRATOR_STAKE, account], { account });
  }
}

async function gasOf(hash: Hash): Promise<bigint> {
  const receipt = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  return receipt.gasUsed;
}

describe("BondingManager: gas does not grow with the number of orchestrators", () => {
  it("bond, unbond and reward cost the same with 10, 100 and 1,000 orchestrators registered", async () => {
    const p = await deployProtocol(viem, networkHelpers, PARAMS);
    const bm = p.bondingManager;
    const rows: { orchestrators: number; bond: bigint; unbond: bigint; reward: bigint }[] = [];

    let registered = 0;
    for (const [level, count] of COUNTS.entries()) {
      await registerRange(p, registered, count);
      registered = count;
      // Each level measures a fresh orchestrator (the last one registered) and a fresh delegator, in a fresh round,
      // so that every measured call writes the same storage slots from the same state.
      const probe = accountAt(count - 1);
      const delegator = accountAt(1_000_000 + level);
      await fund(p, delegator, DELEGATION);
      await advanceRounds(p, 1);
      assert.equal(await bm.read.getTranscoderPoolSize(), BigInt(count));

      rows.push({
        orchestrators: count,
        bond: await gasOf(await bm.write.bond([DELEGATION, probe], { account: delegator })),
        unbond: await gasOf(await bm.write.unbond([DELEGATION / 2n], { account: delegator })),
        reward: await gasOf(await bm.write.reward({ account: probe })),
      });
    }

    console.log("\n  gas used with N orchestrators registered");
    console.table(
      rows.map((r) => ({ N: r.orchestrators, bond: Number(r.bond), unbond: Number(r.unbond), reward: Number(r.reward) })),
    );

    const [first, , last] = rows;
    for (const op of ["bond", "unbond", "reward"] as const) {
      assert.ok(
        Number(last![op]) <= Number(first![op]) * MAX_GROWTH,
        `${op}: ${last![op]} gas with ${last!.orchestrators} orchestrators vs ${first![op]} with ${first!.orchestrators}`,
      );
    }
  });
});
