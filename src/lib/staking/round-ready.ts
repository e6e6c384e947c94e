// Staking writes at a round boundary. Bond, unbond, rebond and withdraw revert while the current round is not
// initialized, and on the local chain (a block a second, 20-block rounds) a new round begins every 20 s and waits a
// few seconds for the round keeper: a write checked in the old round can be refused or mined in the new one (CI's
// staking e2e: "Bond 1000 LPT: failed."). Such a write is sent again once the round is initialized, by the keeper
// or else by this account (anyone may, as on Livepeer), instead of failing for the person.
import type { Address, PublicClient } from "viem";
import type { FundingClient } from "../broadcaster/funds.ts";
import { roundsManagerAbi } from "../chain/abis.generated.ts";
import { ContractRefused, sendTransaction, TransactionReverted, type ContractWrite, type OnTransactionProgress } from "../chain/transactions.ts";

/** How long to leave the round keeper to initialize a new round before doing it from this account. */
const KEEPER_GRACE_MS = 5_000;
const POLL_MS = 500;

/** Sends writes in order, as sendTransactions does; one refused for the round boundary is sent once more. */
export async function sendStakingTransactions(
  client: FundingClient,
  publicClient: PublicClient,
  roundsManager: Address,
  writes: readonly ContractWrite[],
  onProgress: OnTransactionProgress = () => {},
): Promise<void> {
  const rounds = { address: roundsManager, abi: roundsManagerAbi } as const;
  const currentRound = () => publicClient.readContract({ ...rounds, functionName: "currentRound" });
  for (const write of writes) {
    const roundBefore = await currentRound();
    try {
      await sendTransaction(client, write, onProgress);
    } catch (error) {
      const notInitialized = error instanceof ContractRefused && ["CurrentRoundNotInitialized", "RoundNotInitialized"].includes(error.errorName);
      const revertedAcrossRounds = error instanceof TransactionReverted && (await currentRound()) !== roundBefore;
      if (!notInitialized && !revertedAcrossRounds) throw error;
      await roundInitialized(client, publicClient, roundsManager, onProgress);
      await sendTransaction(client, write, onProgress);
    }
  }
}

/** Waits for the round keeper to initialize the current round, and initializes it from `client` if it has not. */
export async function roundInitialized(client: FundingClient, publicClient: PublicClient, roundsManager: Address, onProgress: OnTransactionProgress): Promise<void> {
  const rounds = { address: roundsManager, abi: roundsManagerAbi } as const;
  const initialized = () => publicClient.readContract({ ...rounds, functionName: "currentRoundInitialized" });
  for (const until = Date.now() + KEEPER_GRACE_MS; Date.now() < until; await new Promise((r) => setTimeout(r, POLL_MS))) {
    if (await initialized()) return;
  }
  const round = await publicClient.readContract({ ...rounds, functionName: "currentRound" });
  try {
    await sendTransaction(client, { ...rounds, label: `Initialize round ${round} (the round keeper has not yet)`, functionName: "initializeRound" }, onProgress);
  } catch (error) {
    // The keeper got there between the read and the write: the round is initialized all the same.
    if (!(error instanceof ContractRefused && error.errorName === "RoundAlreadyInitialized") && !(await initialized())) throw error;
  }
}
