// The verifier's view of the chain through viem: ChallengeFiled logs, a challenge's status, its own verdicts, and
// submitVerdict sent from its nonce-managed key after a simulation that names the contract's refusal.
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  getContract,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { bondingManagerAbi, faultVerifierAbi, roundsManagerAbi } from "../../src/lib/chain/abis.generated.ts";
import type { ChainClients } from "../chain/clients.ts";
import type { ChallengeFiled } from "./challenge-book.ts";
import { VerdictRefused, type OnChainStatus, type VerifierChain } from "./verifier.ts";

/** IFaultVerifier.ChallengeStatus by its Solidity index. */
const STATUS: readonly OnChainStatus[] = ["none", "open", "faulty", "not-faulty", "withdrawn"];
/** submitVerdict may slash, which may initialize the round: the BondingManager's and RoundsManager's errors bubble up. */
const ERRORS_ABI = [...faultVerifierAbi, ...bondingManagerAbi, ...roundsManagerAbi].filter((item) => item.type === "error") as Abi;

export class NotInVerifierSet extends Error {
  override readonly name = "NotInVerifierSet";
  readonly nextStep: string;

  constructor(account: Address, contract: Address) {
    super(`${account} is not in the verifier set of the FaultVerifier at ${contract}: its verdicts would be refused`);
    this.nextStep = `have the FaultVerifier's owner call addVerifier(${account}), or start the verifier with a key in the set`;
  }
}

export function faultVerifierContract(clients: ChainClients, address: Address) {
  return getContract({ abi: faultVerifierAbi, address, client: { public: clients.publicClient, wallet: clients.walletClient } });
}

/** @throws NotInVerifierSet when this key cannot submit verdicts */
export async function assertInVerifierSet(clients: ChainClients, address: Address): Promise<void> {
  if (!(await faultVerifierContract(clients, address).read.isVerifier([clients.account.address]))) {
    throw new NotInVerifierSet(clients.account.address, address);
  }
}

export function viemVerifierChain(clients: ChainClients, faultVerifierAddress: Address): VerifierChain {
  const fv = faultVerifierContract(clients, faultVerifierAddress);
  const me = clients.account.address;
  return {
    blockNumber: () => clients.publicClient.getBlockNumber({ cacheTime: 0 }),
    async challengesFiled(fromBlock, toBlock) {
      const logs = await clients.publicClient.getContractEvents({
        address: faultVerifierAddress,
        abi: faultVerifierAbi,
        eventName: "ChallengeFiled",
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map(
        (log): ChallengeFiled => ({
          id: log.args.id,
          challenger: log.args.challenger,
          orchestrator: log.args.orchestrator,
          inputHash: log.args.inputHash,
          jobHash: log.args.jobHash,
          renditionHash: log.args.renditionHash,
          rendition: log.args.rendition,
          round: log.args.round,
          streamId: log.args.streamId,
          sequenceNumber: log.args.sequenceNumber,
          blockNumber: log.blockNumber,
          transactionHash: log.transactionHash,
        }),
      );
    },
    async challenge(id) {
      const c = await fv.read.getChallenge([id]);
      return { status: STATUS[c.status] ?? "none", verdictDeadlineRound: c.verdictDeadlineRound };
    },
    currentRound: () => clients.contracts.rounds.read.currentRound(),
    hasJudged: (id) => fv.read.hasJudged([id, me]),
    async sendVerdict(id, faulty) {
      try {
        const { request } = await clients.publicClient.simulateContract({
          account: clients.account,
          address: faultVerifierAddress,
          abi: faultVerifierAbi,
          functionName: "submitVerdict",
          args: [id, faulty],
        });
        return await clients.walletClient.writeContract(request);
      } catch (error) {
        const name = revertErrorName(error);
        if (name) throw new VerdictRefused(name, error instanceof BaseError ? error.shortMessage : String(error));
        throw error;
      }
    },
    async waitForTransaction(hash) {
      return (await clients.publicClient.waitForTransactionReceipt({ hash })).status === "success";
    },
  };
}

function revertErrorName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  if (revert.data?.errorName) return revert.data.errorName;
  const raw: Hex = revert.raw ?? "0x";
  if (raw === "0x") return "EmptyRevert";
  try {
    return decodeErrorResult({ abi: ERRORS_ABI, data: raw }).errorName;
  } catch {
    return `UnknownError(${raw.slice(0, 10)})`;
  }
}
