// One timed run of the broadcaster's ticket payer signing a segment's worth of tickets, written once so that the
// page (imported through Vite's dev server) and Node run the very same code: the browser figure's baseline.
import { privateKeyToAccount } from "viem/accounts";
import { issueTicketParams } from "../../src/lib/protocol/params.ts";
import { expectedValue } from "../../src/lib/protocol/winprob.ts";
import { TicketPayer } from "../../src/lib/broadcaster/ticket-payer.ts";
import type { Hex } from "viem";

const FACE_VALUE_WEI = 10n ** 16n;
/** Half of 2^256: every ticket is worth half its face value, so a price of n × EV is paid with exactly n tickets. */
const WIN_PROB = 2n ** 255n;
const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // dev account #1: any address will do
const BLOCK_HASH: Hex = `0x${"ab".repeat(32)}`;

/** Signs `tickets` tickets with the payer (one pay() of a price that needs that many); returns the time taken in ms. */
export async function timeTicketPayer(privateKey: Hex, tickets: number): Promise<number> {
  const account = privateKeyToAccount(privateKey);
  const params = issueTicketParams({
    secret: new Uint8Array(32).fill(7), recipient: RECIPIENT, faceValue: FACE_VALUE_WEI, winProb: WIN_PROB,
    expirationBlock: 1_000_000n, creationRound: 10n, creationRoundBlockHash: BLOCK_HASH,
  });
  const payer = new TicketPayer(account, params, BigInt(tickets) * expectedValue(FACE_VALUE_WEI, WIN_PROB), 1n);
  const started = performance.now();
  const pending = await payer.pay();
  const ms = performance.now() - started;
  if (pending.tickets !== tickets) throw new Error(`the payer signed ${pending.tickets} tickets, not ${tickets}`);
  return ms;
}
