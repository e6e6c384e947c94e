// `orchestrator-node transcoder --orchestrator URL --secret S --capacity N`: runs a remote transcoder until SIGINT or
// SIGTERM. Also runs standalone: `node orchestrator-node/transcode/transcoder-cli.ts --orchestrator … --capacity …`.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { InvalidConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { H264Encoder } from "./ffmpeg-args.ts";
import { runTranscoder, TranscoderRefused, type RunTranscoderOptions } from "./transcoder.ts";
import { MAX_TRANSCODER_CAPACITY, TRANSCODERS_PATH } from "./transcoder-wire.ts";

export const TRANSCODER_USAGE = `usage: orchestrator-node transcoder --orchestrator URL --capacity N [--secret S] [--encoder auto|libx264|h264_nvenc] [--name NAME]
  --orchestrator  the orchestrator's address: http://HOST:PORT (its service URI) or ws://HOST:PORT${TRANSCODERS_PATH}
  --secret        its transcoder secret; prefer STREAMFLOW_TRANSCODER_SECRET, since flags show in the process list
  --capacity      segments to transcode at once (1..${MAX_TRANSCODER_CAPACITY}), default 1
  --encoder       auto (NVENC when it works here, else libx264), libx264 or h264_nvenc; default auto
  --name          how the orchestrator's logs and metrics name this transcoder; default the host name`;

/** Exit statuses: 0 stopped by a signal, 1 refused by the orchestrator, 2 bad flags. */
const EXIT_REFUSED = 1;
const EXIT_USAGE = 2;

/**
 * Reads the transcoder's flags, with the secret from STREAMFLOW_TRANSCODER_SECRET when --secret is absent.
 * @throws InvalidConfig naming the flag that is wrong
 */
export function parseTranscoderArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): RunTranscoderOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        orchestrator: { type: "string" },
        secret: { type: "string" },
        capacity: { type: "string", default: "1" },
        encoder: { type: "string", default: "auto" },
        name: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InvalidConfig(`${(error as Error).message}\n${TRANSCODER_USAGE}`);
  }
  if (!values.orchestrator) throw new InvalidConfig(`--orchestrator is required\n${TRANSCODER_USAGE}`);
  const secret = values.secret ?? env.STREAMFLOW_TRANSCODER_SECRET;
  if (!secret) throw new InvalidConfig("the transcoder secret is missing: set STREAMFLOW_TRANSCODER_SECRET or pass --secret");
  const capacity = Number(values.capacity);
  if (!/^[0-9]+$/.test(values.capacity) || capacity < 1 || capacity > MAX_TRANSCODER_CAPACITY) {
    throw new InvalidConfig(`--capacity must be an integer from 1 to ${MAX_TRANSCODER_CAPACITY}, got ${JSON.stringify(values.capacity)}`);
  }
  if (!["auto", "libx264", "h264_nvenc"].includes(values.encoder)) {
    throw new InvalidConfig(`--encoder must be auto, libx264 or h264_nvenc, got ${JSON.stringify(values.encoder)}`);
  }
  if (values.name !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(values.name)) {
    throw new InvalidConfig("--name must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return {
    orchestratorUrl: transcodersUrl(values.orchestrator),
    secret,
    capacity,
    ...(values.encoder === "auto" ? {} : { encoder: values.encoder as H264Encoder }),
    ...(values.name === undefined ? {} : { name: values.name }),
  };
}

/** The orchestrator's service URI (http) or its transcoder endpoint (ws), as the endpoint's ws:// URL. */
export function transcodersUrl(orchestrator: string): string {
  let url: URL;
  try {
    url = new URL(orchestrator);
  } catch {
    throw new InvalidConfig(`--orchestrator ${JSON.stringify(orchestrator)} is not a URL; give http://HOST:PORT or ws://HOST:PORT${TRANSCODERS_PATH}`);
  }
  const schemes: Record<string, string> = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" };
  const scheme = schemes[url.protocol];
  if (!scheme) throw new InvalidConfig(`--orchestrator must be an http(s) or ws(s) URL, got ${url.protocol}`);
  if (url.username || url.password) throw new InvalidConfig("--orchestrator must not carry credentials; pass the secret with --secret");
  url.protocol = scheme;
  if (url.pathname === "/" || url.pathname === "") url.pathname = TRANSCODERS_PATH;
  return url.toString();
}

/** Runs the command; resolves to the process's exit status. */
export async function transcoderMain(
  argv: readonly string[],
  o: { env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<number> {
  const log: Logger = o.logger ?? pino({ name: "transcoder" });
  let options: RunTranscoderOptions;
  try {
    options = parseTranscoderArgs(argv, o.env);
  } catch (error) {
    if (!(error instanceof InvalidConfig)) throw error;
    // A person typed these flags: tell them plainly, on stderr, rather than in a JSON log line.
    process.stderr.write(`${error.name}: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.info({ signal }, "stopping the transcoder");
    stop.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await runTranscoder({ ...options, logger: log, signal: stop.signal });
    return 0;
  } catch (error) {
    if (!(error instanceof TranscoderRefused)) throw error;
    log.error({ err: error.name, status: error.status, orchestratorUrl: error.orchestratorUrl }, error.message);
    return EXIT_REFUSED;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await transcoderMain(process.argv.slice(2));
}
