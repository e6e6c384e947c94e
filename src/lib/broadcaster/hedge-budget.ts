// How many slow segments may be hedged at once. A hedge (the segment also sent to the next orchestrator while the
// slow one is still awaited) doubles that segment's transcoding. When one orchestrator is slow, that is cheap and
// saves the segment; when everything is slow (a loaded machine, every orchestrator busy), hedging every segment
// doubles the load that made them slow, and round trips grow until segments are lost: a 2-core CI machine went from
// 0.9 s to 4.8 s per segment, 13 of 22 segments hedged; on one core, 10 s and segments lost. So hedges take slots:
// a slow segment past the budget waits for a slot (still awaited from its slow orchestrator meanwhile), and gets one
// as soon as an earlier hedge settles.

/** A segment's claim on a hedge slot. */
export interface HedgeClaim {
  /** The segment settled: frees its slot (the next waiting claim starts), or leaves the queue unstarted. */
  done(): void;
}

export class HedgeBudget {
  readonly #max: number;
  #inFlight = 0;
  readonly #waiting: { start(): void }[] = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("a hedge budget is 1 or more");
    this.#max = max;
  }

  /** Hedges running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Slow segments waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Calls `hedge` now if a slot is free, else once one frees up (in the order asked), unless done() comes first. */
  claim(hedge: () => void): HedgeClaim {
    let state: "waiting" | "running" | "done" = "waiting";
    const entry = {
      start: () => {
        state = "running";
        this.#inFlight++;
        hedge();
      },
    };
    if (this.#inFlight < this.#max) entry.start();
    else this.#waiting.push(entry);
    return {
      done: () => {
        if (state === "running") {
          this.#inFlight--;
          this.#waiting.shift()?.start();
        } else if (state === "waiting") {
          this.#waiting.splice(this.#waiting.indexOf(entry), 1);
        }
        state = "done";
      },
    };
  }
}
