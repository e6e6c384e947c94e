import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertDevAccountAllowed, envName, InvalidConfig, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("fills defaults and derives the service URI from host and port", async () => {
    const c = await loadConfig({ flags: { devAccount: "1", port: "8936" } });
    expect(c).toMatchObject({ port: 8936, host: "127.0.0.1", serviceURI: "http://127.0.0.1:8936", rewardCutPpm: 100_000n, devAccount: 1 });
  });

  it("takes flags over environment over the config file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "streamflow-config-"));
    const file = join(dir, "node.json");
    await writeFile(file, JSON.stringify({ port: 1111, regions: ["file"], pricePerSegmentWei: "5", devAccount: 2 }));
    const c = await loadConfig({
      configFile: file,
      env: { [envName("port")]: "2222", [envName("regions")]: "eu-west, us-east" },
      flags: { port: "3333" },
    });
    expect(c.port).toBe(3333);
    expect(c.regions).toEqual(["eu-west", "us-east"]);
    expect(c.pricePerSegmentWei).toBe(5n);
    expect(c.devAccount).toBe(2);
  });

  it("names the setting that is wrong and where it can be set", async () => {
    await expect(loadConfig({ flags: { devAccount: "1", rewardCutPpm: "2000000" } })).rejects.toThrow(
      /setting rewardCutPpm is invalid: .*100%.*STREAMFLOW_REWARD_CUT_PPM/,
    );
    await expect(loadConfig({ flags: { devAccount: "1", port: "70000" } })).rejects.toBeInstanceOf(InvalidConfig);
    await expect(loadConfig({ flags: { devAccount: "1", bogus: "x" } })).rejects.toThrow(/bogus|Unrecognized/);
  });

  it("requires a key source", async () => {
    await expect(loadConfig({ flags: {} })).rejects.toThrow(/--keystore|--dev-account/);
  });

  it("refuses the dev-account shortcut on any chain but the local one", async () => {
    const c = await loadConfig({ flags: { devAccount: "1" } });
    expect(() => assertDevAccountAllowed(c, 31337)).not.toThrow();
    expect(() => assertDevAccountAllowed(c, 42161)).toThrow(/local chain/);
  });

  it("names the env variable of a setting", () => {
    expect(envName("rpcUrl")).toBe("STREAMFLOW_RPC_URL");
    expect(envName("maxRedeemOverheadPpm")).toBe("STREAMFLOW_MAX_REDEEM_OVERHEAD_PPM");
  });
});
