// What the chain and a node's redemption queue say about winning tickets, for the crash tests' "none lost, none
// twice": redemptions on chain counted by ticket hash, and the queue on disk read while or after the node runs.
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { ticketBrokerAbi } from "../../../src/lib/chain/abis.generated.ts";
import { recipientRandHash, ticketHash } from "../../../src/lib/protocol/ticket.ts";
import { RedemptionQueue, type QueuedTicket } from "../../../orchestrator-node/payments/redemption-queue.ts";
import type { E2eNetwork } from "../../e2e/e2e-network.ts";

/** How many times the TicketBroker redeemed each ticket paid to `recipient` (WinningTicketRedeemed), by ticket hash. */
export async function redemptionsOnChain(chain: E2eNetwork["chain"], ticketBroker: Address, recipient: Address): Promise<Map<Hex, number>> {
  const events = await chain.getContractEvents({
    address: ticketBroker, abi: ticketBrokerAbi, eventName: "WinningTicketRedeemed", args: { recipient }, fromBlock: 0n,
  });
  const counts = new Map<Hex, number>();
  for (const e of events) {
    const { recipientRand, ...fields } = e.args as Required<typeof e.args>;
    const hash = ticketHash({ ...fields, recipientRandHash: recipientRandHash(recipientRand) });
    counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  return counts;
}

/** Every winning ticket in the node's queue under `dataDir` (the node may be running: SQLite in WAL mode). */
export function queuedTickets(dataDir: string): QueuedTicket[] {
  const queue = RedemptionQueue.open(join(dataDir, "redemptions.sqlite"));
  try {
    return (["queued", "submitted", "redeemed", "lost", "rejected"] as const).flatMap((s) => queue.withStatus(s));
  } finally {
    queue.close();
  }
}
