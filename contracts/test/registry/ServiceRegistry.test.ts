// Spec of ServiceRegistry: every setter, view and revert reason, and the BondingManager standing each entry reports.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { network } from "hardhat";
import { zeroAddress, type Address } from "viem";
import { advanceRounds, deployProtocol, LPT, registerOrchestrator } from "../helpers/fixture.ts";

const { viem, networkHelpers } = await network.create();

const MAX_SERVICES = 32;
const MAX_REGIONS = 16;
const MAX_STRING_BYTES = 256;
const MAX_UINT256 = 2n ** 256n - 1n;

const VERIFIER: Address = "0x00000000000000000000000000000000000000fe";
const SERVICES = [
  { id: "GPUTranscoding", verifier: zeroAddress },
  { id: "SegmentVerification", verifier: VERIFIER },
  { id: "H264 1080p->720p", verifier: zeroAddress },
] as const;
const REGIONS = ["eu-west", "us-east"] as const;

async function deploy() {
  const p = await deployProtocol(viem, networkHelpers);
  const [, alice, bob, carol] = await viem.getWalletClients();
  if (!alice || !bob || !carol) throw new Error("the test network needs at least 4 accounts");
  return { p, registry: p.serviceRegistry, alice, bob, carol };
}

/** Fresh protocol per test, restored from a snapshot. */
const setup = () => networkHelpers.loadFixture(deploy);

const services = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `Service${i}`, verifier: zeroAddress }));
const regions = (n: number) => Array.from({ length: n }, (_, i) => `region-${i}`);

