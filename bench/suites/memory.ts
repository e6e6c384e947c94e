// Memory of a real orchestrator node (its CLI, on a seeded local chain) over a long paid stream: RSS after 1,000
// segments against RSS after 100 in the same run (target: no growth beyond noise, ratio ≤ 1.10), heap beside it.
// Segments are tiny (160x90, 0.5 s, one 128x72 rendition) so that 1,000 of them fit the bench's time.
import { makeSegmentedClip } from "../../tests/media/make-clip.ts";
import { startE2eNetwork } from "../../tests/e2e/e2e-network.ts";
import { NodeBroadcaster } from "../../tests/e2e/node-broadcaster.ts";
import { stopAll } from "../../scripts/lib/processes.ts";
import type { JobRequest } from "../../src/lib/protocol/messages.ts";
import { readNodeMemory, type MemoryReading } from "../lib/node-memory.ts";
import type { Figure } from "../stats.ts";

const CHAIN_PORT = 19210;
const NODE_PORT = 19211;
const SEGMENTS = 1_000;
const BASELINE_AT = 100;
/** Distinct segments, sent in turn: the node sees real video every time without the bench encoding 1,000. */
const DISTINCT_SEGMENTS = 10;
const SEGMENT_S = 0.5;
const GROWTH_RATIO = 1.1;

/** A payment refused only because its params belong to a past round or expired (orchestrator-session.ts's rule). */
function isStaleParams(error: { code: string; data?: unknown }): boolean {
  const reason = (error.data as { reason?: string } | undefined)?.reason;
  return error.code === "TICKET_PARAMS_EXPIRED" || (error.code === "INVALID_TICKET" && (reason === "wrongCreationRound" || reason === "unknownParams"));
}

export async function memory(): Promise<Figure[]> {
  const net = await startE2eNetwork({
    chainPort: CHAIN_PORT,
    nodePort: NODE_PORT,
    devAccount: 1,
    nodeSettings: { pricePerSegmentWei: (10n ** 13n).toString() },
  }).catch(async (error: unknown) => {
    await stopAll(); // the chain, if it came up before the node failed
    throw error;
  });
  let broadcaster: NodeBroadcaster | undefined;
  try {
    const account = await net.fundedBroadcaster();
    const job: JobRequest = {
      v: 1, type: "jobRequest", streamId: "bench-memory", serviceId: "CPUTranscoding", broadcaster: account.address,
      input: { codec: "h264", width: 160, height: 90, fps: 30 },
      output: [{ name: "72p", width: 128, height: 72, bitrateKbps: 100 }],
    };
    broadcaster = new NodeBroadcaster(account, net.nodeUrl);
    await broadcaster.quote(job);
    await broadcaster.open(job);
    const segments = await makeSegmentedClip({ count: DISTINCT_SEGMENTS, segmentS: SEGMENT_S, width: 160, height: 90, fps: 30 });
    const readings = new Map<number, MemoryReading>();
    const started = performance.now();
    let requotes = 0;
    for (let i = 0; i < SEGMENTS; i++) {
      let { message } = await broadcaster.sendSegment(job.streamId, i, segments[i % DISTINCT_SEGMENTS]!, SEGMENT_S * 1000);
      // Rounds pass every 20 s on the local chain: params of an older round are refused, and, as the tab does
      // (orchestrator-session.ts), the broadcaster asks for a new quote and pays again.
      if (message.type === "error" && isStaleParams(message.error)) {
        requotes++;
        await broadcaster.quote(job);
        ({ message } = await broadcaster.sendSegment(job.streamId, i, segments[i % DISTINCT_SEGMENTS]!, SEGMENT_S * 1000));
      }
      if (message.type !== "result") throw new Error(`segment ${i} was refused: ${JSON.stringify(message, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
      if ((i + 1) % BASELINE_AT === 0) readings.set(i + 1, await readNodeMemory(net.metrics));
    }
    const streamS = (performance.now() - started) / 1000;
    const at = (n: number) => readings.get(n)!;
    const ratio = at(SEGMENTS).rssMiB.median / at(BASELINE_AT).rssMiB.median;
    const rssEvery100 = [...readings].map(([n, r]) => `${n}:${r.rssMiB.median.toFixed(0)}`).join(" ");
    const heapEvery100 = [...readings].map(([n, r]) => `${n}:${r.heapUsedMiB.median.toFixed(0)}`).join(" ");
    return [
      {
        name: `orchestrator node RSS after ${SEGMENTS.toLocaleString("en")} segments`,
        unit: "MiB",
        subject: at(SEGMENTS).rssMiB,
        baselineName: `RSS after ${BASELINE_AT} segments`,
        baseline: at(BASELINE_AT).rssMiB,
        ratio,
        target: { ratioAtMost: GROWTH_RATIO, describe: `no growth beyond noise: ratio ≤ ${GROWTH_RATIO}` },
        met: ratio <= GROWTH_RATIO,
        extra: {
          heapUsedMiBAt100: at(BASELINE_AT).heapUsedMiB.median,
          heapUsedMiBAt1000: at(SEGMENTS).heapUsedMiB.median,
          rssMiBEvery100: rssEvery100,
          heapUsedMiBEvery100: heapEvery100,
          requotesForNewRounds: requotes,
          segmentsPerSecond: Math.round((SEGMENTS / streamS) * 10) / 10,
        },
      },
    ];
  } finally {
    broadcaster?.close();
    await net.stopNode();
    await stopAll();
  }
}
