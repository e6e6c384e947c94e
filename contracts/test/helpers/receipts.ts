// Transcode receipts in contract tests, signed as an orchestrator node signs them (src/lib/protocol/receipt.ts) with the dev accounts' keys.
import { stringToBytes, type Address, type Hex } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import {
  contentHash,
  ladderHash,
  signReceipt,
  type LadderRendition,
  type SignedTranscodeReceipt,
  type TranscodeReceipt,
} from "../../../src/lib/protocol/receipt.ts";

/** The mnemonic of Hardhat's (EDR's) default dev accounts. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Dev accounts searched for a wallet's key. */
const DEV_ACCOUNT_COUNT = 20;

/**
 * The local (key-holding) account behind one of the chain's dev wallets: receipts are signed the way a node signs
 * them (receipt.ts signReceipt, low-s), not through the chain's eth_sign.
 */
export function devKeyOf(wallet: WalletClient): HDAccount {
  const address = wallet.account.address.toLowerCase();
  for (let addressIndex = 0; addressIndex < DEV_ACCOUNT_COUNT; addressIndex++) {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex });
    if (account.address.toLowerCase() === address) return account;
  }
  throw new Error(`${wallet.account.address} is not one of the first ${DEV_ACCOUNT_COUNT} dev accounts`);
}

/** The two-rung ladder the test receipts name. */
export const TEST_LADDER: LadderRendition[] = [
  { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
];

/** A receipt of segment `sequenceNumber` of "stream-1" by `orchestrator` in `round`, with fields overridable. */
export function makeReceipt(
  orchestrator: Address,
  round: bigint,
  overrides: Partial<TranscodeReceipt> = {},
): TranscodeReceipt {
  const sequenceNumber = overrides.sequenceNumber ?? 0;
  const bytes = (what: string) => contentHash(stringToBytes(`segment ${sequenceNumber} ${what}`));
  return {
    streamId: "stream-1",
    sequenceNumber,
    inputHash: bytes("input"),
    jobHash: ladderHash(TEST_LADDER),
    outputs: TEST_LADDER.map(({ name }) => ({ rendition: name, hash: bytes(`at ${name}`) })),
    orchestrator,
    round,
    ...overrides,
  };
}

/** Signs `receipt` with the key of `signer` (the orchestrator's own wallet, or another one to forge). */
export function signReceiptAs(signer: WalletClient, receipt: TranscodeReceipt): Promise<SignedTranscodeReceipt> {
  return signReceipt(devKeyOf(signer), receipt);
}

/** The FaultVerifier's Receipt struct for a receipt. */
export function receiptStruct(r: TranscodeReceipt) {
  return {
    streamId: r.streamId,
    sequenceNumber: BigInt(r.sequenceNumber),
    inputHash: r.inputHash,
    jobHash: r.jobHash,
    outputs: r.outputs.map(({ rendition, hash }) => ({ rendition, hash })),
    orchestrator: r.orchestrator,
    round: r.round,
  };
}

/** challenge()'s arguments for a signed receipt and the index of the rendition claimed faulty. */
export function challengeArgs(signed: SignedTranscodeReceipt, renditionIndex = 0n) {
  return [receiptStruct(signed.receipt), signed.sig, renditionIndex] as const satisfies readonly [unknown, Hex, bigint];
}
