// The orchestrator's signed receipt of one transcoded segment: its encoding, hash, signature and the content hash it names.
import { encodeAbiParameters, keccak256, stringToHex, type Address, type Hex, type LocalAccount } from "viem";
import { recoverHashSigner, signHash } from "./signature.ts";

/** Prefix of every receipt hash, so that a receipt signature can never pass for a ticket's or any other message's. */
export const RECEIPT_DOMAIN = "Streamflow receipt v1";
/** keccak256 of RECEIPT_DOMAIN: the first word of the encoding, a constant a verifier contract can hold. */
export const RECEIPT_DOMAIN_HASH: Hex = keccak256(stringToHex(RECEIPT_DOMAIN));

/** One rendition of the segment and the content hash of its bytes. */
export interface RenditionOutput {
  /** The rendition's name as the broadcaster asked for it (e.g. "360p"). */
  rendition: string;
  hash: Hex;
}

/** What an orchestrator attests to for one segment: this input became these outputs. */
export interface TranscodeReceipt {
  streamId: string;
  /** The segment's index in the stream; a non-negative safe integer, encoded as uint64. */
  sequenceNumber: number;
  /** contentHash of the segment the broadcaster sent. */
  inputHash: Hex;
  /** In the order of the renditions the broadcaster asked for: the hash covers the order. */
  outputs: readonly RenditionOutput[];
  orchestrator: Address;
}

export interface SignedTranscodeReceipt {
  receipt: TranscodeReceipt;
  sig: Hex;
}

/**
 * The ABI layout of a receipt, as Solidity's
 * `keccak256(abi.encode(RECEIPT_DOMAIN_HASH, streamId, uint64 sequenceNumber, inputHash, Output[] outputs, orchestrator))`
 * with `struct Output { string rendition; bytes32 hash; }` computes it.
 */
const RECEIPT_ABI = [
  { name: "domain", type: "bytes32" },
  { name: "streamId", type: "string" },
  { name: "sequenceNumber", type: "uint64" },
  { name: "inputHash", type: "bytes32" },
  {
    name: "outputs",
    type: "tuple[]",
    components: [
      { name: "rendition", type: "string" },
      { name: "hash", type: "bytes32" },
    ],
  },
  { name: "orchestrator", type: "address" },
] as const;

/**
 * The hash an orchestrator signs for a receipt. abi.encode rather than encodePacked: strings and the outputs array
 * are length-prefixed, so no two receipts share an encoding (packed "ab"+"c" and "a"+"bc" would collide).
 * @throws RangeError when sequenceNumber is not an integer; viem's IntegerOutOfRangeError when it is outside uint64
 */
export function receiptHash(receipt: TranscodeReceipt): Hex {
  return keccak256(
    encodeAbiParameters(RECEIPT_ABI, [
      RECEIPT_DOMAIN_HASH,
      receipt.streamId,
      BigInt(receipt.sequenceNumber),
      receipt.inputHash,
      receipt.outputs.map(({ rendition, hash }) => ({ rendition, hash })),
      receipt.orchestrator,
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
