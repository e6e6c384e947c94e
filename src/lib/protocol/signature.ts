// The signature rules the contracts apply (OpenZeppelin ECDSA.tryRecover over an EIP-191 personal message), for tickets and receipts alike.
import { hashMessage, hexToBigInt, isHex, numberToHex, recoverAddress, size, slice, type Address, type Hex, type LocalAccount } from "viem";
import { ProtocolError } from "./errors.ts";

/** Order of the secp256k1 group: (r, s) and (r, n - s) both verify, which is the malleability the contracts reject. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** The largest s OpenZeppelin's ECDSA accepts (n / 2, rounded down). */
export const SECP256K1_HALF_N = SECP256K1_N / 2n;
/** r ‖ s ‖ v: the only signature form the contracts take. */
export const SIGNATURE_LENGTH_BYTES = 65;

/** OpenZeppelin's ECDSA.RecoverError names, so that an off-chain rejection reads like the on-chain revert it predicts. */
export type RecoverError = "InvalidSignature" | "InvalidSignatureLength" | "InvalidSignatureS";

export interface InvalidSignatureData {
  /** The 32-byte hash that was signed (a ticket or receipt hash), when known. */
  hash: Hex | undefined;
  recoverError: RecoverError;
}

/** A signature the contracts would not recover: malformed, malleable (high s), or not from any key. */
export class InvalidSignature extends ProtocolError<InvalidSignatureData> {
  override name = "InvalidSignature";

  constructor(data: InvalidSignatureData, options?: ErrorOptions) {
    super(
      {
        code: "INVALID_SIGNATURE",
        message:
          `Signature${data.hash === undefined ? "" : ` over ${data.hash}`} would be rejected on chain with ` +
          `${data.recoverError}: ${RECOVER_ERROR_SAYS[data.recoverError]}.`,
        nextStep: RECOVER_ERROR_NEXT_STEP[data.recoverError],
        data,
      },
      options,
    );
  }
}

const RECOVER_ERROR_SAYS: Record<RecoverError, string> = {
  InvalidSignatureLength: `it is not ${SIGNATURE_LENGTH_BYTES} bytes (r ‖ s ‖ v)`,
  InvalidSignatureS: "its s is in the upper half of the curve order (the malleable twin of a valid signature)",
  InvalidSignature: "its v is not 27 or 28, or (r, s) recovers no key",
};

const RECOVER_ERROR_NEXT_STEP: Record<RecoverError, string> = {
  InvalidSignatureLength: "Sign again with the account's signMessage over the raw 32-byte hash (signTicket, signReceipt).",
  InvalidSignatureS: "Pass the signature through normalizeSignature before sending it, or sign with signTicket/signReceipt.",
  InvalidSignature: "Sign again with the account's signMessage over the raw 32-byte hash (signTicket, signReceipt).",
};

function parts(sig: Hex): { r: bigint; s: bigint; v: number } {
  return {
    r: hexToBigInt(slice(sig, 0, 32)),
    s: hexToBigInt(slice(sig, 32, 64)),
    v: Number(hexToBigInt(slice(sig, 64, 65))),
  };
}

function hasSignatureLength(sig: Hex): boolean {
  return isHex(sig, { strict: true }) && size(sig) === SIGNATURE_LENGTH_BYTES;
}

/** Whether `sig` is 65 bytes with s ≤ n/2: the form of the two valid signatures that the contracts accept. */
export function isLowS(sig: Hex): boolean {
  return hasSignatureLength(sig) && parts(sig).s <= SECP256K1_HALF_N;
}

/**
 * Why the contracts would reject `sig` before even trying ecrecover, or undefined when they would try it. The checks
 * and their order are OpenZeppelin's: length, then s, then v (ecrecover returns zero for a v other than 27 or 28).
 */
export function signatureRecoverError(sig: Hex): RecoverError | undefined {
  if (!hasSignatureLength(sig)) return "InvalidSignatureLength";
  const { s, v } = parts(sig);
  if (s > SECP256K1_HALF_N) return "InvalidSignatureS";
  if (v !== 27 && v !== 28) return "InvalidSignature";
  return undefined;
}

/**
 * The one form of `sig` that the contracts accept: s moved to the lower half (flipping v to keep the same signer)
 * and v written as 27/28 rather than a bare y-parity 0/1. A ticket's win check hashes the signature bytes, so a
 * sender must normalize before a ticket is sent, never after.
 * @throws InvalidSignature (InvalidSignatureLength) when `sig` is not 65 bytes; (InvalidSignature) for a v that is none of 0, 1, 27, 28
 */
export function normalizeSignature(sig: Hex): Hex {
  if (!hasSignatureLength(sig)) throw new InvalidSignature({ hash: undefined, recoverError: "InvalidSignatureLength" });
  const { r, s, v } = parts(sig);
  const yParity = v === 0 || v === 27 ? 0 : v === 1 || v === 28 ? 1 : undefined;
  if (yParity === undefined) throw new InvalidSignature({ hash: undefined, recoverError: "InvalidSignature" });
  const high = s > SECP256K1_HALF_N;
  const lowS = high ? SECP256K1_N - s : s;
  const lowYParity = high ? 1 - yParity : yParity;
  return `0x${word(r)}${word(lowS)}${(27 + lowYParity).toString(16)}`;
}

function word(value: bigint): string {
  return numberToHex(value, { size: 32 }).slice(2);
}

/** Signs a 32-byte hash as an EIP-191 personal message (what the contracts recover), always in low-s form. */
export async function signHash(account: LocalAccount, hash: Hex): Promise<Hex> {
  return normalizeSignature(await account.signMessage({ message: { raw: hash } }));
}

/**
 * The address the contracts would recover from `sig` over the personal-message form of `hash`.
 * @throws InvalidSignature with the RecoverError the contract would revert with
 */
/**
 * Recovers the signer of an EIP-191 digest. The default is viem's (pure JS, runs in the browser); a node may pass a
 * native secp256k1 for throughput. Either way the signature rules above are checked first, here, once.
 */
export type DigestSignerRecovery = (ethSignedDigest: Hex, sig: Hex) => Promise<Address>;

const viemRecovery: DigestSignerRecovery = (digest, sig) => recoverAddress({ hash: digest, signature: sig });

export async function recoverHashSigner(hash: Hex, sig: Hex, recover: DigestSignerRecovery = viemRecovery): Promise<Address> {
  const recoverError = signatureRecoverError(sig);
  if (recoverError !== undefined) throw new InvalidSignature({ hash, recoverError });
  try {
    return await recover(hashMessage({ raw: hash }), sig);
  } catch (cause) {
    // An r that is zero or off the curve: ecrecover yields address(0), which OpenZeppelin reports as InvalidSignature.
    throw new InvalidSignature({ hash, recoverError: "InvalidSignature" }, { cause });
  }
}
