// Reliability: kill -9 of a remote transcoder (and its ffmpeg, as when its machine goes) while it holds a segment of a
// live stream. The orchestrator must answer that segment anyway, on another transcoder of its pool, and every later
// one: no segment lost, none answered with an error.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../../scripts/lib/processes.ts";
import { makeSegmentedClip } from "../media/make-clip.ts";
import { startE2eNetwork, waitFor, type E2eNetwork } from "../e2e/e2e-network.ts";
import { scaled } from "./bounds.ts";
import { FailoverBroadcaster, streamJob } from "./lib/crash-failover.ts";
import { startTranscoderProcess, type ChildHandle } from "./lib/crash-nodes.ts";

const SECRET = "reliability-transcoder-secret";
/** Segments on the first transcoder before the crash, and after the one lost with it. */
const BEFORE = scaled(5, 2);
const AFTER = scaled(8, 3);
/** Kills repeated: each round brings a fresh transcoder in and kills the one the stream is on. */
const KILLS = scaled(3, 1);

let net: E2eNetwork;
const transcoders: ChildHandle[] = [];

const transcoderCount = async () => ((await (await fetch(`${net.nodeUrl}/healthz`)).json()) as { transcoders: number }).transcoders;
const childPids = (pid: number): number[] => {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
};
const addTranscoder = async (name: string) => {
  const before = await transcoderCount();
  const t = startTranscoderProcess({ orchestratorUrl: net.nodeUrl, secret: SECRET, capacity: 1, name });
  transcoders.push(t);
  await waitFor(`transcoder ${name} in the pool`, async () => ((await transcoderCount()) > before ? true : undefined), 30_000, t.log);
  return t;
};

beforeAll(async () => {
  // Remote transcoders only: a segment can only be answered if the pool moves it to another one.
  net = await startE2eNetwork({
    chainPort: 19630, nodePort: 19631, devAccount: 1,
    nodeSettings: { localTranscodeCapacity: 0, transcoderSecret: SECRET, pricePerSegmentWei: (10n ** 15n).toString() },
  });
}, 300_000);

afterAll(async () => {
  for (const t of transcoders) await t.stop().catch(() => undefined);
  await net?.stopNode();
  await stopAll();
});

describe("kill -9 of a remote transcoder mid-stream", () => {
  it("answers the segment it held on another transcoder, and every segment after", async () => {
    const account = await net.fundedBroadcaster();
    const job = streamJob(account.address, "crash-transcoder");
    const clip = await makeSegmentedClip({ count: 4 });
    let onStream = await addTranscoder("t0");
    const b = new FailoverBroadcaster(account, job, [net.nodeUrl]);
    const answers: string[] = [];
    let seq = 0;
    const send = async () => {
      const { reply } = await b.send(seq, clip[seq % clip.length]!, 2000);
      answers.push(`${seq++}:${FailoverBroadcaster.describe(reply)}`);
    };

    for (let kill = 0; kill < KILLS; kill++) {
      for (let i = 0; i < BEFORE; i++) await send(); // the stream sticks to the transcoder it started on
      const next = await addTranscoder(`t${kill + 1}`);
      // Killed once its ffmpeg runs: the segment is then certainly in its hands.
      const held = send();
      // Looked for often (an ffmpeg of one 2 s segment may live well under a second), on both: the pool may have moved
      // the stream to the newcomer. The one whose ffmpeg runs holds the segment, and is killed.
      let holder: { t: ChildHandle; ffmpeg: number[] } | undefined;
      for (const deadline = Date.now() + 30_000; holder === undefined; await new Promise((r) => setTimeout(r, 5))) {
        if (Date.now() > deadline) throw new Error(`no transcoder's ffmpeg ever ran\n${net.nodeLog().slice(-2000)}`);
        holder = [onStream, next].map((t) => ({ t, ffmpeg: childPids(t.pid!) })).find((h) => h.ffmpeg.length > 0);
      }
      await holder.t.kill();
      for (const pid of holder.ffmpeg) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      const survivor = holder.t === onStream ? next : onStream;
      await held;
      for (let i = 0; i < AFTER; i++) await send();
      onStream = survivor;
    }
    b.close();

    expect(answers).toEqual(Array.from({ length: seq }, (_x, i) => `${i}:result`));
    expect(net.nodeLog()).toMatch(/segment failed on a transcoder; trying another/);
    expect(await transcoderCount()).toBe(1);
    console.log(`crash-transcoder: ${KILLS} kill(s) -9 with a segment in the transcoder's hands; ${seq} segments, all answered`);
  }, 400_000);
});
