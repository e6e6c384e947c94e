// How long the broadcaster waits for a segment's result, and so how late a segment may reach an orchestrator's public
// window: the watch page waits that long for a missing one before playing on without it.

/** A slow orchestrator's result is awaited this many segment timeouts in all (Broadcast's segmentDeadlineMs default). */
export const DEADLINE_PER_TIMEOUT = 3;

/**
 * How long after the segment that follows it a segment may still be published, when each try gets `segmentTimeoutMs`
 * before the segment is also sent to the next orchestrator and `tries` orchestrators are tried. A hedge waits for a
 * slot (hedge-budget.ts), and a try that fails outright does so at its deadline at worst, so the last try starts at
 * most (tries − 1) deadlines after the segment was sent, and is awaited one deadline; the next segment was sent one
 * segment later and may be out at once. One more timeout covers a viewer's poll and fetch.
 */
export function latePublishMs(segmentTimeoutMs: number, segmentDurationMs: number, tries: number): number {
  return (tries * DEADLINE_PER_TIMEOUT + 1) * segmentTimeoutMs - segmentDurationMs;
}
