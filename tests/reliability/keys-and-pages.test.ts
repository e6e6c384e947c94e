// Issue 9, keys and pages: the orchestrator's private key never reaches its logs, metrics or health answer (a real node
// through a session with refusals and HTTP errors, searched in every spelling of the key), and the web app's
// production build sends a Content-Security-Policy that still lets the app do what it must (ffmpeg.wasm, workers,
// blob: media, orchestrators on any http(s) origin). The broadcaster's key at rest: tests/browser/broadcaster-storage.spec.ts.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../../orchestrator-node/transcode/run-process.ts";
import { devAccountPrivateKey } from "../../orchestrator-node/keys/node-key.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { NodeBroadcaster } from "../e2e/node-broadcaster.ts";
import { jobFor } from "./lib/attack-job.ts";

const DEV_ACCOUNT = 1;
const WEB_PORT = 19561;

let net: E2eNetwork;

beforeAll(async () => {
  net = await startE2eNetwork({ chainPort: 19540, nodePort: 19541, devAccount: DEV_ACCOUNT, nodeSettings: { pricePerSegmentWei: "1000000000000" } });
}, 300_000);

afterAll(async () => {
  await net?.stopNode();
  await stopAll();
});

/** Every way a 32-byte key is likely to be written out: hex with and without 0x in either case, base64, decimal. */
function spellings(key: `0x${string}`): string[] {
  const hex = key.slice(2);
  const bytes = Buffer.from(hex, "hex");
  return [hex.toLowerCase(), hex.toUpperCase(), bytes.toString("base64"), bytes.toString("base64url"), BigInt(key).toString(10)];
}

describe("keys", () => {
  it("never writes the orchestrator's private key to its logs, metrics or health answer, errors included", async () => {
    const key = devAccountPrivateKey(DEV_ACCOUNT);
    const account = await net.fundedBroadcaster();
    const job = jobFor(account.address, "keys");
    // The clip first: the chain makes a block a second, and params quoted before a slow encode could be stale.
    const [segment] = (await makeSegmentedClip({ count: 1 })) as [Uint8Array];
    const b = new NodeBroadcaster(account, net.nodeUrl);
    await b.quote(job);
    await b.open(job);
    const { payment } = await b.pay();
    expect((await b.sendRaw(b.segmentMessage("keys", 0, segment, 2000, payment), segment)).message.type).toBe("result");
    expect((await b.sendRaw(b.segmentMessage("keys", 1, segment, 2000, payment), segment)).message.type).toBe("error"); // replay
    b.close();
    // HTTP error paths: a body that is not a message, a wrong content type, an unknown stream.
    await fetch(`${net.nodeUrl}/quote`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    await fetch(`${net.nodeUrl}/session`, { method: "POST", headers: { "content-type": "application/xml" }, body: "<x/>" });
    await fetch(`${net.nodeUrl}/streams/nope`);
    await waitFor("the session to close", async () => ((await net.metrics()).includes("streamflow_sessions 0") ? true : undefined), 20_000, net.nodeLog);

    const exposed = [net.nodeLog(), await net.metrics(), await (await fetch(`${net.nodeUrl}/healthz`)).text()];
    console.log(`keys: searched ${exposed.reduce((n, t) => n + t.length, 0)} characters of logs, metrics and health for ${spellings(key).length} spellings`);
    expect(net.nodeLog()).toMatch(/segment refused/); // the error path was logged, so the search covered it
    for (const text of exposed) {
      for (const spelling of spellings(key)) expect(text.includes(spelling), `the key (as ${spelling.slice(0, 6)}…) leaked`).toBe(false);
    }
  }, 120_000);
});

describe("pages", () => {
  it("serves the production build with a Content-Security-Policy that allows what the app needs and nothing inline", async () => {
    // Inside the repository (an ignored cache folder), so that the server resolves its packages from node_modules.
    await mkdir(join(process.cwd(), "node_modules", ".cache"), { recursive: true });
    const out = await mkdtemp(join(process.cwd(), "node_modules", ".cache", "streamflow-csp-build-"));
    await runProcess("sh", ["-c", `STREAMFLOW_BUILD_OUT=${out} npx vite build --logLevel error`], 540_000);
    const server = spawn(process.execPath, [join(out, "index.js")], {
      env: { ...process.env, PORT: String(WEB_PORT), HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const res = await waitFor("the web app", async () => {
        const r = await fetch(`http://127.0.0.1:${WEB_PORT}/broadcast`);
        return r.ok ? r : undefined;
      }, 30_000);
      const csp = res.headers.get("content-security-policy") ?? "";
      console.log(`content-security-policy: ${csp}`);
      const directive = (name: string) => csp.split(";").map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? "";
      expect(directive("script-src")).toContain("'wasm-unsafe-eval'");
      expect(directive("script-src")).not.toContain("'unsafe-inline'");
      expect(directive("script-src")).not.toMatch(/'unsafe-eval'/);
      expect(directive("worker-src")).toContain("blob:");
      expect(directive("media-src")).toContain("blob:");
      expect(directive("connect-src")).toMatch(/(^| )http:( |$)/);
      expect(directive("connect-src")).toMatch(/(^| )https:( |$)/);
      expect(directive("object-src")).toContain("'none'");
      expect(directive("frame-ancestors")).toContain("'none'");
      // SvelteKit's own inline bootstrap script carries the nonce or hash the header names.
      const html = await res.text();
      expect(directive("script-src")).toMatch(/'(nonce|sha256)-/);
      expect(html).toMatch(/<script[^>]*(nonce=|type="module")/);
    } finally {
      server.kill("SIGTERM");
      await rm(out, { recursive: true, force: true });
    }
  }, 600_000);
});
