// Command-line parsing for `orchestrator-node`: every configuration key is a kebab-case flag, and --help lists them
// with their environment variable, so the CLI, the env and the config file never drift apart.
import { parseArgs } from "node:util";
import { configSchema, envName } from "./config.ts";
import { VERIFIER_ONLY_KEYS, verifierConfigSchema } from "./verifier/config.ts";

export const COMMANDS = ["start", "transcoder", "keystore", "verifier"] as const;
export type Command = (typeof COMMANDS)[number];

/** serviceURI → service-uri, rpcUrl → rpc-url: runs of capitals are one word. */
const kebab = (key: string) => key.replace(/([a-z0-9])([A-Z]+)/g, "$1-$2").toLowerCase();
/** Each configuration key (the node's and the verifier's) by its flag. */
const CONFIG_KEY_BY_FLAG = new Map([...Object.keys(configSchema.shape), ...VERIFIER_ONLY_KEYS].map((key) => [kebab(key), key]));
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export interface ParsedCli {
  command: Command;
  subcommand?: string;
  positionals: string[];
  help: boolean;
  configFile?: string;
  /** Configuration flags, camelCase keys, string values (validated by loadConfig, or loadVerifierConfig). */
  flags: Record<string, string>;
  /** Flags of the transcoder and keystore commands. */
  extra: Record<string, string>;
}

const EXTRA_FLAGS = ["orchestrator", "secret", "capacity", "out", "password-file"] as const;

export function parseCli(argv: string[]): ParsedCli {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    config: { type: "string" },
  };
  for (const key of CONFIG_KEY_BY_FLAG.values()) options[kebab(key)] = { type: "string" };
  for (const flag of EXTRA_FLAGS) options[flag] = { type: "string" };
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [first, second, ...rest] = positionals;
  const command = (COMMANDS as readonly string[]).includes(first ?? "") ? (first as Command) : "start";
  const remaining = command === "start" && first !== "start" ? positionals : [second, ...rest].filter((p): p is string => p !== undefined);
  const flags: Record<string, string> = {};
  const extra: Record<string, string> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (flag === "help" || flag === "config" || typeof value !== "string") continue;
    if ((EXTRA_FLAGS as readonly string[]).includes(flag)) extra[camel(flag)] = value;
    else flags[CONFIG_KEY_BY_FLAG.get(flag) ?? flag] = value;
  }
  return {
    command,
    subcommand: command === "keystore" ? remaining[0] : undefined,
    positionals: command === "keystore" ? remaining.slice(1) : remaining,
    help: values.help === true,
    configFile: typeof values.config === "string" ? values.config : undefined,
    flags,
    extra,
  };
}

function settingLine([key, schema]: [string, unknown]): string {
  const description = (schema as { description?: string }).description ?? "";
  return `  --${kebab(key).padEnd(32)} ${envName(key)}${description ? `  ${description}` : ""}`;
}

export function helpText(): string {
  const settings = Object.entries(configSchema.shape).map(settingLine);
  const verifierSettings = Object.entries(verifierConfigSchema.shape).filter(([key]) => VERIFIER_ONLY_KEYS.includes(key)).map(settingLine);
  return [
    "orchestrator-node — the Streamflow orchestrator: quotes, tickets, transcoding, redemption.",
    "",
    "Usage:",
    "  orchestrator-node [start] [--config node.json] [settings]",
    "  orchestrator-node transcoder --orchestrator ws://HOST:PORT --secret S [--capacity N]",
    "  orchestrator-node keystore new --out FILE [--password-file F]   (password from the file or STREAMFLOW_KEYSTORE_PASSWORD)",
    "  orchestrator-node keystore address FILE",
    "  orchestrator-node verifier [--config verifier.json] [--dev-account N | --keystore FILE] [--rpc-url URL] [--deployments FILE] [--port 8940] [--data-dir DIR]",
    "",
    "Settings (flag, environment variable; a JSON --config file takes the camelCase names):",
    ...settings,
    "",
    "Fault verifier (`verifier`): watches the FaultVerifier's ChallengeFiled events, takes the challengers' evidence over",
    "HTTP (PUT /evidence/HASH, PUT /evidence/ladder/JOBHASH; GET /challenges/ID for the status and verdict), re-checks the",
    "rendition with native ffmpeg and submits its verdict. It takes --rpc-url, --deployments, --keystore,",
    "--keystore-password-file, --dev-account, --host and --log-level as above, --port (default 8940), --data-dir (default",
    ".streamflow/verifier), and:",
    ...verifierSettings,
    "",
    "On the local chain, --dev-account N uses Hardhat's dev account N instead of a keystore (the local verifier: 8).",
    "--fault KIND makes the node cheat on purpose for tests and demos; it refuses to start with it on any chain but 31337.",
  ].join("\n");
}
