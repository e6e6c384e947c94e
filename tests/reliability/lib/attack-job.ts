// The job every reliability test streams: H.264 720p30 in, one 360p rendition out (what make-clip.ts makes).
import type { Address } from "viem";
import type { JobRequest } from "../../../src/lib/protocol/messages.ts";

export function jobFor(sender: Address, streamId: string): JobRequest {
  return {
    v: 1, type: "jobRequest", streamId, serviceId: "CPUTranscoding", broadcaster: sender,
    input: { codec: "h264", width: 1280, height: 720, fps: 30 },
    output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
  };
}
