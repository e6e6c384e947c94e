// The broadcaster's key store and history in real Chromium IndexedDB and WebCrypto: one key per browser, kept across
// reloads, never at rest in the clear, exportable and importable; history kept across reloads.
import { expect, test, type Page } from "@playwright/test";
import { HISTORY, KEY_STORE, openApp } from "./open-app.ts";


type KeyStore = typeof import("../../src/lib/broadcaster/key-store.ts");
type History = typeof import("../../src/lib/broadcaster/history.ts");

/** loadOrCreateBroadcasterKey in the page, without the account object (which does not cross to the test). */
function loadOrCreate(page: Page): Promise<{ address: string; created: boolean }> {
  return page.evaluate(async (path) => {
    const { loadOrCreateBroadcasterKey } = (await import(/* @vite-ignore */ path)) as KeyStore;
    const { address, created, account } = await loadOrCreateBroadcasterKey();
    if (account.address !== address) throw new Error("account and address differ");
    return { address, created };
  }, KEY_STORE);
}

function exportKey(page: Page): Promise<string> {
  return page.evaluate(async (path) => ((await import(/* @vite-ignore */ path)) as KeyStore).exportBroadcasterKey(), KEY_STORE);
}

// Each test gets a fresh browser context, so its IndexedDB starts empty; a reload keeps it.
test.beforeEach(async ({ page }) => openApp(page));

test("a key is created once and the same address comes back after a reload", async ({ page }) => {
  const first = await loadOrCreate(page);
  expect(first.created).toBe(true);
  expect(first.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  expect(await loadOrCreate(page)).toEqual({ address: first.address, created: false });

  await page.reload();
  expect(await loadOrCreate(page)).toEqual({ address: first.address, created: false });
});

test("two calls racing on first use end with one key", async ({ page }) => {
  const addresses = await page.evaluate(async (path) => {
    const { loadOrCreateBroadcasterKey } = (await import(/* @vite-ignore */ path)) as KeyStore;
    const keys = await Promise.all([loadOrCreateBroadcasterKey(), loadOrCreateBroadcasterKey(), loadOrCreateBroadcasterKey()]);
    return keys.map((k) => ({ address: k.address, created: k.created }));
  }, KEY_STORE);
  expect(new Set(addresses.map((a) => a.address)).size).toBe(1);
  expect(addresses.filter((a) => a.created)).toHaveLength(1);
});

test("IndexedDB holds no copy of the private key, and its AES key is not extractable", async ({ page }) => {
  const { address } = await loadOrCreate(page);
  const privateKey = await exportKey(page);
  expect(privateKey).toMatch(/^0x[0-9a-f]{64}$/);

  // Every record of every store, read with the raw IndexedDB API; binary as hex, CryptoKeys by their properties.
  const dump = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("streamflow");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    let cryptoKeys = 0;
    let exportable = 0;
    const plain = async (value: unknown): Promise<unknown> => {
      if (value instanceof CryptoKey) {
        cryptoKeys++;
        // A non-extractable key refuses every export format.
        for (const format of ["raw", "jwk"] as const) {
          if (await crypto.subtle.exportKey(format, value).then(() => true, () => false)) exportable++;
        }
        return { cryptoKey: { type: value.type, extractable: value.extractable, algorithm: value.algorithm, usages: value.usages } };
      }
      if (value instanceof ArrayBuffer) return { hex: hex(new Uint8Array(value)) };
      if (ArrayBuffer.isView(value)) return { hex: hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
      if (Array.isArray(value)) return Promise.all(value.map(plain));
      if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
        return out;
      }
      return value;
    };
    const stores: Record<string, unknown> = {};
    for (const name of Array.from(db.objectStoreNames)) {
      const [keys, values] = await new Promise<[IDBValidKey[], unknown[]]>((resolve, reject) => {
        const store = db.transaction(name).objectStore(name);
        const k = store.getAllKeys();
        const v = store.getAll();
        v.onsuccess = () => resolve([k.result, v.result]);
        v.onerror = () => reject(v.error);
      });
      stores[name] = { keys, values: await Promise.all(values.map(plain)) };
    }
    db.close();
    return { text: JSON.stringify(stores), cryptoKeys, exportable };
  });

  const keyHex = privateKey.slice(2);
  expect(dump.text).toContain(address); // the dump does hold the key record
  expect(dump.text.toLowerCase()).not.toContain(keyHex);
  // Nor any 16-byte stretch of it, in case part of it were stored apart.
  for (let i = 0; i + 32 <= keyHex.length; i += 2) expect(dump.text.toLowerCase()).not.toContain(keyHex.slice(i, i + 32));
  expect(dump.text).toContain('"extractable":false');
  expect(dump.cryptoKeys).toBe(1);
  expect(dump.exportable).toBe(0);
});

