// The broadcaster's ticket-signing key: made in the browser, kept in IndexedDB only as AES-GCM ciphertext under a
// non-extractable WebCrypto key, and exportable so that the user can keep the funds it holds.
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openLocalDb, type EncryptedKeyRecord, type WrappingKeyRecord } from "./local-db.ts";

/** Where in the "keys" store the encrypted private key lies. */
export const KEY_RECORD_ID = "broadcaster";
/** Where in the "keys" store the AES-GCM CryptoKey lies. */
export const WRAPPING_KEY_ID = "broadcaster-wrapping-key";

/** Binds the ciphertext to its purpose, so it cannot be passed off as another record encrypted under the same key. */
const ADDITIONAL_DATA = new TextEncoder().encode("streamflow broadcaster private key v1");
/** secp256k1's group order: a private key must be in [1, n − 1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface BroadcasterKey {
  account: LocalAccount;
  address: Address;
  /** True when this call made the key (nothing was stored yet): the page should urge the user to export it. */
  created: boolean;
}

/** The text given to importBroadcasterKey is not a secp256k1 private key. */
export class InvalidBroadcasterKey extends Error {
  override name = "InvalidBroadcasterKey";
  readonly reason: string;

  constructor(reason: string) {
    super(
      `That is not a broadcaster private key: ${reason}. Paste the 64 hex digits (optionally after 0x) that ` +
        "\"Export key\" gave you, with nothing else.",
    );
    this.reason = reason;
  }
}

/** No broadcaster key is stored in this browser yet. */
export class NoBroadcasterKey extends Error {
  override name = "NoBroadcasterKey";

  constructor() {
    super("This browser holds no broadcaster key yet. Open the broadcaster page once to create one, or import a saved key.");
  }
}

/**
 * A key is stored but cannot be decrypted: its wrapping key is gone or was replaced (site data partly cleared,
 * another release's format). No new key is made in its place, since its address may still hold a deposit.
 */
export class BroadcasterKeyUnreadable extends Error {
  override name = "BroadcasterKeyUnreadable";
  readonly address: Address | undefined;
  readonly reason: string;

  constructor(address: Address | undefined, reason: string, options?: ErrorOptions) {
    super(
      `The broadcaster key stored in this browser${address ? ` (address ${address})` : ""} cannot be read: ${reason}. ` +
        "Import the key you exported earlier to keep using its funds; or import a new key to start afresh (funds " +
        "left on the old address stay there until someone imports its key).",
      options,
    );
    this.address = address;
    this.reason = reason;
  }
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new BroadcasterKeyUnreadable(undefined, "WebCrypto is not available (the page must be served over https or from localhost)");
  }
  return s;
}

function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function hexToBytes(hex: Hex): Uint8Array<ArrayBuffer> {
  const digits = hex.slice(2);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Validates and normalizes a user's key text to 0x + 64 lowercase hex digits. */
export function parsePrivateKey(text: string): Hex {
  if (typeof text !== "string") throw new InvalidBroadcasterKey("it is not text");
  const trimmed = text.trim();
  const digits = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new InvalidBroadcasterKey("it holds characters other than hex digits");
  if (digits.length !== 64) throw new InvalidBroadcasterKey(`it has ${digits.length} hex digits instead of 64`);
  const value = BigInt(`0x${digits}`);
  if (value === 0n || value >= SECP256K1_N) throw new InvalidBroadcasterKey("it is outside the range of secp256k1 keys");
  return `0x${digits.toLowerCase()}`;
}

/** A fresh key and its encrypted record, made before any transaction opens (IndexedDB commits on a foreign await). */
async function sealNewRecords(privateKey: Hex): Promise<{ wrapping: WrappingKeyRecord; encrypted: EncryptedKeyRecord }> {
  // extractable = false: the AES key's bytes can never be read back by script, only used to encrypt and decrypt.
  const key = await subtle().generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = hexToBytes(privateKey);
  const ciphertext = await subtle().encrypt({ name: "AES-GCM", iv, additionalData: ADDITIONAL_DATA }, key, plaintext);
  plaintext.fill(0);
  return {
    wrapping: { kind: "wrappingKey", key },
    encrypted: {
      kind: "encryptedPrivateKey",
      scheme: 1,
      address: privateKeyToAccount(privateKey).address,
      iv,
      ciphertext,
      createdAtMs: Date.now(),
    },
  };
}

async function readStored(): Promise<{ encrypted?: EncryptedKeyRecord; wrapping?: WrappingKeyRecord }> {
  const db = await openLocalDb();
  const tx = db.transaction("keys", "readonly");
  const [encrypted, wrapping] = await Promise.all([tx.store.get(KEY_RECORD_ID), tx.store.get(WRAPPING_KEY_ID), tx.done]);
  return {
    encrypted: encrypted?.kind === "encryptedPrivateKey" ? encrypted : undefined,
    wrapping: wrapping?.kind === "wrappingKey" ? wrapping : undefined,
  };
}

async function decryptStored(encrypted: EncryptedKeyRecord, wrapping: WrappingKeyRecord | undefined): Promise<Hex> {
  if (!wrapping) throw new BroadcasterKeyUnreadable(encrypted.address, "the key that encrypts it is missing");
  if (encrypted.scheme !== 1) throw new BroadcasterKeyUnreadable(encrypted.address, `it uses an unknown format (${String(encrypted.scheme)})`);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await subtle().decrypt(
      { name: "AES-GCM", iv: new Uint8Array(encrypted.iv), additionalData: ADDITIONAL_DATA },
      wrapping.key,
      encrypted.ciphertext,
    );
  } catch (cause) {
    throw new BroadcasterKeyUnreadable(encrypted.address, "decryption failed (the record or its key was altered)", { cause });
  }
  const bytes = new Uint8Array(plaintext);
  const privateKey = bytesToHex(bytes);
  bytes.fill(0);
  const address = privateKeyToAccount(privateKey).address;
  if (address !== encrypted.address) {
    throw new BroadcasterKeyUnreadable(encrypted.address, `it decrypts to the key of another address (${address})`);
  }
  return privateKey;
}

