// Issue acceptance: kill -9 of the orchestrator node while a winning ticket waits in its queue; after a restart
// on the same data dir, the ticket is redeemed and its fees reach the orchestrator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { stopAll } from "../../scripts/lib/processes.ts";
import type { JobRequest } from "../../src/lib/protocol/messages.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "./e2e-network.ts";
import { NodeBroadcaster } from "./node-broadcaster.ts";

const ORCHESTRATOR: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"; // dev account #3, seeded
/** A price above the gas-sized face value: the face value is then the price itself and every ticket wins. */
const SETTINGS = { pricePerSegmentWei: (10n ** 17n).toString() };

let net: E2eNetwork;

beforeAll(async () => {
  // The first run redeems nothing for ten minutes: the winning ticket stays queued until the crash.
  net = await startE2eNetwork({ chainPort: 18650, nodePort: 18955, devAccount: 3, nodeSettings: { ...SETTINGS, redeemIntervalMs: 600_000 } });
}, 240_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

describe("orchestrator node crash", () => {
  it("redeems after a kill -9 the winning tickets it had queued", async () => {
    const account = await net.fundedBroadcaster();
    const job: JobRequest = {
      v: 1, type: "jobRequest", streamId: "crash", serviceId: "CPUTranscoding", broadcaster: account.address,
      input: { codec: "h264", width: 1280, height: 720, fps: 30 },
      output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
    };
    const broadcaster = new NodeBroadcaster(account, net.nodeUrl);
    await broadcaster.quote(job);
    await broadcaster.open(job);
    const [segment] = await makeSegmentedClip({ count: 1 });
    const reply = await broadcaster.sendSegment("crash", 0, segment!, 2000);
    expect(reply.message.type).toBe("result");
    broadcaster.close();
    expect(await net.metrics()).toMatch(/streamflow_tickets_won_total [1-9]/);

    const feesBefore = await net.pendingFees(ORCHESTRATOR);
    await net.killNode();
    expect(await net.pendingFees(ORCHESTRATOR)).toBe(feesBefore); // nothing was redeemed before the crash

    await net.restartNode({ ...SETTINGS, redeemIntervalMs: 500 });
    const fees = await waitFor(
      "the queued winning ticket redeemed after the restart",
      async () => {
        const now = await net.pendingFees(ORCHESTRATOR);
        return now > feesBefore ? now : undefined;
      },
      60_000,
      net.nodeLog,
    );
    expect(fees).toBeGreaterThan(feesBefore);
    // The node's counters follow its redeemer once a second.
    await waitFor("the redemption in the node's metrics", async () => (/streamflow_tickets_redeemed_total [1-9]/.test(await net.metrics()) ? true : undefined), 10_000);
  }, 180_000);
});
