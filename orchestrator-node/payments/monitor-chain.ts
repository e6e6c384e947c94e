// Reads sender funds from the chain for the SenderMonitor, and keeps its cache fresh from TicketBroker events.
import type { Address } from "viem";
import type { ChainClients } from "../chain/clients.ts";
import type { SenderFunds, SenderFundsSource, SenderMonitor } from "./monitor.ts";

export function chainSenderFundsSource(c: ChainClients): SenderFundsSource {
  const me = c.account.address;
  return async (sender: Address): Promise<SenderFunds> => {
    const [[info, reserve], claimedByMe, poolSize] = await Promise.all([
      c.contracts.ticketBroker.read.getSenderInfo([sender]),
      c.contracts.ticketBroker.read.claimedReserve([sender, me]),
      c.contracts.bondingManager.read.getTranscoderPoolSize(),
    ]);
    return {
      deposit: info.deposit,
      reserve: reserve.fundsRemaining,
      claimedInCurrentRound: reserve.claimedInCurrentRound,
      claimedByMe,
      poolSize,
      withdrawRound: info.withdrawRound,
    };
  };
}

/** Invalidates a sender's cached funds on every TicketBroker event about it; returns the unwatch function. */
export function watchSenderEvents(c: ChainClients, monitor: SenderMonitor): () => void {
  const senderEvents = ["DepositFunded", "ReserveFunded", "WinningTicketTransfer", "Unlock", "UnlockCancelled", "Withdrawal"] as const;
  const unwatchers = senderEvents.map((eventName) =>
    c.publicClient.watchContractEvent({
      address: c.contracts.ticketBroker.address,
      abi: c.contracts.ticketBroker.abi,
      eventName,
      onLogs: (logs) => {
        for (const log of logs) {
          const args = log.args as { sender?: Address; reserveHolder?: Address };
          const sender = args.sender ?? args.reserveHolder;
          if (sender) monitor.invalidate(sender);
        }
      },
    }),
  );
  return () => unwatchers.forEach((u) => u());
}
