// Minimal JSON-RPC probing of a chain endpoint, used before anything else talks to it.

/** The endpoint's chain id, or undefined when nothing answers there. */
export async function probeChainId(rpcUrl: string, timeoutMs = 1000): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(body.result);
  } catch {
    return undefined;
  }
}

/** Waits until the endpoint answers, up to `timeoutMs`. */
export async function waitForChain(rpcUrl: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const chainId = await probeChainId(rpcUrl);
    if (chainId !== undefined) return chainId;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the chain at ${rpcUrl} did not answer within ${timeoutMs / 1000} s`);
}
