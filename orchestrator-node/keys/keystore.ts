// The orchestrator's key at rest: Web3 Secret Storage v3 (scrypt + AES-128-CTR + keccak MAC), the format geth and
// ethers use, so operators can bring an existing key. The key is never logged; only its address is.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { scryptAsync } from "@noble/hashes/scrypt";
import { bytesToHex, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";

export interface KeystoreV3 {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt";
    kdfparams: { dklen: number; n: number; r: number; p: number; salt: string };
    mac: string;
  };
}

/** scrypt cost for new keystores: geth's "standard" parameters (about a second to unlock, by design). */
export const STANDARD_SCRYPT = { n: 262_144, r: 8, p: 1 } as const;
/** Cheaper parameters for throwaway dev keys on the local chain. */
export const LIGHT_SCRYPT = { n: 4_096, r: 8, p: 6 } as const;

export class KeystoreError extends Error {
  override readonly name = "KeystoreError";
}
export class WrongKeystorePassword extends KeystoreError {
  constructor() {
    super("the keystore password is wrong (MAC mismatch): check the password file or STREAMFLOW_KEYSTORE_PASSWORD");
  }
}

/** Encrypts `privateKey` with `password`. */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  kdf: { n: number; r: number; p: number } = STANDARD_SCRYPT,
): Promise<KeystoreV3> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = await deriveKey(password, salt, { dklen: 32, ...kdf });
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams: { dklen: 32, ...kdf, salt: salt.toString("hex") },
      mac: mac(derived, ciphertext).slice(2),
    },
  };
}

/** Decrypts a v3 keystore; throws WrongKeystorePassword or KeystoreError (unsupported/malformed). */
export async function decryptKeystore(json: unknown, password: string): Promise<{ privateKey: Hex; address: Address }> {
  const ks = parseKeystore(json);
  const salt = Buffer.from(ks.crypto.kdfparams.salt, "hex");
  const derived = await deriveKey(password, salt, ks.crypto.kdfparams);
  const ciphertext = Buffer.from(ks.crypto.ciphertext, "hex");
  const expected = Buffer.from(ks.crypto.mac, "hex");
  const actual = Buffer.from(mac(derived, ciphertext).slice(2), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new WrongKeystorePassword();
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), Buffer.from(ks.crypto.cipherparams.iv, "hex"));
  const privateKey = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  const address = privateKeyToAddress(privateKey);
  if (ks.address && ks.address.toLowerCase() !== address.slice(2).toLowerCase()) {
    throw new KeystoreError(`the keystore says address 0x${ks.address} but its key is for ${address}`);
  }
  return { privateKey, address };
}

function parseKeystore(json: unknown): KeystoreV3 {
  const ks = (typeof json === "string" ? JSON.parse(json) : json) as Partial<KeystoreV3> & { Crypto?: KeystoreV3["crypto"] };
  const c = ks.crypto ?? ks.Crypto; // geth wrote "Crypto" in early versions
  if (ks.version !== 3 || !c) throw new KeystoreError("not a version 3 keystore");
  if (c.cipher !== "aes-128-ctr") throw new KeystoreError(`unsupported cipher ${String(c.cipher)}`);
  if (c.kdf !== "scrypt") throw new KeystoreError(`unsupported key derivation ${String(c.kdf)}: use scrypt`);
  const k = c.kdfparams;
  if (!k || ![k.n, k.r, k.p, k.dklen].every((v) => Number.isInteger(v) && v > 0) || k.dklen < 32) {
    throw new KeystoreError("malformed scrypt parameters");
  }
  if (k.n > 1 << 20 || k.r > 32 || k.p > 32) throw new KeystoreError("scrypt parameters too large to unlock safely");
  for (const [what, hex] of [["salt", k.salt], ["iv", c.cipherparams?.iv], ["ciphertext", c.ciphertext], ["mac", c.mac]]) {
    if (typeof hex !== "string" || !/^[0-9a-fA-F]+$/.test(hex)) throw new KeystoreError(`malformed ${what}`);
  }
  return { ...(ks as KeystoreV3), crypto: c };
}

async function deriveKey(
  password: string,
  salt: Buffer,
  k: { dklen: number; n: number; r: number; p: number },
): Promise<Buffer> {
  // @noble/hashes rather than node:crypto: OpenSSL refuses N >= 2^(16·r), which keystores written by geth and
  // ethers (and the spec's own test vector, n = 2^18 with r = 1) use.
  const maxmem = 256 * k.n * k.r + 1024 * k.p * k.r + (1 << 20);
  const key = await scryptAsync(password.normalize("NFKC"), new Uint8Array(salt), { N: k.n, r: k.r, p: k.p, dkLen: k.dklen, maxmem });
  return Buffer.from(key);
}

function mac(derived: Buffer, ciphertext: Buffer): Hex {
  return keccak256(new Uint8Array(Buffer.concat([derived.subarray(16, 32), ciphertext])));
}
