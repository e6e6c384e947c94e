// Serves the deployments file named by STREAMFLOW_DEPLOYMENTS (default deployments/localhost.json), read on every request.
import { json } from "@sveltejs/kit";
import { env } from "$env/dynamic/private";
import {
  DeploymentsError,
  DeploymentsFileNotFound,
  deploymentsErrorBody,
  deploymentsPath,
} from "$lib/chain/deployments.ts";
import { loadDeploymentsFile } from "$lib/chain/deployments-file.ts";
import type { RequestHandler } from "./$types.js";

// Read per request rather than bundled at build time, so that a redeploy needs no rebuild or restart.
export const prerender = false;

export const GET: RequestHandler = async () => {
  try {
    const deployments = await loadDeploymentsFile(deploymentsPath(env));
    return json(deployments, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    if (!(error instanceof DeploymentsError)) throw error;
    const status = error instanceof DeploymentsFileNotFound ? 404 : 500;
    return json(deploymentsErrorBody(error), { status, headers: { "cache-control": "no-store" } });
  }
};
