// Where the node's signing key comes from: an encrypted keystore (any chain) or, on the local chain only, one of
// Hardhat's well-known dev accounts. Also the recipient secret, kept on disk so restarts keep ticket params valid.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { newRecipientSecret } from "../../src/lib/protocol/params.ts";
import { assertDevAccountAllowed, InvalidConfig, type NodeConfig } from "../config.ts";
import { decryptKeystore } from "./keystore.ts";

/** Hardhat's default dev mnemonic: its accounts are public, so it is only ever accepted on chain 31337. */
const HARDHAT_DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The private key of Hardhat's dev account `index` (local chain only: its keys are public). */
export function devAccountPrivateKey(index: number): Hex {
  return bytesToHex(mnemonicToAccount(HARDHAT_DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
}

export async function loadNodeKey(config: NodeConfig, chainId: number, env: NodeJS.ProcessEnv = process.env): Promise<Hex> {
  if (config.devAccount !== undefined) {
    assertDevAccountAllowed(config, chainId);
    return devAccountPrivateKey(config.devAccount);
  }
  if (!config.keystore) throw new InvalidConfig("no key: give --keystore FILE or, on the local chain, --dev-account N");
  const password = config.keystorePasswordFile
    ? (await readFile(config.keystorePasswordFile, "utf8")).replace(/\r?\n$/, "")
    : env.STREAMFLOW_KEYSTORE_PASSWORD;
  if (password === undefined) {
    throw new InvalidConfig("the keystore needs a password: --keystore-password-file FILE or STREAMFLOW_KEYSTORE_PASSWORD");
  }
  return (await decryptKeystore(await readFile(config.keystore, "utf8"), password)).privateKey;
}

/** The recipient secret in dataDir (created once, readable by this user only). */
export async function loadRecipientSecret(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, "recipient-secret");
  try {
    return hexToBytes((await readFile(path, "utf8")).trim() as Hex);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = newRecipientSecret();
  await writeFile(path, bytesToHex(secret), { mode: 0o600 });
  await chmod(path, 0o600);
  return secret;
}
