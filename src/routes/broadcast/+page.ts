// Loads the network the broadcast page works on (the deployments file the app serves), or why there is none.
import { DEPLOYMENTS_ROUTE, DeploymentsError, loadDeploymentsFromUrl } from "$lib/chain/deployments.ts";
import type { PageLoad } from "./$types.js";

export const load: PageLoad = async ({ fetch }) => {
  try {
    return { deployments: await loadDeploymentsFromUrl(DEPLOYMENTS_ROUTE, fetch), problem: null };
  } catch (error) {
    if (!(error instanceof DeploymentsError)) throw error;
    return { deployments: null, problem: { name: error.name, message: error.message } };
  }
};
