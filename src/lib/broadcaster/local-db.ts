// The broadcaster's one IndexedDB database ("streamflow"): its schema, and the only place that opens it.
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Address, Hex } from "viem";
import type { SignedTranscodeReceipt } from "../protocol/receipt.ts";

export const LOCAL_DB_NAME = "streamflow";
/** Raise this, and add the new stores to `upgrade` below, whenever a store is added. */
export const LOCAL_DB_VERSION = 2;

/** An AES-GCM ciphertext of the broadcaster's private key, and what is needed to decrypt it but the key itself. */
export interface EncryptedKeyRecord {
  kind: "encryptedPrivateKey";
  /** Bumped when the encryption scheme changes, so an older record is recognised rather than misread. */
  scheme: 1;
  address: Address;
  iv: Uint8Array;
  ciphertext: ArrayBuffer;
  createdAtMs: number;
}

/**
 * The AES-GCM key the private key is encrypted with: a non-extractable CryptoKey, stored as the object itself
 * (structured clone), so its bytes are never readable by script and never written anywhere in the clear.
 */
export interface WrappingKeyRecord {
  kind: "wrappingKey";
  key: CryptoKey;
}

/** One orchestrator as this browser has seen it serve segments (history.ts). */
export interface OrchestratorHistory {
  address: Address;
  segmentsOk: number;
  segmentsFailed: number;
  /** Every fault ever recorded, even after `faults` has dropped its oldest entries. */
  faultCount: number;
  /** The latest faults, newest last, at most MAX_FAULTS_KEPT of them (history.ts). */
  faults: { reason: string; atMs: number }[];
  /** Mean round trip of the successful segments, in ms; 0 before the first one. */
  meanRoundTripMs: number;
  /** How many round trips `meanRoundTripMs` averages. */
  roundTripSamples: number;
  /** When a segment or fault was last recorded, ms since the epoch. */
  lastSeenMs: number;
}

/** What a failed spot check keeps to prove the fault on chain (evidence.ts): the work, the claim, and the job. */
export interface FaultEvidence {
  /** The receipt's hash: the challenge's id on chain. */
  id: Hex;
  orchestrator: Address;
  streamId: string;
  sequenceNumber: number;
  /** The failed check, in words. */
  reason: string;
  source: Uint8Array;
  rendition: { name: string; width: number; height: number; bitrateKbps: number; bytes: Uint8Array };
  /** Index of the rendition in the receipt's outputs. */
  renditionIndex: number;
  ladder: { name: string; width: number; height: number; bitrateKbps: number }[];
  receipt: SignedTranscodeReceipt;
  createdAtMs: number;
  challenge?: { txHash: Hex; status: "filed" | "upheld" | "rejected" | "failed"; detail?: string };
}

export interface StreamflowDB extends DBSchema {
  /** Out-of-line keys: KEY_RECORD_ID and WRAPPING_KEY_ID (key-store.ts). */
  keys: { key: string; value: EncryptedKeyRecord | WrappingKeyRecord };
  /** Keyed by the orchestrator's checksummed address. */
  history: { key: Address; value: OrchestratorHistory };
  /** Keyed by FaultEvidence.id. */
  evidence: { key: Hex; value: FaultEvidence };
}

/** This environment has no IndexedDB (Node, or a browser in a mode that disables it). */
export class IndexedDbUnavailable extends Error {
  override name = "IndexedDbUnavailable";
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(
      `The browser's local database (IndexedDB) cannot be opened: ${reason}. ` +
        "Open the page in a normal (not private) window of a current browser, and allow the site to store data.",
      options,
    );
    this.reason = reason;
  }
}

let opening: Promise<IDBPDatabase<StreamflowDB>> | undefined;

/** The database, opened once per page and shared by key-store.ts and history.ts. */
export function openLocalDb(): Promise<IDBPDatabase<StreamflowDB>> {
  if (opening) return opening;
  if (typeof indexedDB === "undefined") return Promise.reject(new IndexedDbUnavailable("there is no indexedDB here"));
  const attempt = openDB<StreamflowDB>(LOCAL_DB_NAME, LOCAL_DB_VERSION, {
    upgrade(db) {
      // Each store is created only when missing, so every older version upgrades by the same code.
      if (!db.objectStoreNames.contains("keys")) db.createObjectStore("keys");
      if (!db.objectStoreNames.contains("history")) db.createObjectStore("history");
      if (!db.objectStoreNames.contains("evidence")) db.createObjectStore("evidence");
    },
    blocking() {
      // Another tab opens a newer version: step aside, or it waits for this tab to close. The next call reopens.
      void attempt.then((db) => db.close());
      opening = undefined;
    },
    terminated() {
      opening = undefined;
    },
  }).catch((cause: unknown) => {
    opening = undefined;
    throw new IndexedDbUnavailable(cause instanceof Error ? cause.message : String(cause), { cause });
  });
  opening = attempt;
  return attempt;
}

/** Closes the shared connection (tests, and code that deletes the database); the next openLocalDb reopens. */
export async function closeLocalDb(): Promise<void> {
  const current = opening;
  opening = undefined;
  if (current) (await current.catch(() => undefined))?.close();
}
