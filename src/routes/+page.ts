// Loads the network the app is configured for, or the reason there is none, for the landing page.
import { loadPageNetwork } from "$lib/chain/page-network.ts";
import type { PageLoad } from "./$types.js";

export const load: PageLoad = ({ fetch }) => loadPageNetwork(fetch);
