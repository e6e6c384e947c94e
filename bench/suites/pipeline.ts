// The orchestrator per segment, the whole path: a paid 720p30 2 s segment sent over a real WebRTC data channel to a
// real node on a real chain (receive → validate tickets → check the segment → transcode 480p+360p → sign → return),
// against bare ffmpeg running the node's own command line on the same segment, alternated run by run. Target ≤ 1.10.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeClip } from "../../tests/media/make-clip.ts";
import type { E2eNetwork } from "../../tests/e2e/e2e-network.ts";
import { buildTranscodeArgs } from "../../orchestrator-node/transcode/ffmpeg-args.ts";
import { runProcess } from "../../orchestrator-node/transcode/run-process.ts";
import { nodeEncoder, startBenchNetwork, stopBenchNetwork } from "../lib/pipeline-network.ts";
import { BENCH_LADDER, openBenchStream, SEGMENT_MS } from "../lib/pipeline-stream.ts";
import { compare, summarize, type Figure } from "../stats.ts";

const RUNS = 5;
const CHAIN_PORT = 19300;
const NODE_PORT = 19301;
/** What the node's transcodeSegment passes: one GOP per segment, audio mapped when present. */
const NODE_GOP_FRAMES = 600;
const NODE_AUDIO = true;

export async function pipeline(): Promise<Figure[]> {
  const clip = await makeClip({ width: 1280, height: 720, fps: 30, durationS: SEGMENT_MS / 1000 });
  const dir = await mkdtemp(join(tmpdir(), "streamflow-bench-pipeline-"));
  let net: E2eNetwork | undefined;
  try {
    net = await startBenchNetwork({ chainPort: CHAIN_PORT, nodePort: NODE_PORT, nodeSettings: {} });
    const encoder = await nodeEncoder(net);
    const stream = await openBenchStream(net, net.nodeUrl, "bench-pipeline");
    // The node names its input "in" in a temp dir of its own; the baseline does the same.
    const inputPath = join(dir, "in");
    await writeFile(inputPath, clip.bytes);
    const bareArgs = buildTranscodeArgs({
      inputPath,
      outputs: BENCH_LADDER.map((rendition, i) => ({ rendition, path: join(dir, `out${i}.mp4`) })),
      encoder,
      gopFrames: NODE_GOP_FRAMES,
      audio: NODE_AUDIO,
    });
    const nodeTranscodeMs: number[] = [];
    const { subject, baseline } = await compare(
      RUNS,
      async () => {
        const timing = await stream.sendTimed(clip.bytes);
        // One stream on an idle node: a refusal here means the node cannot serve at all, and no figure would mean anything.
        if (timing.refused) throw new Error(`the node refused a single stream (${timing.refused}): it is overloaded or misconfigured`);
        nodeTranscodeMs.push(timing.nodeTranscodeMs);
      },
      async () => void (await runProcess("ffmpeg", bareArgs, 60_000)),
    );
    stream.close();
    const ratio = subject.median / baseline.median;
    return [
      {
        name: `orchestrator per segment, WebRTC + paid tickets + transcode 720p30 2 s → 480p+360p (${encoder})`,
        unit: "ms",
        subject,
        baselineName: "bare ffmpeg, the node's command, same segment",
        baseline,
        ratio,
        target: { ratioAtMost: 1.1, describe: "ratio ≤ 1.10" },
        met: ratio <= 1.1,
        extra: {
          measured: "segment sent on the data channel → result with every rendition back (ticket signing excluded)",
          node: "orchestrator-node/cli.ts on a seeded Hardhat chain, local transcoding, log level debug (e2e-network)",
          overheadMs: Math.round(subject.median - baseline.median),
          // Where the time goes: the node's own transcode (its pool's ffmpeg) and everything around it.
          nodeTranscodeMsMedian: Math.round(summarize(nodeTranscodeMs.slice(1)).median),
          staleParamsPaidAgain: stream.paidAgain,
        },
      },
    ];
  } finally {
    await stopBenchNetwork(net);
    await rm(dir, { recursive: true, force: true });
  }
}
