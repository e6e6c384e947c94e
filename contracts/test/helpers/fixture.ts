// Test fixture: deploys the protocol with the same module as `npm run deploy`, plus the moves every contract test
// needs (advance rounds, register an orchestrator, fund a sender). Real contracts on Hardhat's EDR chain.
import type { Address } from "viem";
import type { HardhatViemHelpers, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { deployStreamflow, initializeRoundIfNeeded, type Protocol } from "../../../scripts/lib/deploy-streamflow.ts";
import { LOCAL_PARAMS, LPT, type ProtocolParams } from "../../../scripts/lib/protocol-params.ts";

export { LPT };
export type { Protocol };

/** The parameters contract tests run with (the local defaults: 20-block rounds, validity 2 < unlock 3 rounds). */
export const TEST_PARAMS: ProtocolParams = LOCAL_PARAMS;

export interface TestProtocol extends Protocol {
  viem: HardhatViemHelpers;
  networkHelpers: NetworkHelpers;
}

/** Ten of the chain's dev accounts, typed as a tuple so that destructuring needs no undefined checks. */
export type DevWallets = [
  WalletClient, WalletClient, WalletClient, WalletClient, WalletClient,
  WalletClient, WalletClient, WalletClient, WalletClient, WalletClient,
];

/** The chain's first ten dev wallets; #0 is the deployer (and genesis LPT holder). */
export async function devWallets(viem: HardhatViemHelpers): Promise<DevWallets> {
  const wallets = await viem.getWalletClients();
  if (wallets.length < 10) throw new Error(`the test chain has ${wallets.length} dev accounts; 10 are needed`);
  return wallets.slice(0, 10) as DevWallets;
}

/** Deploys everything and initializes the first round. */
export async function deployProtocol(
  viem: HardhatViemHelpers,
  networkHelpers: NetworkHelpers,
  params: ProtocolParams = TEST_PARAMS,
): Promise<TestProtocol> {
  const protocol = await deployStreamflow(viem, params);
  await initializeRoundIfNeeded(protocol, await viem.getPublicClient());
  return { ...protocol, viem, networkHelpers };
}

/** Mines to the start of the next round and initializes it, `n` times. Returns the new current round. */
export async function advanceRounds(p: TestProtocol, n = 1): Promise<bigint> {
  for (let i = 0; i < n; i++) {
    const nextRoundStart = (await p.rounds.read.currentRoundStartBlock()) + (await p.rounds.read.roundLength());
    await p.networkHelpers.mineUpTo(nextRoundStart);
    await p.rounds.write.initializeRound();
  }
  return p.rounds.read.currentRound();
}

/** Sends `amount` LPT from the deployer (the genesis holder) to `to`. */
export async function giveLpt(p: TestProtocol, to: Address, amount: bigint): Promise<void> {
  await p.token.write.transfer([to, amount]);
}

/**
 * Initializes the current round if the chain has moved into a new one: every stake-changing call needs it, and a
 * few transactions are enough to cross a 20-block round.
 */
export async function ensureRoundInitialized(p: TestProtocol): Promise<void> {
  if (!(await p.rounds.read.currentRoundInitialized())) await p.rounds.write.initializeRound();
}

/** Gives `wallet` LPT, approves the BondingManager and bonds `amount` of it to `to`. */
export async function bondFrom(p: TestProtocol, wallet: WalletClient, amount: bigint, to: Address): Promise<void> {
  const account = wallet.account;
  await giveLpt(p, account.address, amount);
  await p.token.write.approve([p.bondingManager.address, amount], { account });
  await ensureRoundInitialized(p);
  await p.bondingManager.write.bond([amount, to], { account });
}

export interface OrchestratorOptions {
  stake: bigint;
  rewardCutPpm?: bigint;
  feeSharePpm?: bigint;
}

/** Registers `wallet` as an orchestrator: bonds `stake` to itself and sets its cuts. Active from the next round. */
export async function registerOrchestrator(
  p: TestProtocol,
  wallet: WalletClient,
  { stake, rewardCutPpm = 100_000n, feeSharePpm = 500_000n }: OrchestratorOptions,
): Promise<Address> {
  await bondFrom(p, wallet, stake, wallet.account.address);
  await ensureRoundInitialized(p);
  await p.bondingManager.write.transcoder([rewardCutPpm, feeSharePpm], { account: wallet.account });
  return wallet.account.address;
}

/** Funds `wallet`'s TicketBroker deposit and reserve from its own ETH. */
export async function fundSender(p: TestProtocol, wallet: WalletClient, deposit: bigint, reserve: bigint): Promise<void> {
  await p.ticketBroker.write.fundDepositAndReserve([deposit, reserve], {
    account: wallet.account,
    value: deposit + reserve,
  });
}
