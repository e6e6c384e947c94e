// Spec of discovery at scale: a broadcaster reads 1,000 orchestrators with their stakes in at most 5 eth_calls.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import {
  createPublicClient,
  custom,
  encodeFunctionData,
  getAddress,
  keccak256,
  slice,
  stringToHex,
  zeroAddress,
  type Address,
} from "viem";
import { advanceRounds, deployProtocol, LPT, registerOrchestrator, TEST_PARAMS } from "../helpers/fixture.ts";

const { viem, networkHelpers, provider } = await network.create();

const ORCHESTRATOR_COUNT = 1_000;
/** Entries per getOrchestrators call: 4 pages plus the count read make 5 eth_calls for 1,000 orchestrators. */
const PAGE_SIZE = 250n;
const MAX_ETH_CALLS = 5;
/** The eth_call gas cap of common nodes (geth's default RPC gas cap is 50M; many providers cap at 30M or less). */
const ETH_CALL_GAS_CAP = 30_000_000n;
/** Every tenth orchestrator bonds less than minActiveStake, so that the read shows a mix of active and inactive. */
const INACTIVE_EVERY = 10;
const ETH_FOR_GAS_WEI = 10n ** 18n;
/** Long rounds, so that the 5,000 setup transactions stay inside the one initialized round that bonding needs. */
const PARAMS = { ...TEST_PARAMS, roundLengthBlocks: 1_000_000n };

/** A deterministic address that no test account owns, impersonated instead of deriving 1,000 keys. */
const orchestratorAddress = (i: number): Address => getAddress(slice(keccak256(stringToHex(`orchestrator-${i}`)), 12));

const stakeOf = (i: number) => (i % INACTIVE_EVERY === INACTIVE_EVERY - 1 ? 50n : 100n + BigInt(i)) * LPT;
const rewardCutOf = (i: number) => BigInt(i) * 100n;
const feeShareOf = (i: number) => 1_000_000n - BigInt(i) * 100n;
/** Typical entries: a URI, three services (one with a verifier) and two regions. */
const servicesOf = (i: number) => [
  { id: i % 2 === 0 ? "GPUTranscoding" : "CPUTranscoding", verifier: zeroAddress },
  { id: "SegmentVerification", verifier: getAddress("0x00000000000000000000000000000000000000fe") },
  { id: "H264 1080p->720p", verifier: zeroAddress },
];
const regionsOf = (i: number) => [i % 3 === 0 ? "eu-west" : "us-east", "global"];

describe("ServiceRegistry discovery at scale", () => {
  it(`reads ${ORCHESTRATOR_COUNT} orchestrators with stakes in at most ${MAX_ETH_CALLS} eth_calls`, async () => {
    const p = await deployProtocol(viem, networkHelpers, PARAMS);
    const registry = p.serviceRegistry;

    const setupStarted = performance.now();
    for (let i = 0; i < ORCHESTRATOR_COUNT; i++) {
      const addr = orchestratorAddress(i);
      await networkHelpers.impersonateAccount(addr);
      await networkHelpers.setBalance(addr, ETH_FOR_GAS_WEI);
      const wallet = await viem.getWalletClient(addr);
      await registerOrchestrator(p, wallet, { stake: stakeOf(i), rewardCutPpm: rewardCutOf(i), feeSharePpm: feeShareOf(i) });
      await registry.write.register([`https://o${i}.example:8935`, servicesOf(i), regionsOf(i)], {
        account: wallet.account,
      });
    }
    // Activation is decided at the start of a round.
    await advanceRounds(p, 1);
    console.log(`  registered ${ORCHESTRATOR_COUNT} orchestrators in ${Math.round(performance.now() - setupStarted)} ms`);

    // A broadcaster's client: plain JSON-RPC with no multicall, counting every eth_call it makes.
    let ethCalls = 0;
    const broadcaster = createPublicClient({
      transport: custom({
        request: (args: { method: string; params?: unknown }) => {
          if (args.method === "eth_call") ethCalls++;
          return provider.request(args as Parameters<typeof provider.request>[0]);
        },
      }),
    });
    const contract = { address: registry.address, abi: registry.abi } as const;

    const readStarted = performance.now();
    const count = await broadcaster.readContract({ ...contract, functionName: "orchestratorCount" });
    const offsets = Array.from({ length: Number((count + PAGE_SIZE - 1n) / PAGE_SIZE) }, (_, k) => BigInt(k) * PAGE_SIZE);
    const pages = await Promise.all(
      offsets.map((offset) => broadcaster.readContract({ ...contract, functionName: "getOrchestrators", args: [offset, PAGE_SIZE] })),
    );
    const readMs = performance.now() - readStarted;
    const orchestrators = pages.flat();
    console.log(`  read ${orchestrators.length} orchestrators with stakes in ${ethCalls} eth_calls, ${readMs.toFixed(1)} ms`);

    assert.ok(ethCalls <= MAX_ETH_CALLS, `${ethCalls} eth_calls`);
    assert.equal(count, BigInt(ORCHESTRATOR_COUNT));
    assert.equal(orchestrators.length, ORCHESTRATOR_COUNT);
    orchestrators.forEach((o, i) => {
      assert.equal(o.addr, orchestratorAddress(i));
      assert.equal(o.serviceURI, `https://o${i}.example:8935`);
      assert.deepEqual(o.services, servicesOf(i));
      assert.deepEqual(o.regions, regionsOf(i));
      assert.equal(o.registered, true);
      assert.equal(o.totalStake, stakeOf(i));
      assert.equal(o.active, stakeOf(i) >= PARAMS.minActiveStake, `orchestrator ${i} active`);
      assert.equal(o.rewardCutPpm, rewardCutOf(i));
      assert.equal(o.feeSharePpm, feeShareOf(i));
    });
    const active = orchestrators.filter((o) => o.active).length;
    assert.equal(active, ORCHESTRATOR_COUNT - ORCHESTRATOR_COUNT / INACTIVE_EVERY);

    // The page size must fit a node's eth_call gas cap, or a real broadcaster could not make these calls.
    const pageGas = await broadcaster.estimateGas({
      to: registry.address,
      data: encodeFunctionData({ abi: registry.abi, functionName: "getOrchestrators", args: [0n, PAGE_SIZE] }),
    });
    console.log(`  one page of ${PAGE_SIZE} costs ${pageGas} gas (cap assumed ${ETH_CALL_GAS_CAP})`);
    assert.ok(pageGas < ETH_CALL_GAS_CAP, `a page of ${PAGE_SIZE} costs ${pageGas} gas`);
  });
});
