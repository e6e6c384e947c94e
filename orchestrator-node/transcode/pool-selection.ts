// Which pool member gets a stream's next segment: the one the stream is on while it has room, else the least loaded.

export interface Candidate {
  id: string;
  /** Segments in flight on it. */
  load: number;
  capacity: number;
  /** Streams currently kept on it. */
  streams: number;
}

/**
 * Stickiness first: a stream stays on its member (as in go-livepeer, where a transcoder keeps a stream's session warm)
 * while that member has room. Otherwise the member with the smallest share of its capacity in use; ties go to the
 * one holding fewer streams (so streams spread out even when every member is idle between segments), then to the
 * one with more free slots, then to the earlier candidate.
 * @returns undefined when every candidate is full
 */
export function chooseMember<C extends Candidate>(candidates: readonly C[], stickyId: string | undefined): C | undefined {
  const open = candidates.filter((c) => c.load < c.capacity);
  const sticky = open.find((c) => c.id === stickyId);
  if (sticky) return sticky;
  let best: C | undefined;
  for (const c of open) {
    if (!best || compare(c, best) < 0) best = c;
  }
  return best;
}

function compare(a: Candidate, b: Candidate): number {
  // Cross-multiplied so that shares compare exactly: a.load / a.capacity vs b.load / b.capacity.
  const share = a.load * b.capacity - b.load * a.capacity;
  if (share !== 0) return share;
  if (a.streams !== b.streams) return a.streams - b.streams;
  return b.capacity - b.load - (a.capacity - a.load);
}
