// minutesOfStreamingLeft, and the refusals of the funding clients that need no chain (a JSON-RPC server on 127.0.0.1
// that claims another chain; wallets that decline); funding itself is in chain.integration.test.ts.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { parseEther, type EIP1193Provider } from "viem";
import { describe, expect, it } from "vitest";
import {
  DevFundingRefused,
  devFundingClient,
  fundBroadcaster,
  InvalidFundingInput,
  minutesOfStreamingLeft,
  walletClientFromEip1193,
  WalletHasNoAccount,
  WalletOnWrongChain,
  WalletRequestRejected,
} from "./funds.ts";

const ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

function wallet(answers: Record<string, () => unknown>): EIP1193Provider {
  return {
    request: async ({ method }: { method: string }) => {
      const answer = answers[method];
      if (!answer) throw new Error(`unexpected ${method}`);
      return answer();
    },
    on: () => undefined,
    removeListener: () => undefined,
  } as unknown as EIP1193Provider;
}

describe("minutesOfStreamingLeft", () => {
  it("counts whole 2 s segments the deposit pays for", () => {
    // 1 ETH at 10^13 wei per segment: 100,000 segments of 2 s = 200,000 s.
    expect(minutesOfStreamingLeft(parseEther("1"), 10n ** 13n, 2000)).toBeCloseTo(200_000 / 60, 9);
    // 30 segments of 2 s = 1 minute; the 31st segment is not fully paid, so it does not count.
    expect(minutesOfStreamingLeft(30n * 7n + 6n, 7n, 2000)).toBe(1);
    expect(minutesOfStreamingLeft(6n, 7n, 2000)).toBe(0);
  });

  it("multiplies the price by renditions (or redundancy)", () => {
    expect(minutesOfStreamingLeft(600n, 10n, 1000)).toBe(1);
    expect(minutesOfStreamingLeft(600n, 10n, 1000, 3)).toBeCloseTo(20 / 60, 12);
  });

  it("is unbounded at price 0 and 0 with no deposit", () => {
    expect(minutesOfStreamingLeft(1n, 0n, 2000)).toBe(Infinity);
    expect(minutesOfStreamingLeft(0n, 5n, 2000)).toBe(0);
  });

  it("names an input out of range", () => {
    expect(() => minutesOfStreamingLeft(-1n, 5n, 2000)).toThrow(InvalidFundingInput);
    expect(() => minutesOfStreamingLeft(1n, -5n, 2000)).toThrow(InvalidFundingInput);
    expect(() => minutesOfStreamingLeft(1n, 5n, 0)).toThrow(/segmentDurationMs/);
    expect(() => minutesOfStreamingLeft(1n, 5n, 2000, 0)).toThrow(/renditions/);
  });

  it("property: never more than deposit / price segments, never a segment short", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 18n }), fc.integer({ min: 1, max: 60_000 }), (deposit, price, durationMs) => {
        const segments = (minutesOfStreamingLeft(deposit, price, durationMs) * 60_000) / durationMs;
        const exact = Number(deposit / price);
        expect(Math.abs(segments - exact)).toBeLessThanOrEqual(exact * 1e-12 + 1e-6);
      }),
    );
  });
});

describe("funding clients' refusals", () => {
  it("refuses dev funding on any chain but the local one", async () => {
    // A JSON-RPC endpoint that says it is Ethereum mainnet.
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const attempt = devFundingClient(url, ACCOUNT);
      await expect(attempt).rejects.toBeInstanceOf(DevFundingRefused);
      await expect(attempt).rejects.toMatchObject({ chainId: 1 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("names a wallet on the wrong chain, one that declines, and one with no account", async () => {
    const deployments = { chainId: 31337, rpcUrl: "http://127.0.0.1:8545" };
    await expect(walletClientFromEip1193(wallet({ eth_requestAccounts: () => [ACCOUNT], eth_chainId: () => "0xa4b1" }), deployments)).rejects.toMatchObject({
      name: "WalletOnWrongChain",
      expectedChainId: 31337,
      walletChainId: 42161,
    });
    await expect(walletClientFromEip1193(wallet({ eth_requestAccounts: () => [ACCOUNT], eth_chainId: () => "0x1" }), deployments)).rejects.toBeInstanceOf(
      WalletOnWrongChain,
    );
    const declined = wallet({
      eth_requestAccounts: () => {
        throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      },
    });
    await expect(walletClientFromEip1193(declined, deployments)).rejects.toBeInstanceOf(WalletRequestRejected);
    await expect(walletClientFromEip1193(wallet({ eth_requestAccounts: () => [], eth_chainId: () => "0x7a69" }), deployments)).rejects.toBeInstanceOf(
      WalletHasNoAccount,
    );
    const connected = await walletClientFromEip1193(wallet({ eth_requestAccounts: () => [ACCOUNT.toLowerCase()], eth_chainId: () => "0x7a69" }), deployments);
    expect(connected.account.address).toBe(ACCOUNT);
    expect(connected.chain.id).toBe(31337);
  });

  it("names a wallet that switched chains after connecting, before anything is signed", async () => {
    let chainId = "0x7a69";
    const sent: string[] = [];
    const provider = wallet({
      eth_requestAccounts: () => [ACCOUNT],
      eth_chainId: () => chainId,
      eth_getBalance: () => "0x56bc75e2d63100000", // 100 ETH
      eth_sendTransaction: () => void sent.push("tx"),
    });
    const connected = await walletClientFromEip1193(provider, { chainId: 31337 });
    chainId = "0xa4b1";
    const attempt = fundBroadcaster(connected, "0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", 1n, 1n);
    await expect(attempt).rejects.toMatchObject({ name: "WalletOnWrongChain", expectedChainId: 31337, walletChainId: 42161 });
    expect(sent).toEqual([]);
  });
});
