// viem clients and typed contract handles for the orchestrator node, from an RPC URL and a deployments file only:
// the same code runs against the local chain, Arbitrum or any EVM chain.
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getContract,
  http,
  nonceManager,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type WalletClient,
  type Transport,
  type Account,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  bondingManagerAbi,
  livepeerTokenAbi,
  minterAbi,
  roundsManagerAbi,
  serviceRegistryAbi,
  ticketBrokerAbi,
} from "../../src/lib/chain/abis.generated.ts";
import type { Deployments } from "../../src/lib/chain/deployments.ts";

export type NodeWalletClient = WalletClient<Transport, Chain, Account>;

export function chainFor(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Streamflow local chain" : `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** Everything the node reads and writes on chain, typed by the generated ABIs. */
export function createChainClients(o: { rpcUrl: string; privateKey: Hex; deployments: Deployments; pollingIntervalMs?: number }) {
  const chain = chainFor(o.deployments.chainId, o.rpcUrl);
  const transport = http(o.rpcUrl, { retryCount: 2, timeout: 15_000 });
  const publicClient: PublicClient<Transport, Chain> = createPublicClient({
    chain,
    transport,
    pollingInterval: o.pollingIntervalMs ?? 1_000,
  });
  // One nonce sequence for everything this node sends (rounds, reward, registration, redemptions) in parallel.
  const account = privateKeyToAccount(o.privateKey, { nonceManager });
  const walletClient: NodeWalletClient = createWalletClient({ chain, transport, account });
  const client = { public: publicClient, wallet: walletClient };
  const c = o.deployments.contracts;
  const at = <const A extends readonly unknown[]>(abi: A, address: Address) => getContract({ abi, address, client });
  return {
    chain,
    account,
    publicClient,
    walletClient,
    contracts: {
      token: at(livepeerTokenAbi, c.LivepeerToken),
      rounds: at(roundsManagerAbi, c.RoundsManager),
      bondingManager: at(bondingManagerAbi, c.BondingManager),
      minter: at(minterAbi, c.Minter),
      ticketBroker: at(ticketBrokerAbi, c.TicketBroker),
      serviceRegistry: at(serviceRegistryAbi, c.ServiceRegistry),
    },
  };
}

export type ChainClients = ReturnType<typeof createChainClients>;

/** Sends a transaction built by `send` and waits for it; a revert becomes an error naming `what`. */
export async function sendAndWait(clients: ChainClients, what: string, send: () => Promise<Hex>): Promise<Hex> {
  const hash = await send();
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what}: transaction ${hash} reverted`);
  return hash;
}
