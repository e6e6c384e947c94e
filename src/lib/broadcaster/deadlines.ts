// How long the broadcaster waits for a segment's result, and so how late a segment may reach an orchestrator's public
// window: the watch page waits that long for a missing one before playing on without it.

/** A slow orchestrator's result is awaited this many segment timeouts in all (Broadcast's segmentDeadlineMs default). */
export const DEADLINE_PER_TIMEOUT = 3;

/**
 * How long after the segment that follows it a segment may still be published, when each try gets `segmentTimeoutMs`
 * before the next orchestrator is tried and `tries` orchestrators are: the last try starts (tries − 1) timeouts after
 * the segment was sent and is awaited DEADLINE_PER_TIMEOUT timeouts, while the next segment was sent one segment later
 * and may be out at once. One more timeout covers a viewer's poll and fetch.
 */
export function latePublishMs(segmentTimeoutMs: number, segmentDurationMs: number, tries: number): number {
  return (tries - 1 + DEADLINE_PER_TIMEOUT + 1) * segmentTimeoutMs - segmentDurationMs;
}
