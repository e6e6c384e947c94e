// Puts microphone timestamps on the camera's clock. Chromium stamps camera frames with the system's monotonic clock
// (time since boot) and microphone data with the performance.now() clock of the context that reads them; data read
// before the stream reached the worker even carries the page's clock. So the raw numbers of the two tracks are
// unrelated, and both are compared with the worker's own clock at arrival. Pure, no DOM.

/** Both tracks are observed this long before the offset is fixed. */
export const ESTIMATE_WINDOW_US = 500_000;
/**
 * The audio offset comes from samples that arrived in this last part of the window only: the first samples may be
 * stamped on another clock (the page's) and would otherwise set the minimum.
 */
export const RECENT_AUDIO_US = 250_000;
/** Clocks whose estimated offset is below this are taken to be one clock, and timestamps are used as they are. */
export const SAME_CLOCK_TOLERANCE_US = 100_000;
/** An audio sample may look this much fresher than the freshest seen while estimating (scheduling jitter). */
export const EARLY_TOLERANCE_US = 20_000;
/** ...and at most this much staler (a stalled worker); beyond either, it is stamped on another clock. */
export const MAX_AUDIO_LAG_US = 2_000_000;
/** Consecutive off-clock audio samples after which the clock is taken to have changed and the offset is found anew. */
export const OFF_CLOCK_RESET = 50;

type Track = "video" | "audio";

/**
 * For each track, (arrival − timestamp) is the clock offset plus that sample's delivery latency, so its smallest
 * value is the offset plus the track's least latency. The audio→video offset is the difference of the two, fixed
 * after ESTIMATE_WINDOW_US; its error is the difference of the two least latencies (a few ms, well inside lip-sync
 * tolerance). Video's minimum is taken over all frames (its clock never changed in measurements), audio's over the
 * recent samples only.
 */
export class TrackClocks {
  #videoMinUs = Infinity;
  #firstArrivalUs: Record<Track, number | undefined> = { video: undefined, audio: undefined };
  #recentAudio: { arrivalUs: number; offsetUs: number }[] = [];
  #fixed: { audioMinUs: number; audioToVideoUs: number } | undefined;
  #offClock = 0;

  /** One sample of `track` stamped `timestampUs`, received at `arrivalUs` on the observer's clock. */
  observe(track: Track, timestampUs: number, arrivalUs: number): void {
    if (!Number.isFinite(timestampUs) || !Number.isFinite(arrivalUs)) return;
    const offsetUs = arrivalUs - timestampUs;
    if (track === "video") this.#videoMinUs = Math.min(this.#videoMinUs, offsetUs);
    if (this.#fixed !== undefined) return;
    this.#firstArrivalUs[track] ??= arrivalUs;
    if (track === "audio") {
      this.#recentAudio.push({ arrivalUs, offsetUs });
      while ((this.#recentAudio[0]?.arrivalUs ?? arrivalUs) < arrivalUs - RECENT_AUDIO_US) this.#recentAudio.shift();
    }
    const video = this.#firstArrivalUs.video;
    const audio = this.#firstArrivalUs.audio;
    if (video === undefined || audio === undefined || arrivalUs - Math.max(video, audio) < ESTIMATE_WINDOW_US) return;
    const audioMinUs = Math.min(...this.#recentAudio.map((s) => s.offsetUs));
    if (!Number.isFinite(audioMinUs) || !Number.isFinite(this.#videoMinUs)) return;
    const offset = audioMinUs - this.#videoMinUs;
    this.#fixed = { audioMinUs, audioToVideoUs: Math.abs(offset) < SAME_CLOCK_TOLERANCE_US ? 0 : Math.round(offset) };
  }

  /** What is added to an audio timestamp to place it on the video clock; undefined while still estimating. */
  get audioToVideoUs(): number | undefined {
    return this.#fixed?.audioToVideoUs;
  }

  /**
   * An audio sample's timestamp on the video clock, or undefined when it is not on the clock the offset was found
   * on (the caller drops it). After OFF_CLOCK_RESET such samples in a row the offset is estimated again.
   */
  placeAudio(timestampUs: number, arrivalUs: number): number | undefined {
    const fixed = this.#fixed;
    if (fixed === undefined) return undefined;
    const lagUs = arrivalUs - timestampUs - fixed.audioMinUs;
    if (lagUs >= -EARLY_TOLERANCE_US && lagUs <= MAX_AUDIO_LAG_US) {
      this.#offClock = 0;
      return timestampUs + fixed.audioToVideoUs;
    }
    if (++this.#offClock >= OFF_CLOCK_RESET) {
      this.#fixed = undefined;
      this.#offClock = 0;
      this.#firstArrivalUs = { video: undefined, audio: undefined };
      this.#recentAudio = [];
    }
    return undefined;
  }
}
