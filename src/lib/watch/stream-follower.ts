// Follows a published stream for a viewer: polls the public windows of the orchestrators that may hold it (the ones
// the broadcaster's share link names), merges them — after a failover the segments come from another one — and
// hands each segment's ladder on in sequence order, placed on the stream's timeline.
import { decodePublicStreamIndex, publicSegmentPath, publicStreamIndexPath, type PublicStreamIndex } from "../protocol/public-stream.ts";
import type { LadderSegment } from "../playback/live-player.ts";

export interface StreamFollowerOptions {
  streamId: string;
  /** Service URIs of the orchestrators to poll. */
  orchestratorUris: readonly string[];
  onSegment(segment: LadderSegment, from: string): void;
  /** Renditions as the first index lists them. */
  onRenditions?(renditions: PublicStreamIndex["renditions"]): void;
  pollMs?: number;
  /** Segments behind the newest to start from: a buffer against the next one's arrival. */
  startBehind?: number;
  /** Polls to wait for a missing segment before moving past it. */
  missingPolls?: number;
  fetch?: typeof fetch;
}

interface Holder {
  uri: string;
  durationMs: number;
  startMs?: number;
}

export class StreamFollower {
  readonly #o: Required<Omit<StreamFollowerOptions, "onRenditions" | "fetch">> & Pick<StreamFollowerOptions, "onRenditions" | "fetch">;
  #timer?: ReturnType<typeof setTimeout>;
  #next?: number;
  #timelineMs = 0;
  #renditions?: PublicStreamIndex["renditions"];
  #waitedPolls = 0;
  #stopped = false;
  /** What each orchestrator's last index said (undefined: it did not answer). */
  readonly lastSeen = new Map<string, number | undefined>();

  constructor(options: StreamFollowerOptions) {
    this.#o = { pollMs: 1_000, startBehind: 2, missingPolls: 4, ...options };
  }

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#step();
    } finally {
      if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), this.#o.pollMs);
    }
  }

  async #step(): Promise<void> {
    const fetcher = this.#o.fetch ?? fetch;
    const indexes = await Promise.all(
      this.#o.orchestratorUris.map(async (uri) => {
        try {
          const res = await fetcher(`${uri}${publicStreamIndexPath(this.#o.streamId)}`, { cache: "no-store" });
          if (!res.ok) return undefined;
          return { uri, index: decodePublicStreamIndex(await res.text()) };
        } catch {
          return undefined; // down, or not holding it: others may
        } finally {
          this.lastSeen.set(uri, undefined);
        }
      }),
    );
    const holders = new Map<number, Holder>();
    for (const got of indexes) {
      if (!got) continue;
      this.lastSeen.set(got.uri, got.index.segments.at(-1)?.sequenceNumber);
      if (!this.#renditions) {
        this.#renditions = got.index.renditions;
        this.#o.onRenditions?.(got.index.renditions);
      }
      for (const s of got.index.segments) if (!holders.has(s.sequenceNumber)) holders.set(s.sequenceNumber, { uri: got.uri, ...s });
    }
    if (holders.size === 0) return;
    const newest = Math.max(...holders.keys());
    if (this.#next === undefined) {
      this.#next = Math.max(Math.min(...holders.keys()), newest - this.#o.startBehind);
      this.#timelineMs = holders.get(this.#next)?.startMs ?? 0;
    }
    while (this.#next <= newest && !this.#stopped) {
      const holder = holders.get(this.#next);
      if (!holder) {
        // Not (yet) anywhere: wait a few polls, then move past it (playback goes on; the gap shows in its count).
        if (++this.#waitedPolls < this.#o.missingPolls) return;
        this.#waitedPolls = 0;
        this.#timelineMs += 2_000;
        this.#next += 1;
        continue;
      }
      const segment = await this.#fetchSegment(this.#next, holder).catch(() => undefined);
      if (!segment) return; // try again next poll
      this.#waitedPolls = 0;
      this.#o.onSegment(segment, holder.uri);
      this.#timelineMs += holder.durationMs;
      this.#next += 1;
    }
  }

  async #fetchSegment(sequenceNumber: number, holder: Holder): Promise<LadderSegment> {
    const fetcher = this.#o.fetch ?? fetch;
    const renditions = new Map<string, Uint8Array>();
    await Promise.all(
      (this.#renditions ?? []).map(async (r) => {
        const res = await fetcher(`${holder.uri}${publicSegmentPath(this.#o.streamId, r.name, sequenceNumber)}`, { cache: "no-store" });
        if (!res.ok) throw new Error(`segment ${sequenceNumber} ${r.name}: HTTP ${res.status}`);
        renditions.set(r.name, new Uint8Array(await res.arrayBuffer()));
      }),
    );
    return { sequenceNumber, startMs: this.#timelineMs, durationMs: holder.durationMs, renditions };
  }
}
