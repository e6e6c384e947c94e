import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { ChainUnavailable, LowPMBalance, SenderUnlocking } from "../../src/lib/protocol/errors.ts";
import { SenderMonitor, type SenderFunds } from "./monitor.ts";

const SENDER: Address = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc";
const ETH = 10n ** 18n;

function funds(o: Partial<SenderFunds> = {}): SenderFunds {
  return { deposit: 1n * ETH, reserve: 3n * ETH, claimedInCurrentRound: 0n, claimedByMe: 0n, poolSize: 3n, withdrawRound: 0n, ...o };
}

function monitorOver(readings: SenderFunds[]) {
  let reads = 0;
  const source = async () => readings[Math.min(reads++, readings.length - 1)]!;
  return { monitor: new SenderMonitor(source, { maxAgeMs: 1_000 }), reads: () => reads };
}

describe("SenderMonitor", () => {
  it("accepts a ticket the deposit and this orchestrator's reserve share both cover", async () => {
    const { monitor } = monitorOver([funds()]);
    await expect(monitor.check(SENDER, ETH, 0)).resolves.toBeUndefined(); // share = 3 ETH / 3 = 1 ETH
  });

  it("refuses with LowPMBalance when the face value exceeds the reserve share", async () => {
    const { monitor } = monitorOver([funds()]);
    const error = await monitor.check(SENDER, ETH + 1n, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LowPMBalance);
    expect((error as LowPMBalance).data).toMatchObject({ sender: SENDER, faceValue: ETH + 1n, maxFloat: ETH });
    expect((error as LowPMBalance).nextStep).toMatch(/Top up/);
  });

  it("refuses with ChainUnavailable, not an internal error, when the chain cannot be read, and reads again after", async () => {
    let down = true;
    const monitor = new SenderMonitor(async () => {
      if (down) throw new Error("HTTP request failed.");
      return funds();
    });
    const error = await monitor.check(SENDER, ETH, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainUnavailable);
    expect((error as ChainUnavailable).nextStep).toMatch(/again/);
    down = false;
    await expect(monitor.check(SENDER, ETH, 1)).resolves.toBeUndefined();
  });

  it("refuses with LowPMBalance when the deposit cannot cover the ticket", async () => {
    const { monitor } = monitorOver([funds({ deposit: ETH / 2n })]);
    await expect(monitor.check(SENDER, ETH, 0)).rejects.toBeInstanceOf(LowPMBalance);
  });

  it("counts unredeemed winning tickets against the float until they are redeemed", async () => {
    const { monitor } = monitorOver([funds({ deposit: 10n * ETH })]);
    monitor.addPending(SENDER, ETH / 2n);
    expect(monitor.maxFloat(SENDER, funds())).toBe(ETH / 2n);
    await expect(monitor.check(SENDER, ETH, 0)).rejects.toBeInstanceOf(LowPMBalance);
    await expect(monitor.check(SENDER, ETH / 2n, 0)).resolves.toBeUndefined();
    monitor.removePending(SENDER, ETH / 2n);
    await expect(monitor.check(SENDER, ETH, 0)).resolves.toBeUndefined();
  });

  it("takes this round's reserve claims into account, its own and everyone's", () => {
    const { monitor } = monitorOver([funds()]);
    // 2.4 ETH left after 0.6 ETH claimed this round, 0.2 of them by this orchestrator: share 1 ETH − 0.2 ETH.
    const f = funds({ reserve: (24n * ETH) / 10n, claimedInCurrentRound: (6n * ETH) / 10n, claimedByMe: (2n * ETH) / 10n });
    expect(monitor.maxFloat(SENDER, f)).toBe((8n * ETH) / 10n);
    expect(monitor.maxFloat(SENDER, funds({ poolSize: 0n }))).toBe(0n);
  });

  it("refuses a sender whose unlock is in progress with SenderUnlocking", async () => {
    const { monitor } = monitorOver([funds({ withdrawRound: 42n })]);
    await expect(monitor.check(SENDER, 1n, 0)).rejects.toBeInstanceOf(SenderUnlocking);
  });

  it("reads the chain once per maxAge, and again at once after an invalidation", async () => {
    const { monitor, reads } = monitorOver([funds(), funds({ deposit: 0n })]);
    await monitor.check(SENDER, ETH, 0);
    await monitor.check(SENDER, ETH, 500);
    expect(reads()).toBe(1);
    monitor.invalidate(SENDER);
    await expect(monitor.check(SENDER, ETH, 600)).rejects.toBeInstanceOf(LowPMBalance);
    expect(reads()).toBe(2);
  });
});
