import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keccak256, toHex, type Hex } from "viem";
import { RedemptionQueue, retryDelayMs, type WinningTicket } from "./redemption-queue.ts";

function winning(n: number, o: Partial<{ faceValue: bigint; expirationRound: bigint }> = {}): WinningTicket {
  return {
    ticketHash: keccak256(toHex(`ticket-${n}`)),
    ticket: {
      recipient: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
      sender: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
      faceValue: o.faceValue ?? 10n ** 16n,
      winProb: 2n ** 255n,
      senderNonce: BigInt(n),
      recipientRandHash: keccak256(toHex(`rand-${n}`)),
      auxData: `0x${"00".repeat(64)}`,
    },
    sig: `0x${"11".repeat(65)}` as Hex,
    recipientRand: 123456789n + BigInt(n),
    expirationRound: o.expirationRound ?? 10n,
  };
}

async function tempDbPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "streamflow-queue-")), "queue.sqlite");
}

describe("RedemptionQueue", () => {
  it("keeps a winning ticket with every field exactly, bigints included", () => {
    const q = RedemptionQueue.open(":memory:");
    const t = winning(1, { faceValue: 2n ** 200n });
    expect(q.enqueue(t)).toBe(true);
    expect(q.get(t.ticketHash)).toMatchObject({ ...t, status: "queued", attempts: 0, txHash: null });
  });

  it("queues a ticket once: the same hash again is ignored", () => {
    const q = RedemptionQueue.open(":memory:");
    expect(q.enqueue(winning(1))).toBe(true);
    expect(q.enqueue(winning(1))).toBe(false);
    expect(q.totals().queued.count).toBe(1);
  });

  it("offers due tickets soonest-expiring first, then the largest face value, and never expired ones", () => {
    const q = RedemptionQueue.open(":memory:");
    q.enqueue(winning(1, { expirationRound: 12n, faceValue: 5n }));
    q.enqueue(winning(2, { expirationRound: 11n, faceValue: 1n }));
    q.enqueue(winning(3, { expirationRound: 11n, faceValue: 100n }));
    q.enqueue(winning(4, { expirationRound: 9n }));
    const due = q.due(10n);
    expect(due.map((t) => t.ticket.senderNonce)).toEqual([3n, 2n, 1n]);
  });

  it("retries a failed redemption after a growing delay", () => {
    const q = RedemptionQueue.open(":memory:");
    const t = winning(1);
    q.enqueue(t, 0);
    q.markRetry(t.ticketHash, "nonce too low", 1_000);
    expect(q.due(0n, 1_000)).toHaveLength(0);
    expect(q.due(0n, 1_000 + retryDelayMs(1))).toHaveLength(1);
    q.markRetry(t.ticketHash, "again", 10_000);
    expect(q.get(t.ticketHash)).toMatchObject({ attempts: 2, nextAttemptAtMs: 10_000 + retryDelayMs(2), lastError: "again" });
    expect(retryDelayMs(1)).toBe(2_000);
    expect(retryDelayMs(100)).toBe(300_000);
  });

  it("records submission and redemption with the transaction hash", () => {
    const q = RedemptionQueue.open(":memory:");
    const [a, b] = [winning(1), winning(2)];
    q.enqueue(a);
    q.enqueue(b);
    const tx = keccak256(toHex("tx"));
    q.markSubmitted([a.ticketHash, b.ticketHash], tx);
    expect(q.withStatus("submitted")).toHaveLength(2);
    expect(q.due(0n)).toHaveLength(0);
    q.markRedeemed([a.ticketHash, b.ticketHash], tx);
    expect(q.totals().redeemed).toEqual({ count: 2, faceValueWei: 2n * 10n ** 16n });
    expect(q.get(a.ticketHash)?.txHash).toBe(tx);
  });

  it("marks tickets that expired unredeemed as lost, and counts them", () => {
    const q = RedemptionQueue.open(":memory:");
    q.enqueue(winning(1, { expirationRound: 5n }));
    q.enqueue(winning(2, { expirationRound: 9n }));
    const lost = q.expire(5n);
    expect(lost.map((t) => t.ticket.senderNonce)).toEqual([1n]);
    expect(q.totals().lost.count).toBe(1);
    expect(q.get(winning(1).ticketHash)?.lastError).toMatch(/expired at round 5/);
  });

  it("never retries a rejected ticket", () => {
    const q = RedemptionQueue.open(":memory:");
    q.enqueue(winning(1));
    q.markRejected(winning(1).ticketHash, "TicketAlreadyUsed");
    expect(q.due(0n)).toHaveLength(0);
    expect(q.totals().rejected.count).toBe(1);
  });

  it("keeps a ticket enqueued by a process that is then killed with SIGKILL", async () => {
    const path = await tempDbPath();
    const t = winning(7);
    // A child process enqueues, says so, and is killed -9 straight away: no close(), no graceful anything.
    const script = `
      import { RedemptionQueue } from ${JSON.stringify(new URL("./redemption-queue.ts", import.meta.url).pathname)};
      const t = JSON.parse(process.argv[2], (k, v) => typeof v === "string" && /^n\\d+$/.test(v) ? BigInt(v.slice(1)) : v);
      RedemptionQueue.open(process.argv[1]).enqueue(t);
      process.stdout.write("enqueued\\n");
      setInterval(() => {}, 1000);
    `;
    const encoded = JSON.stringify(t, (_, v) => (typeof v === "bigint" ? `n${v}` : v));
    const child = spawn(process.execPath, ["--no-warnings", "--input-type=module", "-e", script, path, encoded], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => d.toString().includes("enqueued") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));

    const reopened = RedemptionQueue.open(path);
    expect(reopened.get(t.ticketHash)).toMatchObject({ ...t, status: "queued" });
    reopened.close();
  }, 20_000);
});
