// The verifier's settings (`orchestrator-node verifier`): the chain and key settings it shares with the node, its own
// port, data dir and limits; loaded like the node's (flags > STREAMFLOW_* env > JSON file) with the same named errors.
import { z } from "zod";
import { configSchema, InvalidConfig, loadSettings, type NodeConfig, type SettingsSources } from "../config.ts";
import { DEFAULT_MAX_ITEM_BYTES, DEFAULT_MAX_TOTAL_BYTES } from "./evidence-store.ts";
import { DEFAULT_SSIM_THRESHOLD } from "./native-checks.ts";

const shared = configSchema.pick({ rpcUrl: true, deployments: true, keystore: true, keystorePasswordFile: true, devAccount: true, host: true, logLevel: true }).shape;

export const verifierConfigSchema = z.strictObject({
  ...shared,
  port: z.coerce.number().int().min(0).max(65_535).default(8940),
  /** Where the verifier keeps the evidence and its record of challenges. */
  dataDir: z.string().min(1).default(".streamflow/verifier"),
  /** How long after a challenge is filed its evidence may still be uploaded; a piece still missing then loses the challenge. */
  evidenceWaitMs: z.coerce.number().int().min(1_000).max(7 * 24 * 3_600_000).default(5 * 60_000)
    .describe("how long a challenge's evidence may take to arrive (ms)"),
  /** Largest piece of evidence (a segment or a rendition) accepted. */
  maxEvidenceBytes: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(DEFAULT_MAX_ITEM_BYTES)
    .describe("largest piece of evidence accepted (bytes)"),
  /** All the evidence kept on disk together. */
  maxEvidenceTotalBytes: z.coerce.number().int().min(1024).default(DEFAULT_MAX_TOTAL_BYTES)
    .describe("all evidence kept on disk together (bytes)"),
  /** SSIM under which a rendition is compared with the verifier's own encode (native-checks.ts has the measurements). */
  ssimThreshold: z.coerce.number().min(0).max(1).default(DEFAULT_SSIM_THRESHOLD)
    .describe("SSIM under which a rendition is compared with the verifier's own encode"),
  /** How often the chain is read for new challenges (ms). */
  pollIntervalMs: z.coerce.number().int().min(100).max(600_000).default(2_000).describe("how often the chain is read for challenges (ms)"),
});

export type VerifierConfig = z.output<typeof verifierConfigSchema>;

/** Keys only the verifier has, for the command line's flags. */
export const VERIFIER_ONLY_KEYS = Object.keys(verifierConfigSchema.shape).filter((key) => !(key in configSchema.shape));

export async function loadVerifierConfig(o: SettingsSources): Promise<VerifierConfig> {
  const config = await loadSettings(verifierConfigSchema, o);
  if (!config.keystore && config.devAccount === undefined) {
    throw new InvalidConfig("no key: give --keystore FILE (with --keystore-password-file), or --dev-account N on the local chain");
  }
  return config;
}

/** The key settings as loadNodeKey reads them (it reads nothing else of a node's configuration). */
export function keySettings(config: VerifierConfig): NodeConfig {
  const { devAccount, keystore, keystorePasswordFile } = config;
  return { devAccount, keystore, keystorePasswordFile } as NodeConfig;
}
