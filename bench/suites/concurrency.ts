// Transcoding with concurrency through a real orchestrator node (real chain, WebRTC, paid tickets): 1, 2 and 4
// streams into one node transcoding locally (per-segment time at N over the time at 1, and the real-time ratio per
// stream), then 2 streams into the same node with its pool made of 1, then 2 remote transcoders (`orchestrator-node
// transcoder` on this same host) against the local pool at 2 streams. NVENC is measured only where it works.
import { cpus } from "node:os";
import { makeClip } from "../../tests/media/make-clip.ts";
import type { E2eNetwork } from "../../tests/e2e/e2e-network.ts";
import { chooseH264Encoder } from "../../orchestrator-node/transcode/encoder.ts";
import { notMeasuredFigure, perSegmentFigure, realTimeFigure } from "../lib/pipeline-figures.ts";
import {
  BENCH_TRANSCODER_SECRET, nodeEncoder, startBenchNetwork, startRemoteTranscoder, stopBenchNetwork, stopBenchNode, waitForTranscoders,
} from "../lib/pipeline-network.ts";
import { newSamples, openBenchStream, record, SEGMENT_MS, sendTogether, type BenchStream, type Samples } from "../lib/pipeline-stream.ts";
import type { Figure } from "../stats.ts";

/** Rounds per setting; in a round every stream sends one segment at once (worst case: their segments coincide). */
const ROUNDS = 3;
const STREAM_COUNTS = [1, 2, 4] as const;
/** The remote-pool figures use 2 streams, so that 2 transcoders can each hold one. */
const REMOTE_STREAMS = 2;
const REMOTE_CAPACITY = 2;
const CHAIN_PORT = 19310;
const NODE_PORT = 19311;
/** Enough local slots for the largest stream count: every stream is served, none refused with OrchestratorBusy. */
const LOCAL_CAPACITY = Math.max(...STREAM_COUNTS);

export async function concurrency(): Promise<Figure[]> {
  const cores = cpus().length;
  const clip = await makeClip({ width: 1280, height: 720, fps: 30, durationS: SEGMENT_MS / 1000 });
  let net: E2eNetwork | undefined;
  try {
    net = await startBenchNetwork({
      chainPort: CHAIN_PORT, nodePort: NODE_PORT, nodeSettings: { localTranscodeCapacity: LOCAL_CAPACITY, maxSessions: 16 },
    });
    const encoder = await nodeEncoder(net);
    const paidAgain = { count: 0 };

    // Local pool: rounds at 1, 2 and 4 streams interleaved, so that noise on a shared machine falls on all three.
    const local = await openStreams(net, "local", LOCAL_CAPACITY);
    await sendTogether(local, clip.bytes); // warm-up: each session's first segment
    const localSamples = new Map<number, Samples>(STREAM_COUNTS.map((n) => [n, newSamples()]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of STREAM_COUNTS) record(localSamples.get(n)!, await sendTogether(local.slice(0, n), clip.bytes));
    }
    closeAll(local, paidAgain);

    // Remote pool: the same node restarted with no local transcoding, then 1, then 2 transcoders joined.
    await stopBenchNode(net);
    await net.restartNode({ localTranscodeCapacity: 0, transcoderSecret: BENCH_TRANSCODER_SECRET, maxSessions: 16 });
    const remoteSamples = new Map<number, Samples>();
    for (const transcoders of [1, 2]) {
      startRemoteTranscoder(net, { name: `bench-transcoder-${transcoders}`, capacity: REMOTE_CAPACITY });
      await waitForTranscoders(net, transcoders);
      // Fresh streams: the pool spreads new streams over its members (old ones stay where they were).
      const streams = await openStreams(net, `remote${transcoders}`, REMOTE_STREAMS);
      await sendTogether(streams, clip.bytes);
      const samples = newSamples();
      for (let round = 0; round < ROUNDS; round++) record(samples, await sendTogether(streams, clip.bytes));
      remoteSamples.set(transcoders, samples);
      closeAll(streams, paidAgain);
    }

    const at = (n: number) => localSamples.get(n)!;
    const how = {
      node: `orchestrator-node/cli.ts, local pool capacity ${LOCAL_CAPACITY}, ${cores} cores`,
      arrival: "every stream sends at once; each sends its next segment when its last is back",
      staleParamsPaidAgain: paidAgain.count,
    };
    const figures: Figure[] = [
      ...STREAM_COUNTS.filter((n) => n > 1).map((n) =>
        perSegmentFigure({
          name: `${n} concurrent streams into one node: per-segment time, 720p30 2 s → 480p+360p (${encoder})`,
          subject: at(n),
          baselineName: "1 stream, same run (interleaved)",
          baseline: at(1),
          realTimeTarget: false,
          extra: how,
        }),
      ),
      ...STREAM_COUNTS.map((n) => realTimeFigure(`real-time ratio per stream, ${n} stream${n > 1 ? "s" : ""} into one node (${encoder}, ${cores} cores)`, at(n), how)),
      ...[1, 2].map((k) =>
        perSegmentFigure({
          name: `${REMOTE_STREAMS} streams, pool = ${k} remote transcoder${k > 1 ? "s" : ""} (capacity ${REMOTE_CAPACITY}${k > 1 ? " each" : ""}) on this same host, ${cores} cores (${encoder})`,
          subject: remoteSamples.get(k)!,
          baselineName: `local pool, ${REMOTE_STREAMS} streams, same run (before the restart)`,
          baseline: at(REMOTE_STREAMS),
          realTimeTarget: true,
          extra: { ...how, node: "orchestrator-node/cli.ts with localTranscodeCapacity 0; transcoders connect over ws://127.0.0.1" },
        }),
      ),
    ];
    if (encoder !== "h264_nvenc") figures.push(nvencNotMeasured((await chooseH264Encoder()).reason));
    return figures;
  } finally {
    await stopBenchNetwork(net);
  }
}

async function openStreams(net: E2eNetwork, prefix: string, count: number): Promise<BenchStream[]> {
  const streams: BenchStream[] = [];
  for (let i = 0; i < count; i++) streams.push(await openBenchStream(net, net.nodeUrl, `bench-${prefix}-${i}`));
  return streams;
}

function closeAll(streams: BenchStream[], paidAgain: { count: number }): void {
  for (const s of streams) {
    paidAgain.count += s.paidAgain;
    s.close();
  }
}

function nvencNotMeasured(reason: string): Figure {
  // The probe's reason can carry ffmpeg's whole message; the table gets its first line, the JSON all of it.
  const first = reason.replace(/\[h264_nvenc @ 0x[0-9a-f]+\] /g, "").split(" | ")[0]!;
  const short = first.split("(").length > first.split(")").length ? `${first})` : first;
  const figure = notMeasuredFigure("NVENC real-time ratio, streams into one node", `no NVENC on this machine (${short})`, "s per s of video", "segment duration (2 s)");
  return { ...figure, extra: { ...figure.extra, encoderReason: reason } };
}
