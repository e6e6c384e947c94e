#!/usr/bin/env node
// `orchestrator-node`: the Streamflow orchestrator's command line — start the node, run a remote transcoder or a fault
// verifier, or manage the encrypted key. Errors are printed with their next step; the key and secrets never are.
import { readFile, writeFile } from "node:fs/promises";
import { pino } from "pino";
import { generatePrivateKey } from "viem/accounts";
import { helpText, parseCli } from "./cli-args.ts";
import { InvalidConfig, loadConfig } from "./config.ts";
import { encryptKeystore } from "./keys/keystore.ts";
import type { Logger } from "./log.ts";
import { startOrchestratorNode } from "./node.ts";
import { transcoderMain } from "./transcode/transcoder-cli.ts";
import { loadVerifierConfig } from "./verifier/config.ts";
import { startVerifier } from "./verifier/start.ts";

async function keystoreCommand(subcommand: string | undefined, positionals: string[], extra: Record<string, string>): Promise<void> {
  if (subcommand === "address") {
    const file = positionals[0];
    if (!file) throw new InvalidConfig("keystore address FILE: name the keystore file");
    const ks = JSON.parse(await readFile(file, "utf8")) as { address?: string };
    console.log(`0x${ks.address}`);
    return;
  }
  if (subcommand === "new") {
    if (!extra.out) throw new InvalidConfig("keystore new --out FILE: say where to write the keystore");
    const password = extra.passwordFile ? (await readFile(extra.passwordFile, "utf8")).replace(/\r?\n$/, "") : process.env.STREAMFLOW_KEYSTORE_PASSWORD;
    if (!password) throw new InvalidConfig("keystore new needs a password: --password-file FILE or STREAMFLOW_KEYSTORE_PASSWORD");
    const ks = await encryptKeystore(generatePrivateKey(), password);
    await writeFile(extra.out, JSON.stringify(ks, null, 2), { mode: 0o600, flag: "wx" });
    console.log(`new key 0x${ks.address} written to ${extra.out}: fund it, bond LPT to it, then start the node with --keystore ${extra.out}`);
    return;
  }
  throw new InvalidConfig("keystore takes `new --out FILE` or `address FILE`");
}

async function main(argv: string[]): Promise<void> {
  // The transcoder has flags of its own (and knows nothing of the node's settings): hand them over as they are.
  if (argv[0] === "transcoder") {
    process.exitCode = await transcoderMain(argv.slice(1));
    return;
  }
  const cli = parseCli(argv);
  if (cli.help) {
    console.log(helpText());
    return;
  }
  if (cli.command === "keystore") return keystoreCommand(cli.subcommand, cli.positionals, cli.extra);

  let node: { stop(): Promise<void> };
  let log: Logger;
  if (cli.command === "verifier") {
    const config = await loadVerifierConfig({ flags: cli.flags, env: process.env, configFile: cli.configFile });
    log = pino({ level: config.logLevel, base: { service: "verifier" }, redact: ["secret", "privateKey", "password"] });
    node = await startVerifier(config, log);
  } else {
    const config = await loadConfig({ flags: cli.flags, env: process.env, configFile: cli.configFile });
    log = pino({ level: config.logLevel, base: { service: "orchestrator-node" }, redact: ["secret", "privateKey", "password"] });
    node = await startOrchestratorNode(config, log);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await node.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as Error & { nextStep?: string };
  console.error(`orchestrator-node: ${e.name}: ${e.message}${e.nextStep ? `\nNext step: ${e.nextStep}` : ""}`);
  process.exit(1);
});