test("export then import round-trips, and bad input is refused with a named error", async ({ page }) => {
  const first = await loadOrCreate(page);
  const firstKey = await exportKey(page);

  const other = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
  const imported = await page.evaluate(
    async ([path, hex]) => (await ((await import(/* @vite-ignore */ path)) as KeyStore).importBroadcasterKey(hex)).address,
    [KEY_STORE, ` ${other.toUpperCase().replace("0X", "0x")}\n`] as const,
  );
  expect(imported).not.toBe(first.address);
  expect(await loadOrCreate(page)).toEqual({ address: imported, created: false });
  expect(await exportKey(page)).toBe(other);

  const refusals = await page.evaluate(async (path) => {
    const { importBroadcasterKey } = (await import(/* @vite-ignore */ path)) as KeyStore;
    const names: string[] = [];
    for (const bad of ["", "0x1234", `0x${"zz".repeat(32)}`, `0x${"00".repeat(32)}`, `0x${"ff".repeat(32)}`]) {
      names.push(await importBroadcasterKey(bad).then(() => "accepted", (e: Error) => e.name));
    }
    return names;
  }, KEY_STORE);
  expect(refusals).toEqual(Array(5).fill("InvalidBroadcasterKey"));
  expect(await exportKey(page)).toBe(other); // refused imports change nothing

  await page.evaluate(
    async ([path, hex]) => void (await ((await import(/* @vite-ignore */ path)) as KeyStore).importBroadcasterKey(hex)),
    [KEY_STORE, firstKey] as const,
  );
  await page.reload();
  expect(await loadOrCreate(page)).toEqual({ address: first.address, created: false });
  expect(await exportKey(page)).toBe(firstKey);
});

test("history survives a reload", async ({ page }) => {
  const orchestrator = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  await page.evaluate(
    async ([path, address]) => {
      const h = (await import(/* @vite-ignore */ path)) as History;
      await h.recordSegment(address, { ok: true, roundTripMs: 100 });
      await h.recordSegment(address, { ok: true, roundTripMs: 200 });
      await h.recordSegment(address, { ok: false, roundTripMs: 5000 });
      await h.recordFault(address, "rendition 360p did not match its hash");
      // Recorded at once from many places: nothing is lost (each update is one transaction).
      await Promise.all(Array.from({ length: 10 }, () => h.recordSegment(address, { ok: true })));
    },
    [HISTORY, orchestrator] as const,
  );
  await page.reload();
  const records = await page.evaluate(async (path) => [...(await ((await import(/* @vite-ignore */ path)) as History).loadHistory()).values()], HISTORY);
  expect(records).toHaveLength(1);
  const [h] = records;
  expect(h).toMatchObject({
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    segmentsOk: 12,
    segmentsFailed: 1,
    meanRoundTripMs: 150,
    roundTripSamples: 2,
    faultCount: 1,
    faults: [{ reason: "rendition 360p did not match its hash" }],
  });
  expect(h!.lastSeenMs).toBeGreaterThan(0);
});
