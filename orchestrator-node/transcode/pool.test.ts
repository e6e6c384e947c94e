import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { makeClip } from "../../tests/media/make-clip.ts";
import type { Logger } from "../log.ts";
import { chooseH264Encoder } from "./encoder.ts";
import { probeMedia } from "./ffprobe.ts";
import type { Rendition } from "./ladder.ts";
import { TranscoderPool, type PoolTranscodeResult } from "./pool.ts";
import { registrationHeaders } from "./transcoder-wire.ts";

const CLI = fileURLToPath(new URL("./transcoder-cli.ts", import.meta.url));
const SECRET = "pool-test-transcoder-secret-7f3a9c";
const WRONG_SECRET = "not-the-secret-b81e44";
/** Hardhat's account #1, standing in for this orchestrator's address. */
const ORCHESTRATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const LADDER: Rendition[] = [
  { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
  { name: "144p", width: 256, height: 144, bitrateKbps: 200 },
];
/** Short enough that the stalled-transcoder test is quick, long enough for a 2 s 360p segment on a loaded 2-core box. */
const JOB_TIMEOUT_MS = 4_000;
const RETRY_AFTER_MS = 1_500;

let segment: Uint8Array;
let probeDir: string;
const children: ChildProcess[] = [];

interface Transcoder {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `transcoder-cli.ts` as its own process, the way an operator runs it on another machine. */
function startTranscoder(url: string, o: { name: string; capacity: number; encoder?: string; secretFlag?: string }): Transcoder {
  const args = [CLI, "--orchestrator", url, "--capacity", String(o.capacity), "--name", o.name];
  if (o.encoder) args.push("--encoder", o.encoder);
  if (o.secretFlag) args.push("--secret", o.secretFlag);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...(o.secretFlag ? {} : { STREAMFLOW_TRANSCODER_SECRET: SECRET }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A logger that keeps every line, to check what the pool says (and never says). */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (obj: object, msg?: string) => lines.push(`${level} ${msg ?? ""} ${JSON.stringify(obj)}`);
  return { lines, debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
}

/** Each rendition, read back with ffprobe: H.264 at the ladder's size with every frame of the 2 s, 30 fps segment. */
async function expectLadder(result: PoolTranscodeResult): Promise<void> {
  expect(result.renditions.map((r) => r.rendition.name)).toEqual(LADDER.map((r) => r.name));
  for (const { rendition, bytes } of result.renditions) {
    const path = join(probeDir, `${result.transcoderId}-${rendition.name}-${Math.random().toString(36).slice(2)}.mp4`);
    await writeFile(path, bytes);
    const info = await probeMedia(path);
    expect(info.video).toMatchObject({ codec: "h264", width: rendition.width, height: rendition.height, frameCount: 60 });
  }
}

/** Runs `tasks` with at most `concurrency` in flight, as a session keeps its segments within the pool's capacity. */
async function inBatches<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

beforeAll(async () => {
  probeDir = await mkdtemp(join(tmpdir(), "streamflow-pool-test-"));
  segment = (await makeClip({ width: 640, height: 360, fps: 30, durationS: 2 })).bytes;
}, 30_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  }
  await rm(probeDir, { recursive: true, force: true });
});

describe("TranscoderPool with two remote transcoder processes", () => {
  let server: Server;
  let pool: TranscoderPool;
  let url: string;
  let a: Transcoder;
  let b: Transcoder;
  const poolLog = recordingLogger();

  const idOf = (name: string) => pool.stats().transcoders.find((t) => t.name === name)?.id;
  const statsOf = (id: string) => pool.stats().transcoders.find((t) => t.id === id);
  const transcoderFor = (id: string) => (id === idOf("a") ? a : b);
  const other = (id: string) => (id === idOf("a") ? idOf("b")! : idOf("a")!);

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    pool = new TranscoderPool({ orchestrator: ORCHESTRATOR, secret: SECRET, jobTimeoutMs: JOB_TIMEOUT_MS, retryAfterMs: RETRY_AFTER_MS, logger: poolLog });
    pool.attach(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/transcoders`;
    // One picks its encoder as in production (NVENC when it works); the other is told to use libx264.
    a = startTranscoder(url, { name: "a", capacity: 2 });
    b = startTranscoder(url, { name: "b", capacity: 2, encoder: "libx264" });
    await waitFor("both transcoders to register", () => pool.stats().transcoders.length === 2);
  }, 30_000);

  afterAll(async () => {
    await pool.close();
    server.close();
  });

  it("registers each transcoder with the capacity and encoder it announced", async () => {
    const expected = await chooseH264Encoder();
    expect(statsOf(idOf("a")!)).toMatchObject({ kind: "remote", capacity: 2, encoder: expected.encoder, load: 0 });
    expect(statsOf(idOf("b")!)).toMatchObject({ kind: "remote", capacity: 2, encoder: "libx264", load: 0 });
    expect(pool.stats().capacity).toBe(4);
  });

  it("spreads 10 segments over both transcoders, every rendition at the size its ladder asks", async () => {
    const results = await inBatches(10, 4, (i) => pool.transcode(`spread-${i}`, segment, LADDER, { sequenceNumber: 0 }));
    const byTranscoder = new Map<string, number>();
    for (const r of results) byTranscoder.set(r.transcoderId, (byTranscoder.get(r.transcoderId) ?? 0) + 1);
    expect([...byTranscoder.keys()].sort()).toEqual([idOf("a"), idOf("b")].sort());
    for (const r of results) await expectLadder(r);
    const stats = pool.stats();
    expect(stats.transcoders.map((t) => t.segmentsDone).reduce((x, y) => x + y)).toBe(10);
    expect(stats).toMatchObject({ load: 0, failures: 0, retries: 0 });
    for (let i = 0; i < 10; i++) pool.endStream(`spread-${i}`);
  }, 30_000);

  it("keeps a stream on one transcoder while it has room, and puts the next stream on the other", async () => {
    const first: string[] = [];
    for (let seq = 0; seq < 3; seq++) first.push((await pool.transcode("sticky-1", segment, LADDER, { sequenceNumber: seq })).transcoderId);
    expect(new Set(first).size).toBe(1);
    const second: string[] = [];
    for (let seq = 0; seq < 2; seq++) second.push((await pool.transcode("sticky-2", segment, LADDER, { sequenceNumber: seq })).transcoderId);
    expect(new Set(second)).toEqual(new Set([other(first[0]!)]));
    expect(pool.stats().transcoders.map((t) => t.streams)).toEqual([1, 1]);
    pool.endStream("sticky-1");
    pool.endStream("sticky-2");
  }, 30_000);

  it("sends a stream's segment to the other transcoder when its own is full", async () => {
    const home = (await pool.transcode("overflow", segment, LADDER)).transcoderId;
    const results = await Promise.all([1, 2, 3].map((seq) => pool.transcode("overflow", segment, LADDER, { sequenceNumber: seq })));
    // Capacity 2: two segments stay home, the third goes where there is room.
    expect(results.map((r) => r.transcoderId)).toEqual([home, home, other(home)]);
    pool.endStream("overflow");
  }, 30_000);

  it("throws OrchestratorBusy, naming this orchestrator and when to retry, when every transcoder is full", async () => {
    const inFlight = [0, 1, 2, 3].map((i) => pool.transcode(`full-${i}`, segment, LADDER));
    expect(pool.stats().load).toBe(4);
    const busy = await pool.transcode("full-4", segment, LADDER).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(OrchestratorBusy);
    expect((busy as OrchestratorBusy).data).toEqual({ orchestrator: ORCHESTRATOR, maxSessions: 4, retryAfterMs: RETRY_AFTER_MS });
    expect((busy as OrchestratorBusy).nextStep).toMatch(/another orchestrator/);
    for (const result of await Promise.all(inFlight)) expect(result.attempts).toBe(1);
    expect(pool.stats().busy).toBe(1);
    for (let i = 0; i < 4; i++) pool.endStream(`full-${i}`);
  }, 30_000);

  it("refuses a transcoder with the wrong secret: it is told so, stops, and the secret is in no log", async () => {
    const intruder = startTranscoder(url, { name: "intruder", capacity: 8, secretFlag: WRONG_SECRET });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output()).toContain("TranscoderRefused");
    expect(intruder.output()).toContain("HTTP 401");
    expect(pool.stats().transcoders.map((t) => t.name).sort()).toEqual(["a", "b"]);

    // A client that skips the CLI gets no socket either.
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: registrationHeaders("guess", { capacity: 1, encoder: "libx264", name: "raw" }) });
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("open", () => reject(new Error("a wrong secret got a socket")));
      ws.on("error", () => {});
    });
    expect(status).toBe(401);

    const everything = [intruder.output(), a.output(), b.output(), ...poolLog.lines].join("\n");
    expect(everything).not.toContain(WRONG_SECRET);
    expect(everything).not.toContain(SECRET);
    expect(poolLog.lines.some((line) => line.includes("wrong or missing secret"))).toBe(true);
  }, 30_000);

  it("retries a segment on the other transcoder when its own stops answering, and frees the slot at its late answer", async () => {
    const home = (await pool.transcode("stall", segment, LADDER, { sequenceNumber: 0 })).transcoderId;
    const stalled = transcoderFor(home).child;
    stalled.kill("SIGSTOP");
    try {
      const result = await pool.transcode("stall", segment, LADDER, { sequenceNumber: 1 });
      expect(result).toMatchObject({ transcoderId: other(home), attempts: 2 });
      await expectLadder(result);
      // It is still busy with the segment it never answered, so the pool still counts it.
      expect(statsOf(home)).toMatchObject({ load: 1, failures: 1 });
    } finally {
      stalled.kill("SIGCONT");
    }
    await waitFor("the stalled transcoder's late answer", () => statsOf(home)?.load === 0);
    expect(poolLog.lines.some((line) => line.includes("late answer"))).toBe(true);
    expect(pool.stats().retries).toBe(1);
    pool.endStream("stall");
  }, 30_000);

  it("loses no segment of a stream when its transcoder is killed mid-stream", async () => {
    const results: PoolTranscodeResult[] = [];
    for (let seq = 0; seq < 3; seq++) results.push(await pool.transcode("killed", segment, LADDER, { sequenceNumber: seq }));
    const victim = results[0]!.transcoderId;
    const survivor = other(victim);
    expect(results.every((r) => r.transcoderId === victim)).toBe(true);

    const midStream = pool.transcode("killed", segment, LADDER, { sequenceNumber: 3 });
    const victimProcess = transcoderFor(victim).child;
    // Killed while its ffmpeg is at work on the segment, not before the segment reached it.
    await waitFor("the victim's ffmpeg to start", () => spawnSync("pgrep", ["-P", String(victimProcess.pid), "-x", "ffmpeg"]).status === 0, 5_000);
    expect(statsOf(victim)?.load).toBe(1);
    victimProcess.kill("SIGKILL");
    results.push(await midStream);
    for (let seq = 4; seq < 6; seq++) results.push(await pool.transcode("killed", segment, LADDER, { sequenceNumber: seq }));

    expect(results).toHaveLength(6);
    expect(results[3]).toMatchObject({ transcoderId: survivor, attempts: 2 });
    expect(results.slice(4).map((r) => r.transcoderId)).toEqual([survivor, survivor]);
    for (const r of results.slice(3)) await expectLadder(r);
    expect(pool.stats().transcoders.map((t) => t.id)).toEqual([survivor]);
    expect(poolLog.lines.some((line) => line.includes("transcoder left the pool") && line.includes(victim))).toBe(true);
  }, 30_000);
});

describe("TranscoderPool with this machine as a member, on a port of its own", () => {
  let pool: TranscoderPool;
  let port: number;
  let c: Transcoder;

  beforeAll(async () => {
    pool = new TranscoderPool({ orchestrator: ORCHESTRATOR, secret: SECRET, local: { capacity: 1, encoder: "libx264" } });
    const listening = await pool.listen({ host: "127.0.0.1", port: 0 });
    port = listening.port;
    c = startTranscoder(listening.url, { name: "c", capacity: 1, encoder: "libx264" });
    await waitFor("the remote transcoder to register", () => pool.stats().transcoders.length === 2);
  }, 30_000);

  afterAll(async () => {
    await pool.close();
  });

  it("transcodes locally as one more member, beside the remote one", async () => {
    expect(pool.stats().transcoders.map((t) => [t.id, t.kind])).toEqual([
      ["local", "local"],
      ["c-1", "remote"],
    ]);
    const both = [pool.transcode("here", segment, LADDER), pool.transcode("there", segment, LADDER)];
    await expect(pool.transcode("third", segment, LADDER)).rejects.toBeInstanceOf(OrchestratorBusy);
    const results = await Promise.all(both);
    expect(results.map((r) => r.transcoderId).sort()).toEqual(["c-1", "local"]);
    for (const r of results) await expectLadder(r);
    expect(pool.stats().transcoders.map((t) => t.segmentsDone)).toEqual([1, 1]);
  }, 30_000);

  it("gets its transcoder back when the orchestrator restarts: the transcoder reconnects with backoff", async () => {
    await pool.close();
    await waitFor("the transcoder to notice", () => c.output().includes("not connected to the orchestrator; retrying"));
    pool = new TranscoderPool({ orchestrator: ORCHESTRATOR, secret: SECRET });
    await pool.listen({ host: "127.0.0.1", port });
    await waitFor("the transcoder to reconnect", () => pool.stats().transcoders.length === 1);
    const result = await pool.transcode("after-restart", segment, LADDER);
    expect(result.transcoderId).toBe("c-1");
    await expectLadder(result);
    expect(c.child.exitCode).toBeNull();
  }, 30_000);
});
