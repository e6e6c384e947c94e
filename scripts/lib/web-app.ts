// The web app for the one-command start: a production build of the SvelteKit app (adapter-node), served on
// 127.0.0.1 with the deployments file the rest of the system uses.
import { resolve } from "node:path";
import { runStep, startService } from "./processes.ts";

/** Builds the app into build/ (a few seconds; Vite's warnings about its dependencies are hidden). */
export function buildWebApp(verbose: boolean): Promise<void> {
  const show = verbose ? (line: string) => /error|✓ built|done/i.test(line) && !/Circular dependency/.test(line) : () => false;
  return runStep("web-build", process.execPath, [resolve("node_modules/vite/bin/vite.js"), "build", "--logLevel", "error"], {}, show);
}

/** Serves the built app; resolves once it answers, with its URL. */
export async function startWebApp(o: { port: number; deploymentsFile: string; verifierUrls: string[]; verbose: boolean }): Promise<string> {
  const url = `http://127.0.0.1:${o.port}`;
  startService(
    "web",
    process.execPath,
    [resolve("build/index.js")],
    { HOST: "127.0.0.1", PORT: String(o.port), ORIGIN: url, STREAMFLOW_DEPLOYMENTS: o.deploymentsFile, STREAMFLOW_VERIFIER_URLS: o.verifierUrls.join(",") },
    o.verbose ? () => true : () => false,
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fetch(`${url}/deployments.json`).then((r) => r.ok, () => false)) return url;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the web app did not answer on ${url} within 30 s (see its log lines above)`);
}
