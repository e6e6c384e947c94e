// Gas of redeeming winning tickets on the bench chain: one ticket alone, and per ticket in batches, as the node's
// redeemer sends them; beside it a plain ETH transfer sent the same way (21,000 gas), so the path is shown honest.
import { hexToBigInt, parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { roundsManagerAbi, ticketBrokerAbi } from "../../src/lib/chain/abis.generated.ts";
import { makeTicket, recipientRandHash, signTicket } from "../../src/lib/protocol/ticket.ts";
import type { SignedTicket } from "../../src/lib/protocol/types.ts";
import { calldata, DEPLOYER, type BenchChain } from "./chain-fixture.ts";

/** Measured redemptions of each kind (after one unmeasured warm-up of each). */
export const REDEEM_RUNS = 3;
/** Wins every time: keccak256(sig, recipientRand) < 2^256 - 1 fails for one value in 2^256. */
const ALWAYS_WINS = 2n ** 256n - 1n;
const FACE_VALUE_WEI = 10n ** 12n;
/** Enough for a batch of 50, under the chain's per-transaction cap of 2^24 (a batch skips a ticket whose inner call runs out of gas). */
const BATCH_GAS_LIMIT = 16_000_000n;

export interface RedemptionGas {
  /** A plain ETH transfer from the orchestrator, through the same send-mine-receipt path. */
  ethTransfer: number[];
  /** The orchestrator's first redemption (its first fees: the BondingManager writes fresh slots). */
  firstSingle: number;
  single: number[];
  /** Per ticket, tickets from one sender (one stream's winners). */
  batch10: number[];
  batch50: number[];
  /** Per ticket, each ticket from another sender. */
  batch10Senders: number;
  batch50Senders: number;
}

type Winner = { signed: SignedTicket; recipientRand: bigint };

/** Funds 50 senders, then redeems as described in RedemptionGas for `orchestrator` (registered and active). */
export async function measureRedemptionGas(chain: BenchChain, orchestrator: Address): Promise<RedemptionGas> {
  const { TicketBroker: broker, RoundsManager: rounds } = chain.deployments.contracts;
  const senders = Array.from({ length: 50 }, () => privateKeyToAccount(generatePrivateKey()));
  const deposit = parseEther("1");
  await chain.mineAll(
    await chain.send(senders.map((s) => ({ from: DEPLOYER, to: broker, data: calldata(ticketBrokerAbi, "fundDepositAndReserveFor", [s.address, deposit, deposit / 10n]), value: deposit + deposit / 10n }))),
  );
  await chain.advanceRound(); // tickets are made in a round that the measurements do not leave

  const round = BigInt(await chain.call(rounds, calldata(roundsManagerAbi, "currentRound")));
  const blockHash = await chain.call(rounds, calldata(roundsManagerAbi, "blockHashForRound", [round]));
  let nonce = 0n;
  const winner = async (sender: PrivateKeyAccount): Promise<Winner> => {
    // A fresh recipientRand per ticket, as after every win the node issues new params.
    const recipientRand = hexToBigInt(generatePrivateKey());
    const params = {
      recipient: orchestrator, faceValue: FACE_VALUE_WEI, winProb: ALWAYS_WINS, recipientRandHash: recipientRandHash(recipientRand),
      seed: generatePrivateKey(), expirationBlock: 1n << 40n, creationRound: round, creationRoundBlockHash: blockHash,
    };
    return { signed: await signTicket(sender, makeTicket(params, sender.address, ++nonce)), recipientRand };
  };
  const winners = (from: readonly PrivateKeyAccount[], n: number) => Promise.all(Array.from({ length: n }, (_, i) => winner(from[i % from.length]!)));
  const gasOf = async (data: Hex) => Number(hexToBigInt((await chain.transact({ from: orchestrator, to: broker, data, gas: BATCH_GAS_LIMIT })).gasUsed));
  const ethTransfer = async () => Number(hexToBigInt((await chain.transact({ from: orchestrator, to: DEPLOYER, value: 1n })).gasUsed));
  const redeem = async ([w]: Winner[]) => gasOf(calldata(ticketBrokerAbi, "redeemWinningTicket", [w!.signed.ticket, w!.signed.sig, w!.recipientRand]));
  const perTicket = async (batch: Winner[]) =>
    (await gasOf(calldata(ticketBrokerAbi, "batchRedeemWinningTickets", [batch.map((w) => w.signed.ticket), batch.map((w) => w.signed.sig), batch.map((w) => w.recipientRand)]))) / batch.length;

  const one = senders.slice(0, 1);
  const firstSingle = await redeem(await winners(one, 1));
  const result: RedemptionGas = { ethTransfer: [], firstSingle, single: [], batch10: [], batch50: [], batch10Senders: 0, batch50Senders: 0 };
  await perTicket(await winners(one, 10)); // warm-up: the sender's and the broker's slots written once by a batch
  for (let i = 0; i < REDEEM_RUNS; i++) {
    result.ethTransfer.push(await ethTransfer());
    result.single.push(await redeem(await winners(one, 1)));
    result.batch10.push(await perTicket(await winners(one, 10)));
    result.batch50.push(await perTicket(await winners(one, 50)));
  }
  result.batch10Senders = await perTicket(await winners(senders.slice(0, 10), 10));
  result.batch50Senders = await perTicket(await winners(senders, 50));
  return result;
}
