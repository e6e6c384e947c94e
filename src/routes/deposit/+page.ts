// Loads the network the funds page works on (the deployments file the app serves), or why there is none.
import { loadPageNetwork } from "$lib/chain/page-network.ts";
import type { PageLoad } from "./$types.js";

export const load: PageLoad = ({ fetch }) => loadPageNetwork(fetch);
