// Serves the URLs of the fault verifiers that take challenge evidence (STREAMFLOW_VERIFIER_URLS, comma-separated):
// the chain knows the verifiers' addresses, this says where to upload what they need to judge.
import { json } from "@sveltejs/kit";
import { env } from "$env/dynamic/private";
import type { RequestHandler } from "./$types.js";

export const prerender = false;

export const GET: RequestHandler = () => {
  const urls = (env.STREAMFLOW_VERIFIER_URLS ?? "")
    .split(",")
    .map((u) => u.trim())
    .filter((u) => /^https?:\/\/[^\s]+$/.test(u));
  return json({ verifierUrls: urls }, { headers: { "cache-control": "no-store" } });
};
