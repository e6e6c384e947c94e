// The fault verifier of the local network: `orchestrator-node verifier` with Hardhat dev account #8, which the
// local deploy puts in the FaultVerifier's verifier set; broadcasters upload challenge evidence to it.
import { join, resolve } from "node:path";
import { startService } from "./processes.ts";

export const LOCAL_VERIFIER_ACCOUNT = 8;
export const LOCAL_VERIFIER_PORT = 8940;

export interface LocalVerifier {
  url: string;
  pid: number | undefined;
}

export function startLocalVerifier(o: { rpcUrl: string; deploymentsFile: string; dataDir: string; verbose: boolean }): LocalVerifier {
  const show = o.verbose ? (line: string) => /"level":(30|40|50|60)/.test(line) || !line.startsWith("{") : () => false;
  const child = startService(
    "verifier",
    process.execPath,
    [
      "--no-warnings", resolve("orchestrator-node/cli.ts"), "verifier", "--dev-account", String(LOCAL_VERIFIER_ACCOUNT),
      "--rpc-url", o.rpcUrl, "--deployments", o.deploymentsFile, "--port", String(LOCAL_VERIFIER_PORT),
      "--data-dir", join(o.dataDir, "verifier"),
    ],
    {},
    show,
  );
  return { url: `http://127.0.0.1:${LOCAL_VERIFIER_PORT}`, pid: child.pid };
}