/**
 * The broadcaster's key: the stored one, or a new one stored now. Two tabs racing on first use end with one key:
 * the store is checked again in the transaction that writes, and a tab that lost the race takes the winner's.
 * @throws BroadcasterKeyUnreadable when a stored key cannot be decrypted (never replaced silently);
 *         IndexedDbUnavailable (local-db.ts) when there is nowhere to keep a key
 */
export async function loadOrCreateBroadcasterKey(): Promise<BroadcasterKey> {
  const stored = await readStored();
  if (stored.encrypted) {
    const account = privateKeyToAccount(await decryptStored(stored.encrypted, stored.wrapping));
    return { account, address: account.address, created: false };
  }

  const privateKey = generatePrivateKey(); // crypto.getRandomValues underneath
  const sealed = await sealNewRecords(privateKey);
  const db = await openLocalDb();
  const tx = db.transaction("keys", "readwrite");
  // Only IndexedDB requests are awaited inside the transaction, so it stays open until both puts are done.
  const raced = await tx.store.get(KEY_RECORD_ID);
  if (!raced) {
    await tx.store.put(sealed.wrapping, WRAPPING_KEY_ID);
    await tx.store.put(sealed.encrypted, KEY_RECORD_ID);
  }
  await tx.done;
  if (raced) return loadOrCreateBroadcasterKey();
  const account = privateKeyToAccount(privateKey);
  return { account, address: account.address, created: true };
}

/**
 * The stored private key as 0x-prefixed hex, for the user to save: whoever holds it can spend the deposit.
 * @throws NoBroadcasterKey when none is stored; BroadcasterKeyUnreadable when it cannot be decrypted
 */
export async function exportBroadcasterKey(): Promise<Hex> {
  const stored = await readStored();
  if (!stored.encrypted) throw new NoBroadcasterKey();
  return decryptStored(stored.encrypted, stored.wrapping);
}

/**
 * Replaces the stored key with `hex` (a key exported earlier, here or in another browser), under a fresh wrapping
 * key. The replaced key is gone from this browser: export it first if its address still holds funds.
 * @throws InvalidBroadcasterKey when `hex` is not a secp256k1 private key
 */
export async function importBroadcasterKey(hex: string): Promise<{ account: LocalAccount; address: Address }> {
  const privateKey = parsePrivateKey(hex);
  const sealed = await sealNewRecords(privateKey);
  const db = await openLocalDb();
  const tx = db.transaction("keys", "readwrite");
  await tx.store.put(sealed.wrapping, WRAPPING_KEY_ID);
  await tx.store.put(sealed.encrypted, KEY_RECORD_ID);
  await tx.done;
  const account = privateKeyToAccount(privateKey);
  return { account, address: account.address };
}
