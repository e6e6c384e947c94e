// fast-check generators of protocol values (addresses, words, keys, tickets), shared by the property tests of this folder.
import fc from "fast-check";
import { bytesToHex, getAddress, numberToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { SECP256K1_N } from "./signature.ts";
import type { Ticket, TicketParams } from "./types.ts";

export const UINT256_MAX = 2n ** 256n - 1n;

export const bytes = (lengthBytes: number): fc.Arbitrary<Hex> =>
  fc.uint8Array({ minLength: lengthBytes, maxLength: lengthBytes }).map((b) => bytesToHex(b));

export const bytes32 = bytes(32);

export const address: fc.Arbitrary<Address> = bytes(20).map((hex) => getAddress(hex));

/** uint256 values biased towards both ends, where encoding bugs live. */
export const uint256 = fc.oneof(
  fc.bigInt({ min: 0n, max: UINT256_MAX }),
  fc.bigInt({ min: 0n, max: 2n ** 64n }),
  fc.constantFrom(0n, 1n, UINT256_MAX - 1n, UINT256_MAX),
);

export const account: fc.Arbitrary<PrivateKeyAccount> = fc
  .bigInt({ min: 1n, max: SECP256K1_N - 1n })
  .map((key) => privateKeyToAccount(numberToHex(key, { size: 32 })));

export const ticket = (sender: fc.Arbitrary<Address> = address): fc.Arbitrary<Ticket> =>
  fc.record({
    recipient: address,
    sender,
    faceValue: uint256,
    winProb: uint256,
    senderNonce: uint256,
    recipientRandHash: bytes32,
    auxData: fc.tuple(uint256, bytes32).map(([round, hash]) => `0x${numberToHex(round, { size: 32 }).slice(2)}${hash.slice(2)}` as Hex),
  });

export const ticketParams: fc.Arbitrary<TicketParams> = fc.record({
  recipient: address,
  faceValue: uint256,
  winProb: uint256,
  recipientRandHash: bytes32,
  seed: bytes32,
  expirationBlock: uint256,
  creationRound: uint256,
  creationRoundBlockHash: bytes32,
});
