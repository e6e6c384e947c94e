// Connecting a wallet for any page: the browser's EIP-1193 wallet (window.ethereum), or on the local chain one of the
// node's unlocked dev accounts. The clients themselves come from funds.ts; this file finds and lists what to connect.
import { createWalletClient, http, type Address, type EIP1193Provider } from "viem";
import {
  DevAccountUnavailable,
  DevFundingRefused,
  devFundingClient,
  FundsError,
  LOCAL_CHAIN_ID,
  walletClientFromEip1193,
  type FundingClient,
} from "../broadcaster/funds.ts";
import type { Deployments } from "./deployments.ts";

/** The page has no EIP-1193 wallet (no browser extension injected window.ethereum). */
export class NoBrowserWallet extends FundsError {
  override name = "NoBrowserWallet";

  constructor() {
    super(
      "This browser has no wallet extension this page can talk to.",
      `Install or enable a wallet extension (MetaMask, Rabby…) and reload the page; on the local chain, use a dev account instead.`,
    );
  }
}

/** The deployments file names no RPC URL, so the page cannot reach the chain's node on its own. */
export class DeploymentHasNoRpcUrl extends FundsError {
  override name = "DeploymentHasNoRpcUrl";
  readonly chainId: number;

  constructor(chainId: number) {
    super(
      `The deployments file for chain ${chainId} names no rpcUrl, so this page cannot reach the chain's node.`,
      'Add "rpcUrl" to the deployments file (npm run deploy writes it), or connect a browser wallet.',
    );
    this.chainId = chainId;
  }
}

/** The page's injected EIP-1193 provider, if a wallet extension put one there. */
export function browserWallet(): EIP1193Provider | undefined {
  if (typeof window === "undefined") return undefined;
  return (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
}

/** Whether this deployment is the local chain, whose dev accounts a page may use. */
export function offersDevAccounts(deployments: Pick<Deployments, "chainId">): boolean {
  return deployments.chainId === LOCAL_CHAIN_ID;
}

/**
 * Connects the browser's wallet (its prompt shows) on the deployment's chain.
 * @param provider the EIP-1193 provider; window.ethereum by default
 * @throws NoBrowserWallet; and funds.ts's WalletRequestRejected, WalletHasNoAccount, WalletOnWrongChain, FundingFailed
 */
export async function connectBrowserWallet(
  deployments: Pick<Deployments, "chainId" | "rpcUrl">,
  provider: EIP1193Provider | undefined = browserWallet(),
): Promise<FundingClient> {
  if (!provider) throw new NoBrowserWallet();
  return walletClientFromEip1193(provider, deployments);
}

/**
 * The local node's unlocked dev accounts (eth_accounts), in the node's order (#0 first), for the picker.
 * @throws DeploymentHasNoRpcUrl; DevFundingRefused on any chain but the local one; DevAccountUnavailable when the
 *         node does not answer
 */
export async function listDevAccounts(deployments: Pick<Deployments, "chainId" | "rpcUrl">): Promise<Address[]> {
  const rpcUrl = requireRpcUrl(deployments);
  if (!offersDevAccounts(deployments)) throw new DevFundingRefused(deployments.chainId);
  const probe = createWalletClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new DevAccountUnavailable(rpcUrl, "(any)", `the chain did not answer (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`, {
      cause: error,
    });
  }
  // The deployments file may say 31337 while the URL serves another chain: the node's word decides.
  if (chainId !== LOCAL_CHAIN_ID) throw new DevFundingRefused(chainId);
  return [...(await probe.getAddresses())];
}

/**
 * A client that sends from the local node's unlocked dev account `address`.
 * @throws DeploymentHasNoRpcUrl; and devFundingClient's DevFundingRefused, DevAccountUnavailable, InvalidFundingInput
 */
export function connectDevAccount(deployments: Pick<Deployments, "chainId" | "rpcUrl">, address: Address): Promise<FundingClient> {
  return devFundingClient(requireRpcUrl(deployments), address);
}

/**
 * Calls `onChange` when the browser wallet switches account or chain, so that a page drops a client that no longer
 * speaks for the account it shows. Returns the function that stops listening.
 */
export function watchBrowserWallet(provider: EIP1193Provider, onChange: () => void): () => void {
  provider.on("accountsChanged", onChange);
  provider.on("chainChanged", onChange);
  return () => {
    provider.removeListener("accountsChanged", onChange);
    provider.removeListener("chainChanged", onChange);
  };
}

function requireRpcUrl(deployments: Pick<Deployments, "chainId" | "rpcUrl">): string {
  if (!deployments.rpcUrl) throw new DeploymentHasNoRpcUrl(deployments.chainId);
  return deployments.rpcUrl;
}
