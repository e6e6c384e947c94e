// What a page's load function gives it about the network: the deployments the app serves, or why there are none.
import { DEPLOYMENTS_ROUTE, DeploymentsError, loadDeploymentsFromUrl, type Deployments } from "./deployments.ts";

export type PageNetwork = { deployments: Deployments; problem: null } | { deployments: null; problem: { name: string; message: string } };

export async function loadPageNetwork(fetch: typeof globalThis.fetch): Promise<PageNetwork> {
  try {
    return { deployments: await loadDeploymentsFromUrl(DEPLOYMENTS_ROUTE, fetch), problem: null };
  } catch (error) {
    if (!(error instanceof DeploymentsError)) throw error;
    return { deployments: null, problem: { name: error.name, message: error.message } };
  }
}
