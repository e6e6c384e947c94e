// Figure shapes the pipeline benchmarks share: a real-time ratio row (per-segment time over the segment's duration),
// a ratio row against a baseline sampled in the same run, and a row that says plainly what could not be measured.
import { summarize, type Figure } from "../stats.ts";
import { SEGMENT_MS, type Samples } from "./pipeline-stream.ts";

const SEGMENT_S = SEGMENT_MS / 1000;

/**
 * Seconds of work per second of video, per stream: above 1 the stream falls further behind with every segment.
 * Segments the node refused count against the target and are named in the row.
 */
export function realTimeFigure(name: string, samples: Samples, extra: Figure["extra"] = {}): Figure {
  if (samples.servedMs.length === 0) return allRefused(name, samples, "s per s of video", `segment duration (${SEGMENT_S} s)`);
  const subject = summarize(samples.servedMs.map((ms) => ms / SEGMENT_MS));
  return {
    name: name + refusedNote(samples),
    unit: "s per s of video",
    subject,
    baselineName: `segment duration (${SEGMENT_S} s)`,
    baseline: { median: 1, min: 1, max: 1 },
    ratio: subject.median,
    target: { valueAtMost: 1, describe: "≤ 1.0 (keeps up with a live stream)" },
    met: subject.median <= 1 && samples.refused === 0,
    extra: { ...extra, refused: samples.refused },
  };
}

/** Per-segment ms against a baseline's per-segment ms from the same run; a target, when given, is real time. */
export function perSegmentFigure(o: {
  name: string;
  subject: Samples;
  baselineName: string;
  baseline: Samples;
  realTimeTarget: boolean;
  extra?: Figure["extra"];
}): Figure {
  if (o.subject.servedMs.length === 0) return allRefused(o.name, o.subject, "ms per segment", o.baselineName);
  if (o.baseline.servedMs.length === 0) return allRefused(`${o.name}, baseline (${o.baselineName})`, o.baseline, "ms per segment", o.baselineName);
  const subject = summarize(o.subject.servedMs);
  const baseline = summarize(o.baseline.servedMs);
  return {
    name: o.name + refusedNote(o.subject),
    unit: "ms per segment",
    subject,
    baselineName: o.baselineName,
    baseline,
    ratio: subject.median / baseline.median,
    ...(o.realTimeTarget
      ? { target: { valueAtMost: SEGMENT_MS, describe: `real time: ≤ ${SEGMENT_MS} ms per ${SEGMENT_S} s segment` }, met: subject.median <= SEGMENT_MS && o.subject.refused === 0 }
      : {}),
    extra: { realTimeRatio: round2(subject.median / SEGMENT_MS), ...o.extra, refused: o.subject.refused, baselineRefused: o.baseline.refused },
  };
}

/**
 * A row for a figure this machine cannot produce: NaN values (null in the JSON) and the reason in its name and in
 * extra.notMeasured, so neither the table nor the JSON can pass it off as a number.
 */
export function notMeasuredFigure(name: string, reason: string, unit: string, baselineName: string): Figure {
  const none = { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { name: `${name} — not measured: ${reason}`, unit, subject: none, baselineName, baseline: none, ratio: Number.NaN, extra: { notMeasured: reason } };
}

/** ", 3 of 12 segments refused (OrchestratorBusy)" when any were: a median of the served ones alone would flatter. */
function refusedNote(samples: Samples): string {
  if (samples.refused === 0) return "";
  return `, ${samples.refused} of ${samples.refused + samples.servedMs.length} segments refused (OrchestratorBusy)`;
}

function allRefused(name: string, samples: Samples, unit: string, baselineName: string): Figure {
  return { ...notMeasuredFigure(name, `the node refused all ${samples.refused} segments (OrchestratorBusy)`, unit, baselineName), met: false };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
