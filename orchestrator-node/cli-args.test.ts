import { describe, expect, it } from "vitest";
import { helpText, parseCli } from "./cli-args.ts";

describe("parseCli", () => {
  it("starts by default and maps kebab-case flags to configuration keys", () => {
    expect(parseCli(["--dev-account", "1", "--port", "8936", "--config", "n.json"])).toMatchObject({
      command: "start",
      flags: { devAccount: "1", port: "8936" },
      configFile: "n.json",
      help: false,
    });
  });

  it("reads the transcoder and keystore commands with their own flags", () => {
    expect(parseCli(["transcoder", "--orchestrator", "ws://127.0.0.1:8935", "--secret", "s", "--capacity", "2"])).toMatchObject({
      command: "transcoder",
      extra: { orchestrator: "ws://127.0.0.1:8935", secret: "s", capacity: "2" },
    });
    expect(parseCli(["keystore", "address", "key.json"])).toMatchObject({ command: "keystore", subcommand: "address", positionals: ["key.json"] });
  });

  it("spells acronyms as one word in flags", () => {
    expect(parseCli(["--service-uri", "http://127.0.0.1:1", "--rpc-url", "http://x"]).flags).toEqual({
      serviceURI: "http://127.0.0.1:1",
      rpcUrl: "http://x",
    });
    expect(helpText()).toContain("--service-uri");
    expect(helpText()).toContain("STREAMFLOW_SERVICE_URI");
  });

  it("refuses an unknown flag instead of ignoring it", () => {
    expect(() => parseCli(["--prot", "1"])).toThrow(/prot/);
  });

  it("lists every setting with its environment variable in --help", () => {
    const help = helpText();
    expect(help).toContain("--rpc-url");
    expect(help).toContain("STREAMFLOW_RPC_URL");
    expect(help).toContain("--max-redeem-overhead-ppm");
    expect(parseCli(["-h"]).help).toBe(true);
  });
});
