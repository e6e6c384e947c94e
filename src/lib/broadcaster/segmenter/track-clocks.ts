// Puts audio timestamps on the video track's clock. Chromium stamps camera frames with the system's monotonic
// clock (seconds since boot) and microphone data with the page's clock, so the raw numbers of the two tracks are
// unrelated; both are compared with the worker's own clock at arrival to find the difference. Pure, no DOM.

/** Clocks whose estimated difference is below this are taken to be the same clock, and timestamps are used as they are. */
export const SAME_CLOCK_TOLERANCE_US = 1_000_000;
/** How long both tracks are observed before the difference is fixed (later changes would make timestamps jump). */
export const ESTIMATE_WINDOW_US = 500_000;

type Track = "video" | "audio";

/**
 * For each track, the smallest (arrival − timestamp) seen: arrival always follows capture, so the smallest value is
 * the clock difference plus the track's least delivery latency. The audio→video offset is the difference of the
 * two, fixed once both tracks have been observed for ESTIMATE_WINDOW_US; its error is the difference of the two
 * least latencies (a few ms, well inside lip-sync tolerance).
 */
export class TrackClocks {
  #minOffsetUs: Record<Track, number> = { video: Infinity, audio: Infinity };
  #firstArrivalUs: Record<Track, number | undefined> = { video: undefined, audio: undefined };
  #frozenUs: number | undefined;

  /** One sample of `track` stamped `timestampUs`, received at `arrivalUs` on the observer's clock. */
  observe(track: Track, timestampUs: number, arrivalUs: number): void {
    if (this.#frozenUs !== undefined || !Number.isFinite(timestampUs) || !Number.isFinite(arrivalUs)) return;
    this.#firstArrivalUs[track] ??= arrivalUs;
    this.#minOffsetUs[track] = Math.min(this.#minOffsetUs[track], arrivalUs - timestampUs);
    const video = this.#firstArrivalUs.video;
    const audio = this.#firstArrivalUs.audio;
    if (video !== undefined && audio !== undefined && arrivalUs - Math.max(video, audio) >= ESTIMATE_WINDOW_US) {
      const offset = this.#minOffsetUs.audio - this.#minOffsetUs.video;
      this.#frozenUs = Math.abs(offset) < SAME_CLOCK_TOLERANCE_US ? 0 : Math.round(offset);
    }
  }

  /** What to add to an audio timestamp to place it on the video clock; undefined while still estimating. */
  get audioToVideoUs(): number | undefined {
    return this.#frozenUs;
  }
}
