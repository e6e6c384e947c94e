// What an orchestrator's operator sees and changes from the web app: its registration (service URI, services, regions
// in the ServiceRegistry; rewardCut and feeShare in the BondingManager) and its earnings, with edits sent from the
// orchestrator's own wallet. A worse cut for delegators waits out the notice period, and the operator is told so.
import { getAddress, parseEventLogs, type Address, type PublicClient } from "viem";
import { bondingManagerAbi, roundsManagerAbi, serviceRegistryAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { sendTransaction, type ContractWrite, type OnTransactionProgress } from "../chain/transactions.ts";
import type { FundingClient } from "../broadcaster/funds.ts";

/** Parts per million in 100%. */
export const PPM = 1_000_000n;

export interface OperatorService {
  id: string;
  /** The contract that checks this service's work; the zero address when none does. */
  verifier: Address;
}

export interface OperatorCuts {
  /** Share of LPT rewards the orchestrator keeps, ppm. */
  rewardCutPpm: bigint;
  /** Share of ETH fees passed on to delegators, ppm. */
  feeSharePpm: bigint;
}

export interface OperatorState extends OperatorCuts {
  orchestrator: Address;
  /** Bonded to itself in the BondingManager: may set cuts, and may be paid for tickets. */
  registered: boolean;
  active: boolean;
  serviceURI: string;
  services: OperatorService[];
  regions: string[];
  /** Its own bond plus every delegator's, LPT wei. */
  totalStakeWei: bigint;
  /** An announced change worse for delegators, not yet in force; undefined when there is none. */
  pendingCuts: (OperatorCuts & { effectiveRound: bigint }) | undefined;
  /** Rounds a worse cut waits before it takes effect. */
  cutNoticePeriodRounds: bigint;
  currentRound: bigint;
  lastRewardRound: bigint;
  /** Its own stake now, rewards not yet claimed included, LPT wei. */
  pendingStakeWei: bigint;
  /** LPT rewards earned since its last claim: pendingStake − the stake as of that claim. */
  pendingRewardsWei: bigint;
  /** ETH fees it may withdraw now, wei. */
  pendingFeesWei: bigint;
}

// ---------------------------------------------------------------------------------------------------- errors

/** An edit of an orchestrator's registration was asked for from a wallet that is not the orchestrator's. */
export class NotTheOrchestrator extends Error {
  override name = "NotTheOrchestrator";
  readonly orchestrator: Address;
  readonly account: Address | undefined;
  readonly nextStep = "Connect the orchestrator's own wallet to edit its registration.";

  constructor(orchestrator: Address, account: Address | undefined) {
    // The registry lets any address write its own entry: sent from another wallet, the edit would land on that
    // wallet's entry, not this orchestrator's, so it is refused before anything is sent.
    super(
      `${account ? `The connected account ${account} is not` : "No wallet is connected as"} the orchestrator ${orchestrator}; ` +
        "only the orchestrator can change its registration. Connect the orchestrator's own wallet to edit its registration.",
    );
    this.orchestrator = orchestrator;
    this.account = account;
  }
}

/** An edit's value cannot be sent as it is (an empty URI, a percentage out of range). */
export class InvalidOperatorInput extends Error {
  override name = "InvalidOperatorInput";
  readonly field: string;
  readonly nextStep: string;

  constructor(field: string, value: unknown, expected: string) {
    const nextStep = `Enter ${expected}.`;
    super(`The ${field} "${String(value)}" cannot be used. ${nextStep}`);
    this.field = field;
    this.nextStep = nextStep;
  }
}

// ---------------------------------------------------------------------------------------------------- reading

type Reader = Pick<PublicClient, "readContract" | "getBlockNumber">;

/** Reads the operator panel's figures for `orchestrator`, at one block so that they agree with each other. */
export async function readOperatorState(client: Reader, deployments: Pick<Deployments, "contracts">, orchestrator: Address): Promise<OperatorState> {
  // Uncached: viem keeps a block number for seconds, and a read right after an edit must see it.
  const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
  const bm = { address: deployments.contracts.BondingManager, abi: bondingManagerAbi, blockNumber } as const;
  const [info, transcoder, pending, cutNoticePeriodRounds, delegator, pendingStakeWei, pendingFeesWei, currentRound] = await Promise.all([
    client.readContract({ address: deployments.contracts.ServiceRegistry, abi: serviceRegistryAbi, functionName: "getOrchestrator", args: [orchestrator], blockNumber }),
    client.readContract({ ...bm, functionName: "getTranscoder", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "pendingCuts", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "cutNoticePeriodRounds" }),
    client.readContract({ ...bm, functionName: "getDelegator", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "pendingStake", args: [orchestrator] }),
    client.readContract({ ...bm, functionName: "pendingFees", args: [orchestrator] }),
    client.readContract({ address: deployments.contracts.RoundsManager, abi: roundsManagerAbi, functionName: "currentRound", blockNumber }),
  ]);
  const [pendingRewardCutPpm, pendingFeeSharePpm, effectiveRound] = pending;
  const [bondedWei] = delegator;
  return {
    orchestrator: getAddress(orchestrator),
    registered: transcoder.registered,
    active: transcoder.active,
    serviceURI: info.serviceURI,
    services: info.services.map((s) => ({ id: s.id, verifier: s.verifier })),
    regions: [...info.regions],
    totalStakeWei: transcoder.totalStake,
    rewardCutPpm: transcoder.rewardCutPpm,
    feeSharePpm: transcoder.feeSharePpm,
    pendingCuts: effectiveRound === 0n ? undefined : { rewardCutPpm: pendingRewardCutPpm, feeSharePpm: pendingFeeSharePpm, effectiveRound },
    cutNoticePeriodRounds,
    currentRound,
    lastRewardRound: transcoder.lastRewardRound,
    pendingStakeWei,
    pendingRewardsWei: pendingStakeWei > bondedWei ? pendingStakeWei - bondedWei : 0n,
    pendingFeesWei,
  };
}

// ---------------------------------------------------------------------------------------------------- cuts in words

/** "12.5%" for 125000 ppm. */
export function percentFromPpm(ppm: bigint): string {
  const hundredths = Number((ppm * 10_000n) / PPM);
  return `${(hundredths / 100).toString()}%`;
}

/**
 * Parts per million from a percentage typed by a person ("12.5", "12.5%"); at most four decimals (1 ppm is 0.0001%).
 * @throws InvalidOperatorInput outside 0–100 or when it is no number
 */
export function ppmFromPercent(field: string, text: string): bigint {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,4}))?\s*%?\s*$/.exec(text);
  if (!match) throw new InvalidOperatorInput(field, text, "a percentage from 0 to 100, with at most four decimals");
  const ppm = BigInt(match[1]!) * 10_000n + BigInt((match[2] ?? "").padEnd(4, "0"));
  if (ppm > PPM) throw new InvalidOperatorInput(field, text, "a percentage from 0 to 100");
  return ppm;
}

