// --fault through the command line, the environment and the node's start: accepted on the local chain only.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helpText, parseCli } from "../cli-args.ts";
import { InvalidConfig, loadConfig } from "../config.ts";
import { silentLogger } from "../log.ts";
import { startOrchestratorNode } from "../node.ts";
import { FaultInjectionRefused } from "./faults.ts";

/** A deployments file for `chainId`; the addresses are never called, since the node must refuse before any RPC. */
async function deploymentsFor(chainId: number): Promise<string> {
  const names = ["LivepeerToken", "RoundsManager", "Minter", "BondingManager", "TicketBroker", "ServiceRegistry", "FaultVerifier"];
  const contracts = Object.fromEntries(names.map((name, i) => [name, `0x${String(i + 1).padStart(40, "0")}`]));
  const path = join(await mkdtemp(join(tmpdir(), "streamflow-fault-config-")), "deployments.json");
  await writeFile(path, JSON.stringify({ chainId, contracts }));
  return path;
}

describe("--fault", () => {
  it("is a setting with a flag and an environment variable, listed in --help", async () => {
    const cli = parseCli(["--dev-account", "1", "--fault", "black-frames"]);
    expect(cli.flags).toMatchObject({ fault: "black-frames" });
    expect((await loadConfig({ flags: cli.flags })).fault).toBe("black-frames");
    expect((await loadConfig({ flags: { devAccount: "1" }, env: { STREAMFLOW_FAULT: "stale" } })).fault).toBe("stale");
    expect((await loadConfig({ flags: { devAccount: "1" } })).fault).toBeUndefined();
    expect(helpText()).toMatch(/--fault +STREAMFLOW_FAULT .*wrong-resolution, black-frames, truncated, stale/);
  });

  it("takes only the known kinds", async () => {
    await expect(loadConfig({ flags: { devAccount: "1", fault: "slow" } })).rejects.toBeInstanceOf(InvalidConfig);
    await expect(loadConfig({ flags: { devAccount: "1", fault: "slow" } })).rejects.toThrow(/setting fault is invalid.*STREAMFLOW_FAULT/);
  });

  it("stops the node from starting on any chain but the local one, before it touches the chain", async () => {
    const config = await loadConfig({
      flags: { keystore: "/nonexistent/key.json", fault: "truncated", deployments: await deploymentsFor(42161), rpcUrl: "http://127.0.0.1:1" },
    });
    const start = startOrchestratorNode(config, silentLogger);
    await expect(start).rejects.toBeInstanceOf(FaultInjectionRefused);
    await expect(start).rejects.toThrow(/--fault truncated .* local chain \(31337\) only; this is chain 42161/);
  });
});
