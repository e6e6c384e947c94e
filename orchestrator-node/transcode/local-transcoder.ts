// This node's own ffmpeg as one more member of its transcoder pool.
import type { H264Encoder } from "./ffmpeg-args.ts";
import { describeTranscodeFailure, TranscodeFailed, TranscodeTimedOut, type MemberJob, type PoolMember } from "./pool-member.ts";
import { ProcessFailed } from "./run-process.ts";
import { transcodeSegment, type TranscodeResult } from "./transcode.ts";

export interface LocalTranscoderOptions {
  /** Segments transcoded at once on this machine. */
  capacity: number;
  encoder: H264Encoder;
  ffmpegPath?: string;
}

export const LOCAL_TRANSCODER_ID = "local";

export function localTranscoder(o: LocalTranscoderOptions): PoolMember {
  let load = 0;
  return {
    id: LOCAL_TRANSCODER_ID,
    kind: "local",
    name: LOCAL_TRANSCODER_ID,
    capacity: o.capacity,
    encoder: o.encoder,
    get load() {
      return load;
    },
    transcode(job: MemberJob): Promise<TranscodeResult> {
      load++;
      // ffmpeg is killed at the job's timeout, so here the timeout both ends the work and frees the slot.
      return transcodeSegment(job.segment, job.ladder, { encoder: o.encoder, ffmpegPath: o.ffmpegPath, timeoutMs: job.timeoutMs })
        .catch((error: unknown) => {
          const ids = { transcoderId: LOCAL_TRANSCODER_ID, streamId: job.streamId };
          if (error instanceof ProcessFailed && error.timedOut) throw new TranscodeTimedOut({ ...ids, timeoutMs: job.timeoutMs });
          const { name, message, retryable } = describeTranscodeFailure(error);
          throw new TranscodeFailed({ ...ids, errorName: name, reason: message, retryable }, { cause: error });
        })
        .finally(() => load--);
    },
  };
}
