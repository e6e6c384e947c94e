// `orchestrator-node verifier`: its flags, defaults, environment variables and --help.
import { describe, expect, it } from "vitest";
import { helpText, parseCli } from "../cli-args.ts";
import { InvalidConfig } from "../config.ts";
import { loadVerifierConfig } from "./config.ts";

describe("verifier settings", () => {
  it("reads the verifier command with the shared and its own flags", async () => {
    const cli = parseCli(["verifier", "--dev-account", "8", "--rpc-url", "http://127.0.0.1:18900", "--port", "8941", "--data-dir", "/tmp/v", "--evidence-wait-ms", "5000"]);
    expect(cli).toMatchObject({ command: "verifier", flags: { devAccount: "8", rpcUrl: "http://127.0.0.1:18900", port: "8941", dataDir: "/tmp/v", evidenceWaitMs: "5000" } });
    const config = await loadVerifierConfig({ flags: cli.flags, env: { STREAMFLOW_SSIM_THRESHOLD: "0.9" } });
    expect(config).toMatchObject({ devAccount: 8, port: 8941, dataDir: "/tmp/v", evidenceWaitMs: 5000, ssimThreshold: 0.9, deployments: "deployments/localhost.json" });
  });

  it("has defaults of its own: port 8940 and its own data dir", async () => {
    expect(await loadVerifierConfig({ flags: { devAccount: "8" } })).toMatchObject({ port: 8940, dataDir: ".streamflow/verifier", host: "127.0.0.1" });
  });

  it("refuses the node's settings, a missing key and bad values, naming the setting", async () => {
    await expect(loadVerifierConfig({ flags: { devAccount: "8", pricePerSegmentWei: "1" } })).rejects.toThrow(
      /not a setting of this command: pricePerSegmentWei \(--price-per-segment-wei, STREAMFLOW_PRICE_PER_SEGMENT_WEI\)/,
    );
    await expect(loadVerifierConfig({ flags: { devAccount: "8", fault: "stale" } })).rejects.toBeInstanceOf(InvalidConfig);
    await expect(loadVerifierConfig({ flags: {} })).rejects.toThrow(/--keystore|--dev-account/);
    await expect(loadVerifierConfig({ flags: { devAccount: "8", ssimThreshold: "2" } })).rejects.toThrow(/setting ssimThreshold is invalid.*STREAMFLOW_SSIM_THRESHOLD/);
  });

  it("is documented in --help", () => {
    const help = helpText();
    expect(help).toMatch(/orchestrator-node verifier .*--dev-account N \| --keystore FILE/);
    expect(help).toContain("--evidence-wait-ms");
    expect(help).toContain("STREAMFLOW_MAX_EVIDENCE_BYTES");
    expect(help).toContain("PUT /evidence/HASH");
  });
});
