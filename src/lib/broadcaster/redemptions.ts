// Which of this broadcaster's tickets won: the TicketBroker's WinningTicketRedeemed events for the sender, read from
// the chain rather than taken from an orchestrator's word, and matched to segments by senderNonce.
import type { Address, PublicClient } from "viem";
import { ticketBrokerAbi } from "../chain/abis.generated.ts";

export interface RedeemedTicket {
  recipient: Address;
  senderNonce: bigint;
  faceValueWei: bigint;
  blockNumber: bigint;
}

/** Every winning ticket of `sender` redeemed since `fromBlock`. */
export async function readRedeemedTickets(
  publicClient: Pick<PublicClient, "getContractEvents">,
  ticketBroker: Address,
  sender: Address,
  fromBlock: bigint,
): Promise<RedeemedTicket[]> {
  const logs = await publicClient.getContractEvents({
    address: ticketBroker,
    abi: ticketBrokerAbi,
    eventName: "WinningTicketRedeemed",
    args: { sender },
    fromBlock,
  });
  return logs.map((log) => ({
    recipient: log.args.recipient!,
    senderNonce: log.args.senderNonce!,
    faceValueWei: log.args.faceValue!,
    blockNumber: log.blockNumber,
  }));
}

/** Wins per segment: each redeemed ticket counted for the segment whose payment carried its nonce. */
export function winsBySegment(redeemed: readonly RedeemedTicket[], segmentOfNonce: ReadonlyMap<bigint, number>): Map<number, number> {
  const wins = new Map<number, number>();
  for (const { senderNonce } of redeemed) {
    const segment = segmentOfNonce.get(senderNonce);
    if (segment !== undefined) wins.set(segment, (wins.get(segment) ?? 0) + 1);
  }
  return wins;
}
