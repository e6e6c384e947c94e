// Starts the seeded orchestrators' nodes on the local network: one per seeded orchestrator (dev accounts #1–#3,
// ports 8935–8937), the last one transcoding only on a separate transcoder process, as an operator with a GPU box
// would run it.
import { join, resolve } from "node:path";
import { SEED_ORCHESTRATORS } from "./seed-network.ts";
import { startService } from "./processes.ts";

export interface LocalOrchestrator {
  url: string;
  /** The node's process id: its /healthz reports it, so a stale node on the same port is not taken for this one. */
  pid: number | undefined;
  accountIndex: number;
  remoteTranscoder: boolean;
}

/** A fixed, local-only secret for the local transcoder: it never leaves 127.0.0.1. */
const LOCAL_TRANSCODER_SECRET = "local-dev-transcoder-secret";

/**
 * Cheats to inject, for tests and demos of fault verification: STREAMFLOW_START_FAULT="<dev account>:<kind>"
 * (e.g. "3:black-frames") makes that one orchestrator run with `--fault <kind>`.
 */
export function parseStartFault(text: string | undefined): { accountIndex: number; kind: string } | undefined {
  if (!text) return undefined;
  const match = /^(\d+):([a-z-]+)$/.exec(text.trim());
  if (!match) throw new Error(`STREAMFLOW_START_FAULT must look like "3:black-frames", not ${JSON.stringify(text)}`);
  return { accountIndex: Number(match[1]), kind: match[2]! };
}

export function startLocalOrchestrators(o: {
  rpcUrl: string;
  deploymentsFile: string;
  dataDir: string;
  verbose: boolean;
  fault?: { accountIndex: number; kind: string };
}): LocalOrchestrator[] {
  const cli = resolve("orchestrator-node/cli.ts");
  const show = o.verbose ? (line: string) => /"level":(30|40|50|60)/.test(line) || !line.startsWith("{") : () => false;
  return SEED_ORCHESTRATORS.map((seeded, i) => {
    const port = new URL(seeded.serviceURI).port;
    const remoteTranscoder = i === SEED_ORCHESTRATORS.length - 1;
    const args = [
      "--no-warnings", cli, "--dev-account", String(seeded.accountIndex), "--rpc-url", o.rpcUrl, "--deployments", o.deploymentsFile,
      "--port", port, "--service-uri", seeded.serviceURI, "--regions", seeded.regions.join(","),
      "--services", JSON.stringify(seeded.services), "--reward-cut-ppm", String(seeded.rewardCutPpm),
      "--fee-share-ppm", String(seeded.feeSharePpm), "--data-dir", join(o.dataDir, `orchestrator-${seeded.accountIndex}`),
      ...(o.fault?.accountIndex === seeded.accountIndex ? ["--fault", o.fault.kind] : []),
    ];
    const env = remoteTranscoder ? { STREAMFLOW_TRANSCODER_SECRET: LOCAL_TRANSCODER_SECRET, STREAMFLOW_LOCAL_TRANSCODE_CAPACITY: "0" } : {};
    const child = startService(`orchestrator-${seeded.accountIndex}`, process.execPath, args, env, show);
    if (remoteTranscoder) {
      startService(
        `transcoder-${seeded.accountIndex}`,
        process.execPath,
        ["--no-warnings", cli, "transcoder", "--orchestrator", `ws://127.0.0.1:${port}`, "--capacity", "2"],
        { STREAMFLOW_TRANSCODER_SECRET: LOCAL_TRANSCODER_SECRET },
        show,
      );
    }
    return { url: seeded.serviceURI, pid: child.pid, accountIndex: seeded.accountIndex, remoteTranscoder };
  });
}