/** A higher rewardCut or a lower feeShare takes from delegators: the contract makes such a change wait. */
export function isWorseForDelegators(current: OperatorCuts, next: OperatorCuts): boolean {
  return next.rewardCutPpm > current.rewardCutPpm || next.feeSharePpm < current.feeSharePpm;
}

/** What a cut change will do, in the operator's words, before it is sent. */
export function describeCutChange(state: Pick<OperatorState, "rewardCutPpm" | "feeSharePpm" | "cutNoticePeriodRounds" | "currentRound">, next: OperatorCuts): string {
  if (!isWorseForDelegators(state, next)) return "This change is no worse for your delegators: it takes effect at once.";
  const effectiveRound = state.currentRound + state.cutNoticePeriodRounds;
  return (
    `A higher reward cut or a lower fee share is worse for your delegators, so it takes effect only after the notice period ` +
    `of ${state.cutNoticePeriodRounds} round(s), in round ${effectiveRound}; until then the current cuts apply, and delegators may leave.`
  );
}

// ---------------------------------------------------------------------------------------------------- edits

export type OperatorEdit =
  | { kind: "serviceURI"; serviceURI: string }
  | { kind: "services"; services: OperatorService[] }
  | { kind: "regions"; regions: string[] }
  | ({ kind: "cuts" } & OperatorCuts);

