// Moves the staking tests share: protocol parameters with long rounds, named test wallets, crediting fees through a
// real winning ticket, and stepping into a round nobody has initialized.
import type { Address, Hash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { HardhatViemHelpers, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import { TEST_PARAMS, type TestProtocol } from "../helpers/fixture.ts";
import type { ProtocolParams } from "../../../scripts/lib/protocol-params.ts";
import { makeTicket, newSenderAccount } from "../helpers/tickets.ts";

/** TEST_PARAMS with 1,000-block rounds: every transaction mines a block, so with 20-block rounds a test that sends a
 *  few dozen transactions would cross into an uninitialized round by accident. Rounds here pass only through
 *  advanceRounds or enterUninitializedRound. */
export const STAKING_TEST_PARAMS: ProtocolParams = { ...TEST_PARAMS, roundLengthBlocks: 1_000n };

/** Funds a sender's deposit with exactly `faceValue` (from the deployer) and redeems one always-winning ticket of that
 *  face value for `recipient`: the TicketBroker then credits the fees through updateTranscoderWithFees and moves the
 *  ETH to the Minter. Returns the redemption's transaction hash. */
export async function redeemFees(
  p: TestProtocol,
  recipient: Address,
  faceValue: bigint,
  sender: PrivateKeyAccount = newSenderAccount(),
): Promise<Hash> {
  await p.ticketBroker.write.fundDepositAndReserveFor([sender.address, faceValue, 0n], { value: faceValue });
  const signed = await makeTicket(p, sender, { recipient, faceValue });
  return p.ticketBroker.write.redeemWinningTicket([signed.ticket, signed.sig, signed.recipientRand]);
}

/** Mines to the first block of the next round without initializing it. Returns that round. */
export async function enterUninitializedRound(p: TestProtocol): Promise<bigint> {
  const next = (await p.rounds.read.currentRoundStartBlock()) + (await p.rounds.read.roundLength());
  await p.networkHelpers.mineUpTo(next);
  return p.rounds.read.currentRound();
}

type Tuple<T, N extends number, Acc extends T[] = []> = Acc["length"] extends N ? Acc : Tuple<T, N, [T, ...Acc]>;

/** The first `count` funded wallets after the deployer's, typed as a tuple so that each can be destructured by name. */
export async function testWallets<N extends number>(viem: HardhatViemHelpers, count: N): Promise<Tuple<WalletClient, N>> {
  const wallets = (await viem.getWalletClients()).slice(1, 1 + count);
  if (wallets.length < count) throw new Error(`the test network has ${wallets.length + 1} accounts; ${count + 1} needed`);
  return wallets as Tuple<WalletClient, N>;
}
