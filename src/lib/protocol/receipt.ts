// The orchestrator's signed receipt of one transcoded segment (v2: with the job's ladder hash and the round), as FaultVerifier.sol hashes it.
import { encodeAbiParameters, keccak256, stringToHex, type Address, type Hex, type LocalAccount } from "viem";
import { recoverHashSigner, signHash } from "./signature.ts";

/** Prefix of every receipt hash, so that a receipt signature can never pass for a ticket's or any other message's. */
export const RECEIPT_DOMAIN = "Streamflow receipt v2";
/** keccak256 of RECEIPT_DOMAIN: the first word of the encoding, a constant a verifier contract can hold. */
export const RECEIPT_DOMAIN_HASH: Hex = keccak256(stringToHex(RECEIPT_DOMAIN));

/** One rendition of the segment and the content hash of its bytes. */
export interface RenditionOutput {
  /** The rendition's name as the broadcaster asked for it (e.g. "360p"). */
  rendition: string;
  hash: Hex;
}

/** One rung of the ladder a broadcaster asked for (a jobRequest's `output` item), as ladderHash encodes it. */
export interface LadderRendition {
  name: string;
  /** Pixels; encoded as uint32. */
  width: number;
  height: number;
  /** Encoded as uint32. */
  bitrateKbps: number;
}

/** What an orchestrator attests to for one segment: this input, transcoded to this ladder in this round, became these outputs. */
export interface TranscodeReceipt {
  streamId: string;
  /** The segment's index in the stream; a non-negative safe integer, encoded as uint64. */
  sequenceNumber: number;
  /** contentHash of the segment the broadcaster sent. */
  inputHash: Hex;
  /** ladderHash of the job's output ladder: what was asked, so a verifier can re-encode and compare. */
  jobHash: Hex;
  /** In the order of the renditions the broadcaster asked for: the hash covers the order. */
  outputs: readonly RenditionOutput[];
  orchestrator: Address;
  /** The RoundsManager's current round when the orchestrator signed: the on-chain challenge window counts from it. */
  round: bigint;
}

export interface SignedTranscodeReceipt {
  receipt: TranscodeReceipt;
  sig: Hex;
}

/**
 * The ABI layout of a receipt, as Solidity's
 * `keccak256(abi.encode(RECEIPT_DOMAIN_HASH, streamId, uint64 sequenceNumber, inputHash, jobHash, Output[] outputs,
 * orchestrator, uint256 round))` with `struct Output { string rendition; bytes32 hash; }` computes it.
 */
const RECEIPT_ABI = [
  { name: "domain", type: "bytes32" },
  { name: "streamId", type: "string" },
  { name: "sequenceNumber", type: "uint64" },
  { name: "inputHash", type: "bytes32" },
  { name: "jobHash", type: "bytes32" },
  {
    name: "outputs",
    type: "tuple[]",
    components: [
      { name: "rendition", type: "string" },
      { name: "hash", type: "bytes32" },
    ],
  },
  { name: "orchestrator", type: "address" },
  { name: "round", type: "uint256" },
] as const;

/** `abi.encode(Rendition[])` with `struct Rendition { string name; uint32 width; uint32 height; uint32 bitrateKbps; }`. */
const LADDER_ABI = [
  {
    name: "ladder",
    type: "tuple[]",
    components: [
      { name: "name", type: "string" },
      { name: "width", type: "uint32" },
      { name: "height", type: "uint32" },
      { name: "bitrateKbps", type: "uint32" },
    ],
  },
] as const;

/**
 * The receipt's jobHash: keccak256(abi.encode(Rendition[])) of the ladder the broadcaster asked for, in its order.
 * Extra fields of the items are ignored, so a jobRequest's `output` can be passed as it is.
 * @throws viem's IntegerOutOfRangeError when a dimension or bitrate is outside uint32
 */
export function ladderHash(ladder: readonly LadderRendition[]): Hex {
  return keccak256(
    encodeAbiParameters(LADDER_ABI, [ladder.map(({ name, width, height, bitrateKbps }) => ({ name, width, height, bitrateKbps }))]),
  );
}

/**
 * The hash an orchestrator signs for a receipt. abi.encode rather than encodePacked: strings and the outputs array
 * are length-prefixed, so no two receipts share an encoding (packed "ab"+"c" and "a"+"bc" would collide).
 * @throws RangeError when sequenceNumber is not an integer; viem's IntegerOutOfRangeError when it is outside uint64 (or
 *         round outside uint256)
 */
export function receiptHash(receipt: TranscodeReceipt): Hex {
  return keccak256(
    encodeAbiParameters(RECEIPT_ABI, [
      RECEIPT_DOMAIN_HASH,
      receipt.streamId,
      BigInt(receipt.sequenceNumber),
      receipt.inputHash,
      receipt.jobHash,
      receipt.outputs.map(({ rendition, hash }) => ({ rendition, hash })),
      receipt.orchestrator,
      receipt.round,
    ]),
  );
}

/** Signs a receipt as an EIP-191 personal message over receiptHash, in low-s form (what ECDSA.recover accepts on chain). */
export async function signReceipt(account: LocalAccount, receipt: TranscodeReceipt): Promise<SignedTranscodeReceipt> {
  return { receipt, sig: await signHash(account, receiptHash(receipt)) };
}

/**
 * The address that signed a receipt; the receipt holds only if it is `receipt.orchestrator`.
 * @throws InvalidSignature (from signature.ts) for a signature a contract would not recover
 */
export async function recoverReceiptSigner(signed: SignedTranscodeReceipt): Promise<Address> {
  return recoverHashSigner(receiptHash(signed.receipt), signed.sig);
}

/**
 * The content hash of a segment or rendition: keccak256 of its bytes. keccak256 rather than SHA-256 because the
 * verifier contract recomputes it on chain, where keccak256 is an opcode (SHA-256 is a precompile call costing more
 * gas), and because it is synchronous here (WebCrypto's SHA-256 is async only) and the same hash as everything else.
 */
export function contentHash(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}
