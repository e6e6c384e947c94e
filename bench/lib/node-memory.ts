// Reads an orchestrator node's memory from its /metrics (prom-client's default process and heap gauges), sampled a
// few times so that a figure is a median over samples rather than one reading of a number that moves with GC.
import { summarize } from "../stats.ts";

/** Samples per reading, and the pause between them. */
const SAMPLES = 5;
const SAMPLE_GAP_MS = 200;

export interface MemoryReading {
  rssMiB: { median: number; min: number; max: number };
  heapUsedMiB: { median: number; min: number; max: number };
}

/** The value of a gauge whose name ends with `suffix` (the node prefixes its metrics), in MiB. */
function gaugeMiB(metrics: string, suffix: string): number {
  const line = metrics.split("\n").find((l) => !l.startsWith("#") && l.split(" ")[0]!.endsWith(suffix));
  if (!line) throw new Error(`the node's /metrics has no gauge ending in ${suffix}: has prom-client's default metrics been turned off?`);
  return Number(line.split(" ")[1]) / 2 ** 20;
}

export async function readNodeMemory(metrics: () => Promise<string>): Promise<MemoryReading> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, SAMPLE_GAP_MS));
    const text = await metrics();
    rss.push(gaugeMiB(text, "process_resident_memory_bytes"));
    heap.push(gaugeMiB(text, "nodejs_heap_size_used_bytes"));
  }
  return { rssMiB: summarize(rss), heapUsedMiB: summarize(heap) };
}
