// Acceptance test of the segmenter: 9 s of the fake camera and microphone cut into 2 s segments in a worker; the
// segments tile the stream exactly, each is a standalone H.264 MP4 starting on a keyframe, the orchestrator's
// segment check accepts it, and the main thread stays responsive meanwhile. Prints the gap and encode figures.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { keccak256 } from "viem";
import { checkSegmentMatchesJob } from "../../orchestrator-node/session/segment-check.ts";
import { segmentSchema, type JobRequest } from "../../src/lib/protocol/messages.ts";

const run = promisify(execFile);

const CAPTURE_MS = 9_000;
const SEGMENT_MS = 2_000;
/** The interval the page's main thread ticks at, and the most it may run late while segmenting. */
const TICK_MS = 20;
const MAX_TICK_LATENESS_MS = 100;

interface PageSegment {
  sequenceNumber: number;
  base64: string;
  byteLength: number;
  startMs: number;
  durationMs: number;
  format: string;
  codec: string;
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
  encodeMs: number;
}

async function ffprobeJson(args: string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-v", "error", ...args, "-of", "json"]);
  return JSON.parse(stdout);
}

test("cuts the camera into standalone 2 s H.264 segments that tile the stream, off the main thread", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/");
  const result = await page.evaluate(
    async ({ capturePath, segmenterPath, captureMs, segmentMs, tickMs }) => {
      const { startCapture } = await import(/* @vite-ignore */ capturePath);
      const { startSegmenter } = await import(/* @vite-ignore */ segmenterPath);
      const stream: MediaStream = await startCapture({ width: 1280, height: 720, frameRate: 30 });
      const segments: any[] = [];
      const errors: string[] = [];
      // The main thread's responsiveness: how late a short interval fires while the worker encodes.
      let maxLatenessMs = 0;
      let ticks = 0;
      let lastTick = performance.now();
      const t0 = performance.now();
      const lateTicks: string[] = [];
      const interval = setInterval(() => {
        const now = performance.now();
        const late = now - lastTick - tickMs;
        if (late > 30) lateTicks.push(`${(now - t0).toFixed(0)}:${late.toFixed(0)}`);
        maxLatenessMs = Math.max(maxLatenessMs, late);
        lastTick = now;
        ticks++;
      }, tickMs);
      const segmenter = await startSegmenter(stream, {
        segmentDurationMs: segmentMs,
        onSegment: (s: any) => segments.push(s),
        onError: (e: Error) => errors.push(`${e.name}: ${e.message}`),
      });
      const startedAt = (performance.now() - t0).toFixed(0);
      const settings = stream.getVideoTracks()[0]?.getSettings();
      await new Promise((r) => setTimeout(r, captureMs));
      await segmenter.stop();
      clearInterval(interval);
      const cameraStillLive = stream.getVideoTracks()[0]?.readyState === "live";
      stream.getTracks().forEach((t) => t.stop());

      // In-page checks of the timeline: each segment starts exactly where the previous one ended.
      const gapsMs = segments.slice(1).map((s, i) => s.startMs - (segments[i].startMs + segments[i].durationMs));
      const frameMs = 1000 / (segments[0]?.fps ?? 30);
      const offDurations = segments.slice(0, -1).filter((s) => Math.abs(s.durationMs - segmentMs) > frameMs + 1);
      const base64 = (bytes: Uint8Array) => {
        let text = "";
        for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(text);
      };
      return {
        segments: segments.map(({ bytes, ...rest }) => ({ ...rest, byteLength: bytes.byteLength, base64: base64(bytes) })),
        gapsMs,
        offDurations: offDurations.map((s) => s.sequenceNumber),
        errors,
        maxLatenessMs,
        ticks,
        stats: segmenter.stats,
        codec: segmenter.codec,
        cameraStillLive,
        settings,
        lateTicks,
        startedAt,
      };
    },
    {
      capturePath: "/src/lib/broadcaster/capture.ts",
      segmenterPath: "/src/lib/broadcaster/segmenter/segmenter.ts",
      captureMs: CAPTURE_MS,
      segmentMs: SEGMENT_MS,
      tickMs: TICK_MS,
    },
  );

  const segments = result.segments as PageSegment[];
  console.log("DEBUG", JSON.stringify({ ...result, segments: segments.map(({ base64, ...s }) => s), settings: undefined }));
  expect(result.errors).toEqual([]);
  expect(segments.length).toBeGreaterThanOrEqual(4);
  expect(segments.map((s) => s.sequenceNumber)).toEqual(segments.map((_, i) => i));
  expect(segments[0]!.startMs).toBe(0);
  expect(result.gapsMs.every((g: number) => g === 0)).toBe(true);
  expect(result.offDurations).toEqual([]);
  expect(result.cameraStillLive).toBe(true);
  expect(result.maxLatenessMs).toBeLessThan(MAX_TICK_LATENESS_MS);

  const dir = await mkdtemp(join(tmpdir(), "streamflow-segmenter-"));
  const rows: string[] = [];
  try {
    for (const segment of segments) {
      expect(segment).toMatchObject({ format: "mp4", codec: "h264", width: 1280, height: 720, hasAudio: true });
      expect(Number.isInteger(segment.durationMs) && segment.durationMs >= 1).toBe(true);
      const bytes = new Uint8Array(Buffer.from(segment.base64, "base64"));
      expect(bytes.byteLength).toBe(segment.byteLength);
      const file = join(dir, `seg-${segment.sequenceNumber}.mp4`);
      await writeFile(file, bytes);

      const probe = await ffprobeJson(["-show_entries", "stream=codec_type,codec_name,width,height,duration", "-show_entries", "format=duration,format_name", file]);
      const video = probe.streams.find((s: any) => s.codec_type === "video");
      const audio = probe.streams.find((s: any) => s.codec_type === "audio");
      expect(probe.format.format_name).toContain("mp4");
      expect(video).toMatchObject({ codec_name: "h264", width: 1280, height: 720 });
      expect(audio?.codec_name).toBe("opus");
      const probedMs = Number(probe.format.duration) * 1000;
      expect(Math.abs(probedMs - segment.durationMs)).toBeLessThanOrEqual(250);

      // Independently decodable: the first frame is a keyframe (I), and the whole file decodes without a complaint.
      const frames = await ffprobeJson(["-select_streams", "v", "-show_frames", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame,pict_type", file]);
      expect(frames.frames[0]).toMatchObject({ key_frame: 1, pict_type: "I" });
      const decode = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]);
      expect(decode.stderr.trim()).toBe("");
      const videoDuration = await ffprobeJson(["-select_streams", "v", "-show_entries", "stream=duration,nb_frames", file]);

      // What an orchestrator does with it: the wire message validates, and the segment check accepts it for the job.
      const message = segmentSchema.parse({
        v: 1,
        type: "segment",
        streamId: "segmenter-test",
        sequenceNumber: segment.sequenceNumber,
        durationMs: segment.durationMs,
        format: segment.format,
        byteLength: bytes.byteLength,
        contentHash: keccak256(bytes),
        payment: { seed: `0x${"00".repeat(32)}`, expirationBlock: "1", tickets: [] },
      });
      const job = {
        v: 1,
        type: "jobRequest",
        streamId: "segmenter-test",
        serviceId: "CPUTranscoding",
        broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
        input: { codec: "h264", width: segment.width, height: segment.height, fps: segment.fps },
        output: [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }],
      } as JobRequest;
      const info = await checkSegmentMatchesJob(job, message, bytes);
      expect(info.video.codec).toBe("h264");

      const v = videoDuration.streams[0];
      rows.push(
        `  #${segment.sequenceNumber}  start ${String(segment.startMs).padStart(5)} ms  duration ${segment.durationMs} ms  ` +
          `probed ${probedMs.toFixed(1)} ms (video ${(Number(v.duration) * 1000).toFixed(1)} ms, ${v.nb_frames} frames; ` +
          `audio ${(Number(audio.duration) * 1000).toFixed(1)} ms)  ` +
          `encode ${segment.encodeMs.toFixed(1)} ms  ${(bytes.byteLength / 1024).toFixed(0)} KiB`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const sumAbsGapMs = result.gapsMs.reduce((sum: number, g: number) => sum + Math.abs(g), 0);
  const encodeMs = segments.map((s) => s.encodeMs);
  console.log(
    [
      `segmenter: ${segments.length} segments, codec ${result.codec}, camera ${result.settings?.width}x${result.settings?.height} at ${result.settings?.frameRate} fps`,
      ...rows,
      `  sum of |gap| between consecutive segments: ${sumAbsGapMs} ms (${result.gapsMs.length} joins)`,
      `  encode time per segment: min ${Math.min(...encodeMs).toFixed(1)} ms, max ${Math.max(...encodeMs).toFixed(1)} ms, ` +
        `mean ${(encodeMs.reduce((a, b) => a + b, 0) / encodeMs.length).toFixed(1)} ms`,
      `  main thread: ${result.ticks} ticks of ${TICK_MS} ms, at most ${result.maxLatenessMs.toFixed(1)} ms late`,
      `  stats: ${JSON.stringify(result.stats)}`,
    ].join("\n"),
  );
});
