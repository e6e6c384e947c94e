// Ticket validation throughput on one core as the node runs it (native secp256k1), against raw recovery of the same
// signatures with the same library (the floor: validation must recover every signer). Target: ≥ 5,000 tickets/s/core,
// ratio ≤ 1.2.
import { hashMessage } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { issueTicketParams, newRecipientSecret } from "../../src/lib/protocol/params.ts";
import { makeTicket, signTicket, ticketHash } from "../../src/lib/protocol/ticket.ts";
import { TicketValidator } from "../../orchestrator-node/payments/validator.ts";
import { nativeRecovery } from "../../orchestrator-node/payments/native-recover.ts";
import type { SignedTicket } from "../../src/lib/protocol/types.ts";
import { compare, type Figure } from "../stats.ts";

const TICKETS = 2_000;
const RUNS = 5;
const ORCHESTRATOR = privateKeyToAccount(generatePrivateKey());
const BLOCK_HASH = `0x${"ab".repeat(32)}` as const;

export async function ticketValidation(): Promise<Figure[]> {
  const secret = newRecipientSecret();
  const sender = privateKeyToAccount(generatePrivateKey());
  const params = issueTicketParams({
    secret, recipient: ORCHESTRATOR.address, faceValue: 10n ** 16n, winProb: 1n,
    expirationBlock: 1_000_000n, creationRound: 10n, creationRoundBlockHash: BLOCK_HASH,
  });
  const signed: SignedTicket[] = [];
  for (let i = 1; i <= TICKETS; i++) signed.push(await signTicket(sender, makeTicket(params, sender.address, BigInt(i))));
  // The baseline starts from the EIP-191 digests, computed beforehand: pure signature recovery.
  const digests = signed.map((s) => hashMessage({ raw: ticketHash(s.ticket) }));

  const { subject, baseline } = await compare(
    RUNS,
    async () => {
      // A fresh validator each run: every nonce is new to it, as in a live stream.
      const validator = new TicketValidator({
        secret, recipient: ORCHESTRATOR.address, ticketValidityPeriodRounds: 2n,
        blockHashForRound: async () => BLOCK_HASH, maxNoncesPerRecipientRandHash: TICKETS + 1,
        recoverSigner: nativeRecovery, // as the node runs it
      });
      for (const s of signed) {
        const checked = await validator.check(
          { seed: params.seed, expirationBlock: params.expirationBlock, tickets: [s] },
          { currentBlock: 100n, currentRound: 10n, sender: sender.address },
        );
        if (checked.acceptedTickets !== 1) throw new Error(`bench ticket refused: ${checked.rejections[0]?.error.message}`);
        validator.commit(checked);
      }
    },
    async () => {
      for (const [i, s] of signed.entries()) await nativeRecovery(digests[i]!, s.sig);
    },
  );
  const perSecond = (ms: number) => (TICKETS / ms) * 1000;
  const throughput = perSecond(subject.median);
  return [
    {
      name: "ticket validation (1 core)",
      unit: "ms per 2,000 tickets",
      subject,
      baselineName: "raw ecrecover",
      baseline,
      ratio: subject.median / baseline.median,
      target: { ratioAtMost: 1.2, valueAtLeast: 5_000, describe: "≥ 5,000 tickets/s and ratio ≤ 1.2" },
      met: throughput >= 5_000 && subject.median / baseline.median <= 1.2,
      extra: { ticketsPerSecond: Math.round(throughput), ecrecoverPerSecond: Math.round(perSecond(baseline.median)) },
    },
  ];
}
