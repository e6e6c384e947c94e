// The orchestrator node's configuration: from flags, environment (STREAMFLOW_*) and a JSON config file, in that
// order of precedence over the defaults, validated in one place with named errors saying which setting is wrong.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { FAULT_KINDS } from "./transcode/faults.ts";

const LOCAL_CHAIN_ID = 31337;

const wei = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative(), z.bigint()]).transform((v) => BigInt(v));
const ppm = wei.refine((v) => v <= 1_000_000n, "must be at most 1,000,000 (100%)");
const port = z.coerce.number().int().min(0).max(65_535);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x address");

export const configSchema = z.strictObject({
  /** JSON-RPC endpoint of the chain (any EVM chain). */
  rpcUrl: z.url().default("http://127.0.0.1:8545"),
  /** The deployments file written by `npm run deploy`. */
  deployments: z.string().min(1).default("deployments/localhost.json"),
  /** Encrypted key (Web3 Secret Storage v3) and where its password comes from. */
  keystore: z.string().min(1).optional(),
  keystorePasswordFile: z.string().min(1).optional(),
  /** Local chain only: use Hardhat's well-known dev account with this index instead of a keystore. */
  devAccount: z.coerce.number().int().min(0).max(19).optional(),
  /** Where the node listens (loopback by default) and the URI it registers on chain. */
  host: z.string().default("127.0.0.1"),
  port: port.default(8935),
  serviceURI: z.url().optional(),
  services: z.array(z.strictObject({ id: z.string().min(1).max(256), verifier: address })).max(32).default([
    { id: "CPUTranscoding", verifier: "0x0000000000000000000000000000000000000000" },
  ]),
  regions: z.array(z.string().min(1).max(256)).max(16).default([]),
  rewardCutPpm: ppm.default(100_000n),
  feeSharePpm: ppm.default(500_000n),
  /** Price asked per 2 s segment of the whole ladder, in wei: the expected value of the tickets per segment. */
  pricePerSegmentWei: wei.default(10n ** 13n),
  /** Redeem a winning ticket only when its gas costs at most this share of its face value (ppm; 10,000 = 1%). */
  maxRedeemOverheadPpm: ppm.default(10_000n),
  /** How often the redeemer looks at the queue of winning tickets (ms). */
  redeemIntervalMs: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  /** Blocks for which issued ticket params stay valid. */
  ticketParamsValidityBlocks: z.coerce.number().int().min(1).max(100_000).default(120),
  /** Concurrent broadcast sessions served; more get OrchestratorBusy. */
  maxSessions: z.coerce.number().int().min(1).max(10_000).default(8),
  /** Segments transcoded at once on this machine (0 = only remote transcoders). */
  localTranscodeCapacity: z.coerce.number().int().min(0).max(64).default(2),
  /** Force the CPU encoder even where NVENC works. */
  encoder: z.enum(["auto", "libx264"]).default("auto"),
  /** Shared secret remote transcoders authenticate with (unset = no remote transcoders). */
  transcoderSecret: z.string().min(16, "must be at least 16 characters").optional(),
  /** Where the node keeps its durable state (the redemption queue). */
  dataDir: z.string().min(1).default(".streamflow/orchestrator"),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Tests and demos on the local chain only: make this orchestrator cheat (the node refuses it on any other chain). */
  fault: z.enum(FAULT_KINDS).optional().describe(`local chain only: cheat on purpose (${FAULT_KINDS.join(", ")})`),
});

export type NodeConfig = z.output<typeof configSchema>;

export class InvalidConfig extends Error {
  override readonly name = "InvalidConfig";
}

/** Environment variables read, STREAMFLOW_<SNAKE_CASE> of each setting (e.g. STREAMFLOW_RPC_URL). */
export function envName(key: string): string {
  return `STREAMFLOW_${key.replace(/([a-z0-9])([A-Z]+)/g, "$1_$2").toUpperCase()}`;
}

const LIST_KEYS = new Set(["services", "regions"]);

function fromEnv(shape: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = env[envName(key)];
    if (value === undefined) continue;
    out[key] = key === "regions" ? value.split(",").map((s) => s.trim()).filter(Boolean) : LIST_KEYS.has(key) ? JSON.parse(value) : value;
  }
  return out;
}

/** Where a setting comes from, for loadSettings. */
export interface SettingsSources {
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
}

/**
 * Merges file < env < flags over `schema`'s defaults and validates, naming the first wrong setting with its flag and
 * environment variable: the node's settings and the verifier's (verifier/config.ts) load the same way.
 */
export async function loadSettings<S extends z.ZodObject>(schema: S, o: SettingsSources): Promise<z.output<S>> {
  let file: Record<string, unknown> = {};
  if (o.configFile) {
    try {
      file = JSON.parse(await readFile(o.configFile, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidConfig(`cannot read config file ${o.configFile}: ${(error as Error).message}`);
    }
  }
  const flags = Object.fromEntries(Object.entries(o.flags ?? {}).filter(([, v]) => v !== undefined));
  if (typeof flags.regions === "string") flags.regions = flags.regions.split(",").map((s) => s.trim()).filter(Boolean);
  if (typeof flags.services === "string") {
    try {
      flags.services = JSON.parse(flags.services);
    } catch {
      throw new InvalidConfig('setting services is invalid: give JSON, e.g. --services \'[{"id":"CPUTranscoding","verifier":"0x0000000000000000000000000000000000000000"}]\'');
    }
  }
  const merged = { ...file, ...fromEnv(schema.shape, o.env ?? {}), ...flags };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      // A setting of the node given to the verifier (or the reverse), or a typo in the config file.
      const names = issue.keys.map((k) => `${k} (--${k.replace(/([a-z0-9])([A-Z]+)/g, "$1-$2").toLowerCase()}, ${envName(k)})`);
      throw new InvalidConfig(`not a setting of this command: ${names.join(", ")}; --help lists each command's settings`);
    }
    const key = issue.path.join(".");
    throw new InvalidConfig(
      `setting ${key || "(root)"} is invalid: ${issue.message} (flag --${key}, env ${envName(String(issue.path[0] ?? ""))}, or the config file)`,
    );
  }
  return parsed.data;
}

/**
 * The node's settings: merges file < env < flags over the defaults and validates. `flags` are already-parsed CLI
 * values (strings); `configFile` is a JSON file of the same keys.
 */
export async function loadConfig(o: SettingsSources): Promise<NodeConfig> {
  const config = await loadSettings(configSchema, o);
  if (!config.keystore && config.devAccount === undefined) {
    throw new InvalidConfig("no key: give --keystore FILE (with --keystore-password-file), or --dev-account N on the local chain");
  }
  return { ...config, serviceURI: config.serviceURI ?? `http://${config.host}:${config.port}` };
}

/** The dev-account shortcut is refused anywhere but the local chain. */
export function assertDevAccountAllowed(config: Pick<NodeConfig, "devAccount">, chainId: number): void {
  if (config.devAccount !== undefined && chainId !== LOCAL_CHAIN_ID) {
    throw new InvalidConfig(`--dev-account is for the local chain (${LOCAL_CHAIN_ID}) only; this is chain ${chainId}: use --keystore`);
  }
}
