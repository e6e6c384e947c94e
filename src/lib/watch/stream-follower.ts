// Follows a published stream for a viewer: polls the public windows of the orchestrators that may hold it (the ones
// the broadcaster's share link names), merges them — after a failover the segments come from another one — and
// hands each segment's ladder on as soon as some window has it, placed on the stream's timeline. Order and lateness
// are the player's business (LivePlayer.add takes segments in any order and waits for a missing one): a segment
// published late, behind the one after it, is the normal case during a failover, so the follower keeps looking for
// it as long as the player would still play it, and never gives up sooner.
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
  /**
   * How long to keep looking for a missing segment once a later one was handed on: the player's own wait
   * (LivePlayer's missingWaitMs), so that nothing the player would still play is given up here first.
   */
  missingWaitMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

interface Holder {
  uri: string;
  durationMs: number;
  startMs?: number;
}

/** A segment's length when no window says it: the segmenter's nominal 2 s. */
const NOMINAL_DURATION_MS = 2_000;
/** Handed segments remembered behind the oldest awaited one, to place later ones on the timeline. */
const PLACED_KEPT = 16;

export class StreamFollower {
  readonly #o: Required<Omit<StreamFollowerOptions, "onRenditions" | "fetch">> & Pick<StreamFollowerOptions, "onRenditions" | "fetch">;
  #timer?: ReturnType<typeof setTimeout>;
  /** The oldest segment neither handed on nor given up. */
  #next?: number;
  /** Where each handed segment sits on the timeline (those from #next − PLACED_KEPT on). */
  readonly #placed = new Map<number, { startMs: number; durationMs: number }>();
  /** Since when #next has been missing with a later segment handed on. */
  #missingSince?: number;
  #renditions?: PublicStreamIndex["renditions"];
  #stopped = false;
  /** What each orchestrator's last index said (undefined: it did not answer). */
  readonly lastSeen = new Map<string, number | undefined>();
  /** Segments given up on: in no window for missingWaitMs after a later one was handed on. */
  readonly givenUp: number[] = [];

  constructor(options: StreamFollowerOptions) {
    this.#o = { pollMs: 1_000, startBehind: 2, missingWaitMs: 4_000, now: () => performance.now(), ...options };
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
    const holders = await this.#holders();
    if (holders.size === 0) return;
    const newest = Math.max(...holders.keys());
    if (this.#next === undefined) this.#next = Math.max(Math.min(...holders.keys()), newest - this.#o.startBehind);
    for (let seq = this.#next; seq <= newest && !this.#stopped; seq++) {
      const holder = holders.get(seq);
      if (!holder || this.#placed.has(seq)) continue;
      const startMs = this.#startOf(seq, holder, holders);
      const segment = await this.#fetchSegment(seq, startMs, holder).catch(() => undefined);
      if (!segment || this.#stopped) continue; // try again next poll
      this.#placed.set(seq, { startMs, durationMs: holder.durationMs });
      this.#o.onSegment(segment, holder.uri);
    }
    this.#moveOn();
  }

  /** The segments in any window, each with the first orchestrator that lists it. */
  async #holders(): Promise<Map<number, Holder>> {
    const fetcher = this.#o.fetch ?? fetch;
    const indexes = await Promise.all(
      this.#o.orchestratorUris.map(async (uri) => {
        this.lastSeen.set(uri, undefined);
        try {
          const res = await fetcher(`${uri}${publicStreamIndexPath(this.#o.streamId)}`, { cache: "no-store" });
          if (!res.ok) return undefined;
          return { uri, index: decodePublicStreamIndex(await res.text()) };
        } catch {
          return undefined; // down, or not holding it: others may
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
      for (const s of got.index.segments) {
        const known = holders.get(s.sequenceNumber);
        // Prefer a holder that knows where the segment starts.
        if (!known || (known.startMs === undefined && s.startMs !== undefined)) holders.set(s.sequenceNumber, { uri: got.uri, ...s });
      }
    }
    return holders;
  }

  /**
   * Where a segment starts: as its window says, else after the nearest earlier segment whose start is known (handed
   * on, or given by a window), the ones between taking the lengths the windows give (nominal when none does). With
   * nothing earlier known, the timeline starts at the oldest segment awaited.
   */
  #startOf(seq: number, holder: Holder, holders: ReadonlyMap<number, Holder>): number {
    if (holder.startMs !== undefined) return holder.startMs;
    const lengthOf = (k: number) => holders.get(k)?.durationMs ?? this.#placed.get(k)?.durationMs ?? NOMINAL_DURATION_MS;
    const oldest = this.#next ?? seq;
    let between = 0;
    for (let k = seq - 1; k >= Math.max(0, oldest - PLACED_KEPT); k--) {
      const windowStart = holders.get(k)?.startMs;
      const known = this.#placed.get(k)?.startMs ?? windowStart;
      if (known !== undefined) return known + lengthOf(k) + between;
      between += lengthOf(k);
    }
    let fromOldest = 0;
    for (let k = oldest; k < seq; k++) fromOldest += lengthOf(k);
    return fromOldest;
  }

  /** Moves #next past what was handed on, and past a segment missing longer than the player waits. */
  #moveOn(): void {
    while (this.#next !== undefined) {
      if (this.#placed.has(this.#next)) {
        this.#next += 1;
        this.#missingSince = undefined;
        continue;
      }
      const laterHanded = [...this.#placed.keys()].some((k) => k > this.#next!);
      if (!laterHanded) break;
      const now = this.#o.now();
      this.#missingSince ??= now;
      if (now - this.#missingSince < this.#o.missingWaitMs) break;
      this.givenUp.push(this.#next);
      this.#next += 1;
      this.#missingSince = undefined;
    }
    for (const k of this.#placed.keys()) if (this.#next !== undefined && k < this.#next - PLACED_KEPT) this.#placed.delete(k);
  }

  async #fetchSegment(sequenceNumber: number, startMs: number, holder: Holder): Promise<LadderSegment> {
    const fetcher = this.#o.fetch ?? fetch;
    const renditions = new Map<string, Uint8Array>();
    await Promise.all(
      (this.#renditions ?? []).map(async (r) => {
        const res = await fetcher(`${holder.uri}${publicSegmentPath(this.#o.streamId, r.name, sequenceNumber)}`, { cache: "no-store" });
        if (!res.ok) throw new Error(`segment ${sequenceNumber} ${r.name}: HTTP ${res.status}`);
        renditions.set(r.name, new Uint8Array(await res.arrayBuffer()));
      }),
    );
    return { sequenceNumber, startMs, durationMs: holder.durationMs, renditions };
  }
}
