// Reads one sample of a Prometheus text exposition (the node's /metrics), for before/after figures in attack tests.

/** The value of `name{labels}` (exact label text, e.g. `outcome="transcoded"`), 0 when the series is absent. */
export function metricValue(text: string, name: string, labels = ""): number {
  const series = labels === "" ? name : `${name}{${labels}}`;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}

/** Segments the node transcoded: the figure that must not move when a payment is refused. */
export const transcodedSegments = (text: string) => metricValue(text, "streamflow_segments_total", 'outcome="transcoded"');
