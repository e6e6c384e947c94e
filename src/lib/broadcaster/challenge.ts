// Bringing a fault on chain: upload the evidence to the verifiers (content-addressed, so they can check it against
// the challenge), then file the challenge with the orchestrator's signed receipt and the bond, from the tab's key.
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { faultVerifierAbi } from "../chain/abis.generated.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { ladderHash } from "../protocol/receipt.ts";
import type { FaultEvidence } from "./local-db.ts";

/** What the FaultVerifier's getChallenge status means. */
export const CHALLENGE_STATUS = ["none", "open", "faulty", "notFaulty", "withdrawn"] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUS)[number];

/** A verifier did not take a piece of evidence. */
export class EvidenceUploadFailed extends ProtocolError<{ verifier: string; what: string; reason: string }> {
  override name = "EvidenceUploadFailed";

  constructor(data: { verifier: string; what: string; reason: string }) {
    super({
      code: "EVIDENCE_UPLOAD_FAILED",
      message: `The verifier at ${data.verifier} did not take the ${data.what}: ${data.reason}.`,
      nextStep: "Check that the verifier is running, then press Challenge on chain again; the challenge is filed only after the upload.",
      data,
    });
  }
}

/** The chain refused the challenge (window closed, already challenged, bond, …): the contract's error says which. */
export class ChallengeRefused extends ProtocolError<{ reason: string }> {
  override name = "ChallengeRefused";

  constructor(data: { reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "CHALLENGE_REFUSED",
        message: `The FaultVerifier refused the challenge: ${data.reason}.`,
        nextStep: "Read the reason: a closed window or an existing challenge cannot be retried; for too little ETH, top up the key's ETH for gas and the bond.",
        data,
      },
      options,
    );
  }
}

async function put(url: string, body: BodyInit, contentType: string, what: string, verifier: string, fetcher: typeof fetch): Promise<void> {
  let res: Response;
  try {
    res = await fetcher(url, { method: "PUT", headers: { "content-type": contentType }, body });
  } catch (cause) {
    throw new EvidenceUploadFailed({ verifier, what, reason: cause instanceof Error ? cause.message : "unreachable" });
  }
  if (!res.ok) throw new EvidenceUploadFailed({ verifier, what, reason: `HTTP ${res.status} ${(await res.text()).slice(0, 200)}` });
}

/** Uploads source, rendition and ladder to every verifier (each checks the bytes against their hashes). */
export async function uploadEvidence(verifierUrls: readonly string[], evidence: FaultEvidence, fetcher: typeof fetch = fetch): Promise<void> {
  const output = evidence.receipt.receipt.outputs[evidence.renditionIndex];
  if (!output) throw new EvidenceUploadFailed({ verifier: "-", what: "rendition", reason: "the receipt lists no such rendition" });
  await Promise.all(
    verifierUrls.map(async (url) => {
      await put(`${url}/evidence/${evidence.receipt.receipt.inputHash}`, evidence.source as Uint8Array<ArrayBuffer>, "application/octet-stream", "source segment", url, fetcher);
      await put(`${url}/evidence/${output.hash}`, evidence.rendition.bytes as Uint8Array<ArrayBuffer>, "application/octet-stream", "rendition", url, fetcher);
      await put(`${url}/evidence/ladder/${ladderHash(evidence.ladder)}`, JSON.stringify({ output: evidence.ladder }), "application/json", "job ladder", url, fetcher);
    }),
  );
}

/** Files the challenge with the exact bond the contract asks; returns the transaction hash once mined. */
export async function fileChallenge(o: {
  publicClient: Pick<PublicClient, "readContract" | "waitForTransactionReceipt" | "simulateContract">;
  walletClient: WalletClient<Transport, Chain, Account>;
  faultVerifier: Address;
  evidence: FaultEvidence;
}): Promise<Hex> {
  const { receipt, sig } = o.evidence.receipt;
  const bondWei = await o.publicClient.readContract({ address: o.faultVerifier, abi: faultVerifierAbi, functionName: "challengeBondWei" });
  const args = [
    {
      streamId: receipt.streamId,
      sequenceNumber: BigInt(receipt.sequenceNumber),
      inputHash: receipt.inputHash,
      jobHash: receipt.jobHash,
      outputs: receipt.outputs.map((out) => ({ rendition: out.rendition, hash: out.hash })),
      orchestrator: receipt.orchestrator,
      round: receipt.round,
    },
    sig,
    BigInt(o.evidence.renditionIndex),
  ] as const;
  try {
    // Simulated first, so a refusal comes back with the contract's named error and costs nothing.
    const { request } = await o.publicClient.simulateContract({
      account: o.walletClient.account,
      address: o.faultVerifier,
      abi: faultVerifierAbi,
      functionName: "challenge",
      args,
      value: bondWei,
    });
    const hash = await o.walletClient.writeContract(request);
    const mined = await o.publicClient.waitForTransactionReceipt({ hash });
    if (mined.status !== "success") throw new ChallengeRefused({ reason: "the transaction reverted" });
    return hash;
  } catch (error) {
    if (error instanceof ChallengeRefused) throw error;
    const reason = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    throw new ChallengeRefused({ reason }, { cause: error });
  }
}

/** Where the challenge stands on chain. */
export async function readChallengeStatus(publicClient: Pick<PublicClient, "readContract">, faultVerifier: Address, id: Hex): Promise<ChallengeStatus> {
  const challenge = await publicClient.readContract({ address: faultVerifier, abi: faultVerifierAbi, functionName: "getChallenge", args: [id] });
  return CHALLENGE_STATUS[Number(challenge.status)] ?? "none";
}
