// How a rendition is compared with its source, frame for frame, by the tab's spot checks and the verifier alike.

/**
 * The ffmpeg filter that gives both inputs of a comparison the same timeline: each frame's timestamp becomes its index
 * (at a nominal 30 per second). Frames are then paired by position, not by the timestamps the encoders wrote: those
 * drift (an AAC track and its priming shift the video's first timestamps), and a comparison that pairs by time
 * repeats and skips frames and scores an honest rendition as a fault. The frame counts are checked equal first.
 */
export const PAIR_FRAMES_BY_INDEX = "setpts=N/(30*TB)";