describe("ServiceRegistry", () => {
  before(async () => {
    await setup();
  });

  describe("deployment", () => {
    it("reads the BondingManager it was deployed with and exposes its bounds", async () => {
      const { p, registry } = await setup();
      assert.equal((await registry.read.bondingManager()).toLowerCase(), p.bondingManager.address.toLowerCase());
      assert.equal(await registry.read.MAX_SERVICES(), BigInt(MAX_SERVICES));
      assert.equal(await registry.read.MAX_REGIONS(), BigInt(MAX_REGIONS));
      assert.equal(await registry.read.MAX_STRING_BYTES(), BigInt(MAX_STRING_BYTES));
    });

    it("starts with no orchestrators and empty entries", async () => {
      const { registry, alice } = await setup();
      assert.equal(await registry.read.orchestratorCount(), 0n);
      assert.equal(await registry.read.getServiceURI([alice.account.address]), "");
      assert.deepEqual(await registry.read.getServices([alice.account.address]), []);
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), []);
      assert.deepEqual(await registry.read.getOrchestrators([0n, 10n]), []);
    });
  });

  describe("setServiceURI", () => {
    it("stores the caller's URI and emits ServiceURIUpdate", async () => {
      const { registry, alice } = await setup();
      const uri = "https://orch.example:8935";
      await viem.assertions.emitWithArgs(
        registry.write.setServiceURI([uri], { account: alice.account }),
        registry,
        "ServiceURIUpdate",
        [alice.account.address, uri],
      );
      assert.equal(await registry.read.getServiceURI([alice.account.address]), uri);
    });

    it("lists the caller on its first update only", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.emitWithArgs(
        registry.write.setServiceURI(["https://a.example"], { account: alice.account }),
        registry,
        "OrchestratorListed",
        [alice.account.address, 0n],
      );
      const again = await registry.write.setServiceURI(["https://b.example"], { account: alice.account });
      const receipt = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash: again });
      assert.equal(receipt.logs.length, 1, "a second update emits only ServiceURIUpdate");
      assert.equal(await registry.read.orchestratorCount(), 1n);
    });

    it("lets an orchestrator withdraw its URI with an empty string", async () => {
      const { registry, alice } = await setup();
      await registry.write.setServiceURI(["https://a.example"], { account: alice.account });
      await registry.write.setServiceURI([""], { account: alice.account });
      assert.equal(await registry.read.getServiceURI([alice.account.address]), "");
      assert.equal(await registry.read.orchestratorCount(), 1n, "it stays listed");
    });

    it("accepts a URI of exactly MAX_STRING_BYTES bytes", async () => {
      const { registry, alice } = await setup();
      const uri = "https://" + "a".repeat(MAX_STRING_BYTES - 8);
      await registry.write.setServiceURI([uri], { account: alice.account });
      assert.equal(await registry.read.getServiceURI([alice.account.address]), uri);
    });

    it("rejects a URI longer than MAX_STRING_BYTES, counting UTF-8 bytes", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServiceURI(["x".repeat(MAX_STRING_BYTES + 1)], { account: alice.account }),
        registry,
        "ServiceURITooLong",
        [BigInt(MAX_STRING_BYTES + 1), BigInt(MAX_STRING_BYTES)],
      );
      // 129 two-byte characters: 129 characters but 258 bytes.
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServiceURI(["é".repeat(129)], { account: alice.account }),
        registry,
        "ServiceURITooLong",
        [258n, BigInt(MAX_STRING_BYTES)],
      );
      assert.equal(await registry.read.orchestratorCount(), 0n, "a rejected update lists nobody");
    });
  });

  describe("setServices", () => {
    it("stores the services with their verifiers, zero address included, and emits ServicesUpdate", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.emitWithArgs(
        registry.write.setServices([[...SERVICES]], { account: alice.account }),
        registry,
        "ServicesUpdate",
        [alice.account.address, [...SERVICES]],
      );
      assert.deepEqual(await registry.read.getServices([alice.account.address]), SERVICES);
      assert.equal(await registry.read.orchestratorCount(), 1n);
    });

    it("replaces the previous list, shorter or empty", async () => {
      const { registry, alice } = await setup();
      await registry.write.setServices([services(5)], { account: alice.account });
      await registry.write.setServices([[{ id: "CPUTranscoding", verifier: VERIFIER }]], { account: alice.account });
      assert.deepEqual(await registry.read.getServices([alice.account.address]), [
        { id: "CPUTranscoding", verifier: VERIFIER },
      ]);
      await registry.write.setServices([[]], { account: alice.account });
      assert.deepEqual(await registry.read.getServices([alice.account.address]), []);
    });

    it("accepts MAX_SERVICES services with ids of MAX_STRING_BYTES bytes", async () => {
      const { registry, alice } = await setup();
      const longest = services(MAX_SERVICES).map((s) => ({ ...s, id: s.id.padEnd(MAX_STRING_BYTES, "x") }));
      await registry.write.setServices([longest], { account: alice.account });
      assert.deepEqual(await registry.read.getServices([alice.account.address]), longest);
    });

    it("rejects more than MAX_SERVICES services", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServices([services(MAX_SERVICES + 1)], { account: alice.account }),
        registry,
        "TooManyServices",
        [BigInt(MAX_SERVICES + 1), BigInt(MAX_SERVICES)],
      );
    });

    it("rejects an empty service id, naming its index", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServices([[...services(2), { id: "", verifier: VERIFIER }]], { account: alice.account }),
        registry,
        "EmptyServiceId",
        [2n],
      );
    });

    it("rejects a service id longer than MAX_STRING_BYTES, naming its index", async () => {
      const { registry, alice } = await setup();
      const tooLong = { id: "x".repeat(MAX_STRING_BYTES + 1), verifier: zeroAddress };
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServices([[...services(1), tooLong]], { account: alice.account }),
        registry,
        "ServiceIdTooLong",
        [1n, BigInt(MAX_STRING_BYTES + 1), BigInt(MAX_STRING_BYTES)],
      );
    });

    it("rejects a repeated service id, naming both indexes, even with another verifier", async () => {
      const { registry, alice } = await setup();
      const repeated = [...SERVICES, { id: "GPUTranscoding", verifier: VERIFIER }];
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setServices([repeated], { account: alice.account }),
        registry,
        "DuplicateServiceId",
        [3n, 0n],
      );
    });

    it("keeps the previous list when a replacement is rejected", async () => {
      const { registry, alice } = await setup();
      await registry.write.setServices([[...SERVICES]], { account: alice.account });
      await viem.assertions.revertWithCustomError(
        registry.write.setServices([[{ id: "", verifier: zeroAddress }]], { account: alice.account }),
        registry,
        "EmptyServiceId",
      );
      assert.deepEqual(await registry.read.getServices([alice.account.address]), SERVICES);
    });
  });

  describe("setRegions", () => {
    it("stores the regions and emits RegionsUpdate", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.emitWithArgs(
        registry.write.setRegions([[...REGIONS]], { account: alice.account }),
        registry,
        "RegionsUpdate",
        [alice.account.address, [...REGIONS]],
      );
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), REGIONS);
      assert.equal(await registry.read.orchestratorCount(), 1n);
    });

    it("replaces the previous list, shorter or empty", async () => {
      const { registry, alice } = await setup();
      await registry.write.setRegions([regions(4)], { account: alice.account });
      await registry.write.setRegions([["ap-south"]], { account: alice.account });
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), ["ap-south"]);
      await registry.write.setRegions([[]], { account: alice.account });
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), []);
    });

    it("accepts MAX_REGIONS regions of MAX_STRING_BYTES bytes", async () => {
      const { registry, alice } = await setup();
      const longest = regions(MAX_REGIONS).map((r) => r.padEnd(MAX_STRING_BYTES, "x"));
      await registry.write.setRegions([longest], { account: alice.account });
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), longest);
    });

    it("rejects more than MAX_REGIONS regions", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setRegions([regions(MAX_REGIONS + 1)], { account: alice.account }),
        registry,
        "TooManyRegions",
        [BigInt(MAX_REGIONS + 1), BigInt(MAX_REGIONS)],
      );
    });

    it("rejects an empty region, naming its index", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setRegions([["eu-west", ""]], { account: alice.account }),
        registry,
        "EmptyRegion",
        [1n],
      );
    });

    it("rejects a region longer than MAX_STRING_BYTES, naming its index", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setRegions([["x".repeat(MAX_STRING_BYTES + 1)]], { account: alice.account }),
        registry,
        "RegionTooLong",
        [0n, BigInt(MAX_STRING_BYTES + 1), BigInt(MAX_STRING_BYTES)],
      );
    });

    it("rejects a repeated region, naming both indexes", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.setRegions([["eu-west", "us-east", "eu-west"]], { account: alice.account }),
        registry,
        "DuplicateRegion",
        [2n, 0n],
      );
    });
  });

  describe("register", () => {
    it("sets URI, services and regions at once, listing the caller and emitting every update", async () => {
      const { registry, alice } = await setup();
      const uri = "https://alice.example:8935";
      const hash = registry.write.register([uri, [...SERVICES], [...REGIONS]], { account: alice.account });
      await viem.assertions.emitWithArgs(hash, registry, "OrchestratorListed", [alice.account.address, 0n]);
      await viem.assertions.emitWithArgs(hash, registry, "ServiceURIUpdate", [alice.account.address, uri]);
      await viem.assertions.emitWithArgs(hash, registry, "ServicesUpdate", [alice.account.address, [...SERVICES]]);
      await viem.assertions.emitWithArgs(hash, registry, "RegionsUpdate", [alice.account.address, [...REGIONS]]);
      assert.equal(await registry.read.getServiceURI([alice.account.address]), uri);
      assert.deepEqual(await registry.read.getServices([alice.account.address]), SERVICES);
      assert.deepEqual(await registry.read.getRegions([alice.account.address]), REGIONS);
      assert.equal(await registry.read.orchestratorCount(), 1n);
    });

    it("changes nothing when any part is rejected", async () => {
      const { registry, alice } = await setup();
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.register(["https://alice.example", [...SERVICES], ["eu-west", ""]], { account: alice.account }),
        registry,
        "EmptyRegion",
        [1n],
      );
      assert.equal(await registry.read.getServiceURI([alice.account.address]), "");
      assert.deepEqual(await registry.read.getServices([alice.account.address]), []);
      assert.equal(await registry.read.orchestratorCount(), 0n);
    });

    it("reverts with each setter's errors", async () => {
      const { registry, alice } = await setup();
      const as = { account: alice.account };
      await viem.assertions.revertWithCustomError(
        registry.write.register(["x".repeat(MAX_STRING_BYTES + 1), [], []], as),
        registry,
        "ServiceURITooLong",
      );
      await viem.assertions.revertWithCustomError(
        registry.write.register(["", services(MAX_SERVICES + 1), []], as),
        registry,
        "TooManyServices",
      );
      await viem.assertions.revertWithCustomError(
        registry.write.register(["", [], regions(MAX_REGIONS + 1)], as),
        registry,
        "TooManyRegions",
      );
    });
  });

  describe("getOrchestrators", () => {
    /** Lists alice, bob and carol in that order. */
    async function threeListed() {
      const ctx = await setup();
      await ctx.registry.write.register(["https://alice.example", [...SERVICES], [...REGIONS]], {
        account: ctx.alice.account,
      });
      await ctx.registry.write.setRegions([["us-west"]], { account: ctx.bob.account });
      await ctx.registry.write.setServiceURI(["https://carol.example"], { account: ctx.carol.account });
      return ctx;
    }
    const addrs = (page: readonly { addr: Address }[]) => page.map((o) => o.addr.toLowerCase());

    it("pages through the list in order of first update", async () => {
      const { registry, alice, bob, carol } = await threeListed();
      assert.equal(await registry.read.orchestratorCount(), 3n);
      const all = [alice, bob, carol].map((w) => w.account.address.toLowerCase());
      assert.deepEqual(addrs(await registry.read.getOrchestrators([0n, 3n])), all);
      assert.deepEqual(addrs(await registry.read.getOrchestrators([0n, 2n])), all.slice(0, 2));
      assert.deepEqual(addrs(await registry.read.getOrchestrators([1n, 1n])), all.slice(1, 2));
    });

    it("returns a short page at the end and an empty one past it or for limit 0", async () => {
      const { registry, carol } = await threeListed();
      assert.deepEqual(addrs(await registry.read.getOrchestrators([2n, 10n])), [carol.account.address.toLowerCase()]);
      assert.deepEqual(await registry.read.getOrchestrators([3n, 10n]), []);
      assert.deepEqual(await registry.read.getOrchestrators([MAX_UINT256, 10n]), []);
      assert.deepEqual(await registry.read.getOrchestrators([0n, 0n]), []);
    });

    it("treats a limit of type(uint256).max as 'the rest' without overflowing", async () => {
      const { registry } = await threeListed();
      assert.equal((await registry.read.getOrchestrators([1n, MAX_UINT256])).length, 2);
    });

    it("returns each entry's URI, services and regions", async () => {
      const { registry, alice, bob } = await threeListed();
      const [a, b] = await registry.read.getOrchestrators([0n, 2n]);
      assert.ok(a && b);
      assert.equal(a.serviceURI, "https://alice.example");
      assert.deepEqual(a.services, SERVICES);
      assert.deepEqual(a.regions, REGIONS);
      assert.equal(b.addr.toLowerCase(), bob.account.address.toLowerCase());
      assert.equal(b.serviceURI, "");
      assert.deepEqual(b.services, []);
      assert.deepEqual(b.regions, ["us-west"]);
      assert.deepEqual(await registry.read.getOrchestrator([alice.account.address]), a);
    });

    it("reports zero standing for addresses the BondingManager has not registered", async () => {
      const { registry } = await threeListed();
      for (const o of await registry.read.getOrchestrators([0n, 3n])) {
        assert.equal(o.registered, false);
        assert.equal(o.active, false);
        assert.equal(o.totalStake, 0n);
        assert.equal(o.rewardCutPpm, 0n);
        assert.equal(o.feeSharePpm, 0n);
      }
    });

    it("reports stake, cuts and activation from the BondingManager", async () => {
      const { p, registry, alice, bob } = await threeListed();
      const stake = 1_000n * LPT;
      // Bonding needs an initialized round; start a fresh one so that the few blocks below stay inside it.
      await advanceRounds(p, 1);
      await registerOrchestrator(p, alice, { stake, rewardCutPpm: 50_000n, feeSharePpm: 750_000n });
      // A delegator's bond counts toward the orchestrator's total stake.
      await p.token.write.transfer([bob.account.address, 200n * LPT]);
      await p.token.write.approve([p.bondingManager.address, 200n * LPT], { account: bob.account });
      await p.bondingManager.write.bond([200n * LPT, alice.account.address], { account: bob.account });

      let [a] = await registry.read.getOrchestrators([0n, 1n]);
      assert.ok(a);
      assert.equal(a.registered, true);
      assert.equal(a.totalStake, stake + 200n * LPT);
      assert.equal(a.rewardCutPpm, 50_000n);
      assert.equal(a.feeSharePpm, 750_000n);
      assert.equal(a.active, await p.bondingManager.read.isActiveTranscoder([alice.account.address]));

      await advanceRounds(p, 1);
      [a] = await registry.read.getOrchestrators([0n, 1n]);
      assert.ok(a);
      assert.equal(a.active, true, "active once a round starts with its stake above minActiveStake");
      assert.deepEqual(await registry.read.getOrchestrator([alice.account.address]), a);
    });

    it("reports an orchestrator that unbonded everything as unregistered", async () => {
      const { p, registry, alice } = await threeListed();
      await advanceRounds(p, 1);
      await registerOrchestrator(p, alice, { stake: 500n * LPT });
      await p.bondingManager.write.unbond([500n * LPT], { account: alice.account });
      const a = await registry.read.getOrchestrator([alice.account.address]);
      assert.equal(a.registered, false);
      assert.equal(a.totalStake, 0n);
      assert.equal(a.serviceURI, "https://alice.example", "its advertisement stays for when it bonds again");
    });

    it("describes an address that never updated its entry", async () => {
      const { registry } = await threeListed();
      const stranger = "0x000000000000000000000000000000000000dEaD" as Address;
      const o = await registry.read.getOrchestrator([stranger]);
      assert.equal(o.addr, stranger);
      assert.equal(o.serviceURI, "");
      assert.deepEqual(o.services, []);
      assert.deepEqual(o.regions, []);
      assert.equal(o.registered, false);
    });
  });
});
