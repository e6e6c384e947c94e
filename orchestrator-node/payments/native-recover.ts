// Signature recovery for the node with native secp256k1 (libsecp256k1, shipped prebuilt in the `secp256k1` npm
// package): about 30× viem's pure-JS recovery, which caps ticket validation far below a busy node's needs.
import secp256k1 from "secp256k1";
import { getAddress, hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";
import type { DigestSignerRecovery } from "../../src/lib/protocol/signature.ts";

/** Recovers the signer of a 32-byte digest from a 65-byte r‖s‖v signature (v 27/28; checked beforehand). */
export const nativeRecovery: DigestSignerRecovery = async (digest: Hex, sig: Hex): Promise<Address> => {
  const bytes = hexToBytes(sig);
  const v = bytes[64]!;
  const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), v >= 27 ? v - 27 : v, hexToBytes(digest), false);
  return getAddress(`0x${keccak256(toHex(publicKey.subarray(1))).slice(-40)}`);
};