/** The contract write for an edit (checked by the contracts themselves; their refusals come back named). */
export function operatorEditWrite(deployments: Pick<Deployments, "contracts">, edit: OperatorEdit): ContractWrite {
  const registry = { address: deployments.contracts.ServiceRegistry, abi: serviceRegistryAbi } as const;
  switch (edit.kind) {
    case "serviceURI": {
      const uri = edit.serviceURI.trim();
      if (!/^https?:\/\/\S+$/.test(uri)) throw new InvalidOperatorInput("service URI", edit.serviceURI, "an http(s) URL such as https://orch.example.com:8935");
      return { ...registry, label: "Set the service URI", functionName: "setServiceURI", args: [uri] };
    }
    case "services":
      return { ...registry, label: "Set the services", functionName: "setServices", args: [edit.services.map((s) => ({ id: s.id.trim(), verifier: s.verifier }))] };
    case "regions":
      return { ...registry, label: "Set the regions", functionName: "setRegions", args: [edit.regions.map((r) => r.trim())] };
    case "cuts":
      return {
        address: deployments.contracts.BondingManager,
        abi: bondingManagerAbi,
        label: `Set the reward cut to ${percentFromPpm(edit.rewardCutPpm)} and the fee share to ${percentFromPpm(edit.feeSharePpm)}`,
        functionName: "transcoder",
        args: [edit.rewardCutPpm, edit.feeSharePpm],
      };
  }
}

/** What a sent cut change did: took effect, or was announced for a later round. */
export type CutChangeOutcome = { kind: "applied" } | { kind: "announced"; effectiveRound: bigint };

/**
 * Sends an edit of `orchestrator`'s registration from `wallet`, which must be the orchestrator's own.
 * @returns for a cut change, whether it took effect or was announced (and for which round); undefined otherwise
 * @throws NotTheOrchestrator; InvalidOperatorInput; sendTransaction's named errors (ContractRefused named after the
 *         contract's error: NotRegisteredOrchestrator, InvalidPpm, DuplicateRegion, …)
 */
export async function sendOperatorEdit(
  wallet: FundingClient | null,
  deployments: Pick<Deployments, "contracts">,
  orchestrator: Address,
  edit: OperatorEdit,
  onProgress?: OnTransactionProgress,
): Promise<CutChangeOutcome | undefined> {
  if (!wallet || getAddress(wallet.account.address) !== getAddress(orchestrator)) throw new NotTheOrchestrator(getAddress(orchestrator), wallet?.account.address);
  const receipt = await sendTransaction(wallet, operatorEditWrite(deployments, edit), onProgress);
  if (edit.kind !== "cuts") return undefined;
  const [announced] = parseEventLogs({ abi: bondingManagerAbi, eventName: "CutChangeAnnounced", logs: receipt.logs });
  return announced ? { kind: "announced", effectiveRound: announced.args.effectiveRound } : { kind: "applied" };
}

/** Canonical text of a list typed as "a, b, c": trimmed, empty entries dropped. */
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Services from their ids: a listed service keeps its verifier; a new one is checked by `defaultVerifier`. */
export function servicesFromIds(ids: readonly string[], current: readonly OperatorService[], defaultVerifier: Address): OperatorService[] {
  return ids.map((id) => ({ id, verifier: current.find((s) => s.id === id)?.verifier ?? defaultVerifier }));
}
