import { describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { decryptKeystore, encryptKeystore, KeystoreError, LIGHT_SCRYPT, WrongKeystorePassword } from "./keystore.ts";

// The scrypt test vector of the Web3 Secret Storage definition (ethereum wiki).
const SPEC_VECTOR = {
  version: 3,
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  address: "008aeeda4d805471df9b2a5b0f38a0c3bcba786b",
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
};

describe("keystore", () => {
  it("decrypts the Web3 Secret Storage scrypt test vector", async () => {
    const { privateKey, address } = await decryptKeystore(
      { ...SPEC_VECTOR, address: privateKeyToAddress("0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d").slice(2) },
      "testpassword",
    );
    expect(privateKey).toBe("0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");
    expect(address).toBe(privateKeyToAddress(privateKey));
  }, 30_000);

  it("round-trips a fresh key and records its address, never the key", async () => {
    const key = generatePrivateKey();
    const ks = await encryptKeystore(key, "correct horse", LIGHT_SCRYPT);
    expect(JSON.stringify(ks)).not.toContain(key.slice(2));
    expect(`0x${ks.address}`).toBe(privateKeyToAddress(key).toLowerCase());
    expect((await decryptKeystore(JSON.stringify(ks), "correct horse")).privateKey).toBe(key);
  });

  it("says the password is wrong instead of returning a wrong key", async () => {
    const ks = await encryptKeystore(generatePrivateKey(), "right", LIGHT_SCRYPT);
    await expect(decryptKeystore(ks, "wrong")).rejects.toBeInstanceOf(WrongKeystorePassword);
  });

  it.each([
    ["not v3", { version: 1 }],
    ["pbkdf2", { ...SPEC_VECTOR, crypto: { ...SPEC_VECTOR.crypto, kdf: "pbkdf2" } }],
    ["huge scrypt cost", { ...SPEC_VECTOR, crypto: { ...SPEC_VECTOR.crypto, kdfparams: { ...SPEC_VECTOR.crypto.kdfparams, n: 2 ** 24 } } }],
    ["bad salt", { ...SPEC_VECTOR, crypto: { ...SPEC_VECTOR.crypto, kdfparams: { ...SPEC_VECTOR.crypto.kdfparams, salt: "zz" } } }],
  ])("rejects a keystore that is %s with KeystoreError", async (_, json) => {
    await expect(decryptKeystore(json, "testpassword")).rejects.toBeInstanceOf(KeystoreError);
  });
});
