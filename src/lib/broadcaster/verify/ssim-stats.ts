// Reads the per-frame file of ffmpeg's ssim filter (`ssim=stats_file=…`): the mean and the worst frame of "All".

export interface SsimScore {
  /** Mean over frames of SSIM "All" (Y, U and V weighted by their size), as the filter's own summary line. */
  mean: number;
  worstFrame: number;
  frames: number;
}

/** One line per frame, `n:1 Y:0.99 U:0.99 V:0.99 All:0.99 (20.1)`; undefined when it holds no frame. */
export function parseSsimStats(text: string): SsimScore | undefined {
  let sum = 0;
  let worst = Infinity;
  let frames = 0;
  for (const match of text.matchAll(/All:([0-9.]+|inf|nan)/g)) {
    const value = Number(match[1]);
    // A frame with no value is a frame that could not be compared: as bad as it gets.
    const all = Number.isFinite(value) ? value : 0;
    sum += all;
    worst = Math.min(worst, all);
    frames++;
  }
  return frames === 0 ? undefined : { mean: sum / frames, worstFrame: worst, frames };
}
