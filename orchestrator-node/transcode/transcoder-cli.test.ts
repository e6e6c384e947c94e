import { describe, expect, it } from "vitest";
import { InvalidConfig } from "../config.ts";
import { parseTranscoderArgs, transcodersUrl } from "./transcoder-cli.ts";

describe("parseTranscoderArgs", () => {
  it("reads the orchestrator, secret, capacity, encoder and name", () => {
    const o = parseTranscoderArgs(
      ["--orchestrator", "ws://127.0.0.1:8935/transcoders", "--secret", "s3cret", "--capacity", "4", "--encoder", "libx264", "--name", "box-1"],
      {},
    );
    expect(o).toEqual({ orchestratorUrl: "ws://127.0.0.1:8935/transcoders", secret: "s3cret", capacity: 4, encoder: "libx264", name: "box-1" });
  });

  it("takes the secret from STREAMFLOW_TRANSCODER_SECRET, and leaves the encoder to auto-detection by default", () => {
    const o = parseTranscoderArgs(["--orchestrator", "http://127.0.0.1:8935"], { STREAMFLOW_TRANSCODER_SECRET: "from-env" });
    expect(o).toEqual({ orchestratorUrl: "ws://127.0.0.1:8935/transcoders", secret: "from-env", capacity: 1 });
  });

  it("refuses a missing secret, a bad capacity, an unknown encoder and unknown flags", () => {
    const url = ["--orchestrator", "ws://127.0.0.1:1/transcoders"];
    expect(() => parseTranscoderArgs(url, {})).toThrow(InvalidConfig);
    expect(() => parseTranscoderArgs([...url, "--secret", "s", "--capacity", "0"], {})).toThrow(/--capacity/);
    expect(() => parseTranscoderArgs([...url, "--secret", "s", "--capacity", "1.5"], {})).toThrow(/--capacity/);
    expect(() => parseTranscoderArgs([...url, "--secret", "s", "--encoder", "vaapi"], {})).toThrow(/--encoder/);
    expect(() => parseTranscoderArgs([...url, "--secret", "s", "--gpu"], {})).toThrow(InvalidConfig);
  });
});

describe("transcodersUrl", () => {
  it("turns a service URI into the transcoder endpoint and keeps an explicit ws path", () => {
    expect(transcodersUrl("https://orch.example:8935")).toBe("wss://orch.example:8935/transcoders");
    expect(transcodersUrl("ws://127.0.0.1:9000/custom")).toBe("ws://127.0.0.1:9000/custom");
  });

  it("refuses other schemes and credentials in the URL", () => {
    expect(() => transcodersUrl("ftp://127.0.0.1")).toThrow(InvalidConfig);
    expect(() => transcodersUrl("ws://user:pw@127.0.0.1:1")).toThrow(/credentials/);
    expect(() => transcodersUrl("127.0.0.1:8935")).toThrow(InvalidConfig);
  });
});
