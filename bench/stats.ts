// Repeated measurement and the figures every benchmark prints: median, min and max over runs, for the subject and
// for the baseline measured in the same run, and their ratio. Machines are noisy; ratios from one run are not.

export interface Figure {
  name: string;
  unit: string;
  subject: { median: number; min: number; max: number };
  baselineName: string;
  baseline: { median: number; min: number; max: number };
  /** subject median / baseline median (lower is better for times). */
  ratio: number;
  target?: { ratioAtMost?: number; valueAtMost?: number; valueAtLeast?: number; describe: string };
  met?: boolean;
  extra?: Record<string, number | string>;
}

export function summarize(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** Runs `subject` and `baseline` alternately `runs` times (after one warm-up each), timing each in ms. */
export async function compare(runs: number, subject: () => Promise<void>, baseline: () => Promise<void>) {
  await baseline();
  await subject();
  const s: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await baseline();
    b.push(performance.now() - t);
    t = performance.now();
    await subject();
    s.push(performance.now() - t);
  }
  return { subject: summarize(s), baseline: summarize(b) };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));

export function printTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    // A figure this machine cannot measure (no NVENC, say) still gets its row, saying why, not NaN.
    const notMeasured = f.extra?.notMeasured;
    return [
      f.name,
      notMeasured !== undefined ? `not measured: ${notMeasured}` : `${fmt(f.subject.median)} ${f.unit} (${fmt(f.subject.min)}–${fmt(f.subject.max)})`,
      notMeasured !== undefined ? `${f.baselineName}: —` : `${f.baselineName}: ${fmt(f.baseline.median)} ${f.unit}`,
      notMeasured !== undefined ? "—" : fmt(f.ratio),
      f.target ? `${f.target.describe}: ${f.met ? "met" : "MISSED"}` : "",
    ];
  });
  const header = ["figure", "subject median (min–max)", "baseline (same run)", "ratio", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
