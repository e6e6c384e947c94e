// Acceptance tests of the segmenter (src/lib/broadcaster/segmenter): the fake camera and microphone cut into 2 s
// segments in a worker, which tile the stream exactly, each a standalone H.264 MP4 starting on a keyframe that the
// orchestrator's segment check accepts, with the main thread responsive meanwhile; a frame-numbered canvas shows
// that no frame is lost or repeated where segments join. The last test measures MediaRecorder for
// docs/segmenting.md. Gap and encode figures are printed.
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

const CAPTURE_PATH = "/src/lib/broadcaster/capture.ts";
const SEGMENTER_PATH = "/src/lib/broadcaster/segmenter/segmenter.ts";
const WORKER_PATH = "/src/lib/broadcaster/segmenter/segmenter.worker.ts";
const SEGMENT_MS = 2_000;
/** The interval the page's main thread ticks at, and the most it may run late while segmenting. */
const TICK_MS = 20;
const MAX_TICK_LATENESS_MS = 100;
/** Bits of the frame number drawn as black/white stripes on the counter canvas. */
const COUNTER_BITS = 12;

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

/** Page helpers: bytes to base64 (to return them from page.evaluate), and a canvas stream numbering its frames. */
function pageHelpers(bits: number) {
  const g = globalThis as any;
  g.toBase64 = (bytes: Uint8Array) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  };
  /** 1280x720 frames at 20 fps, frame k showing k in binary as `bits` vertical stripes (white = 1). */
  g.counterStream = () => {
    const canvas = document.createElement("canvas");
    canvas.width = 1280;
    canvas.height = 720;
    const ctx = canvas.getContext("2d")!;
    const stream = canvas.captureStream(0);
    const track = stream.getVideoTracks()[0] as MediaStreamTrack & { requestFrame(): void };
    let k = 0;
    const draw = () => {
      for (let b = 0; b < bits; b++) {
        ctx.fillStyle = (k >> (bits - 1 - b)) & 1 ? "#fff" : "#000";
        ctx.fillRect((b * 1280) / bits, 0, 1280 / bits + 1, 720);
      }
      track.requestFrame();
      k++;
    };
    draw();
    const interval = setInterval(draw, 50);
    return { stream, drawn: () => k, stop: () => clearInterval(interval) };
  };
}

async function ffprobeJson(args: string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-v", "error", ...args, "-of", "json"]);
  return JSON.parse(stdout);
}

/**
 * The frame numbers a counter-canvas recording shows, frame by frame (each stripe averaged to one pixel); passthrough
 * so that ffmpeg neither repeats nor drops frames to make the rate constant.
 */
async function frameNumbers(file: string): Promise<number[]> {
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", file, "-an", "-fps_mode", "passthrough", "-vf", `scale=${COUNTER_BITS}:1:flags=area`, "-f", "rawvideo", "-pix_fmt", "gray", "-"], {
    encoding: "buffer",
    maxBuffer: 1 << 26,
  });
  const numbers: number[] = [];
  for (let i = 0; i + COUNTER_BITS <= stdout.length; i += COUNTER_BITS) {
    let value = 0;
    for (let b = 0; b < COUNTER_BITS; b++) if (stdout[i + b]! > 128) value |= 1 << (COUNTER_BITS - 1 - b);
    numbers.push(value);
  }
  return numbers;
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript(pageHelpers, COUNTER_BITS);
  // Vite's dev server optimizes a dependency the first time a page asks for it, then reloads that page: ask for
  // everything once (the worker answers `stopped` to a stop once its imports are in), then start on a fresh page.
  await page.goto("/");
  await page
    .evaluate(
      async ({ paths, workerPath }) => {
        for (const path of paths) await import(/* @vite-ignore */ path);
        const worker = new Worker(workerPath, { type: "module" });
        await new Promise((resolve) => {
          worker.onmessage = resolve;
          worker.postMessage({ type: "stop" });
        });
        worker.terminate();
      },
      { paths: [CAPTURE_PATH, SEGMENTER_PATH], workerPath: WORKER_PATH },
    )
    .catch(() => undefined);
  await page.waitForTimeout(300);
  await page.goto("/");
});

test("cuts the camera into standalone 2 s H.264 segments that tile the stream, off the main thread", async ({ page }) => {
  test.setTimeout(120_000);
  const captureMs = 9_000;
  const result = await page.evaluate(
    async ({ capturePath, segmenterPath, captureMs, segmentMs, tickMs }) => {
      const { startCapture } = await import(/* @vite-ignore */ capturePath);
      const { startSegmenter } = await import(/* @vite-ignore */ segmenterPath);
      const stream: MediaStream = await startCapture({ width: 1280, height: 720, frameRate: 30 });
      const settings = stream.getVideoTracks()[0]?.getSettings();
      const segments: any[] = [];
      const errors: string[] = [];
      const segmenter = await startSegmenter(stream, {
        segmentDurationMs: segmentMs,
        onSegment: (s: any) => segments.push(s),
        onError: (e: Error) => errors.push(`${e.name}: ${e.message}`),
      });
      // The main thread's responsiveness: how late a short interval fires while the worker encodes.
      let maxLatenessMs = 0;
      let ticks = 0;
      let lastTick = performance.now();
      const interval = setInterval(() => {
        const now = performance.now();
        maxLatenessMs = Math.max(maxLatenessMs, now - lastTick - tickMs);
        lastTick = now;
        ticks++;
      }, tickMs);
      await new Promise((r) => setTimeout(r, captureMs));
      await segmenter.stop();
      clearInterval(interval);
      const cameraStillLive = stream.getVideoTracks()[0]?.readyState === "live";
      stream.getTracks().forEach((t) => t.stop());

      // The timeline, checked in the page: each segment starts exactly where the previous one ended.
      const gapsMs = segments.slice(1).map((s, i) => s.startMs - (segments[i].startMs + segments[i].durationMs));
      const frameMs = 1000 / (segments[0]?.fps ?? 30);
      const offDurations = segments.slice(0, -1).filter((s) => Math.abs(s.durationMs - segmentMs) > frameMs + 1);
      return {
        segments: segments.map(({ bytes, ...rest }) => ({ ...rest, byteLength: bytes.byteLength, base64: (globalThis as any).toBase64(bytes) })),
        gapsMs,
        offDurations: offDurations.map((s) => s.sequenceNumber),
        errors,
        maxLatenessMs,
        ticks,
        stats: segmenter.stats,
        codec: segmenter.codec,
        cameraStillLive,
        settings,
      };
    },
    { capturePath: CAPTURE_PATH, segmenterPath: SEGMENTER_PATH, captureMs, segmentMs: SEGMENT_MS, tickMs: TICK_MS },
  );

  const segments = result.segments as PageSegment[];
  expect(result.errors).toEqual([]);
  expect(segments.length).toBeGreaterThanOrEqual(4);
  expect(segments.map((s) => s.sequenceNumber)).toEqual(segments.map((_, i) => i));
  expect(segments[0]!.startMs).toBe(0);
  expect(result.gapsMs).toEqual(result.gapsMs.map(() => 0));
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
      // The audio covers the segment (it is on the camera's clock, not seconds off).
      expect(Math.abs(Number(audio.duration) * 1000 - segment.durationMs)).toBeLessThanOrEqual(100);

      // Independently decodable: the first frame is a keyframe (I), and the whole file decodes without a complaint.
      const frames = await ffprobeJson(["-select_streams", "v", "-show_frames", "-read_intervals", "%+#1", "-show_entries", "frame=key_frame,pict_type", file]);
      expect(frames.frames[0]).toMatchObject({ key_frame: 1, pict_type: "I" });
      const decode = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"]);
      expect(decode.stderr.trim()).toBe("");

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

      rows.push(
        `  #${segment.sequenceNumber}  start ${String(segment.startMs).padStart(5)} ms  duration ${segment.durationMs} ms  ` +
          `probed ${probedMs.toFixed(0)} ms (video ${(Number(video.duration) * 1000).toFixed(1)} ms, ${info.video.frameCount} frames; ` +
          `audio ${(Number(audio.duration) * 1000).toFixed(1)} ms)  encode ${segment.encodeMs.toFixed(1)} ms  ${(bytes.byteLength / 1024).toFixed(0)} KiB`,
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
      `  sum of |gap| between consecutive segments: ${sumAbsGapMs} ms over ${result.gapsMs.length} joins`,
      `  encode time per segment: min ${Math.min(...encodeMs).toFixed(1)} ms, max ${Math.max(...encodeMs).toFixed(1)} ms, ` +
        `mean ${(encodeMs.reduce((a, b) => a + b, 0) / encodeMs.length).toFixed(1)} ms`,
      `  main thread: ${result.ticks} ticks of ${TICK_MS} ms, at most ${result.maxLatenessMs.toFixed(1)} ms late`,
      `  stats: ${JSON.stringify(result.stats)}`,
    ].join("\n"),
  );
});

test("loses and repeats no frame where segments join (frame-numbered canvas, no microphone)", async ({ page }) => {
  test.setTimeout(120_000);
  const result = await page.evaluate(
    async ({ segmenterPath, segmentMs }) => {
      const { startSegmenter } = await import(/* @vite-ignore */ segmenterPath);
      const counter = (globalThis as any).counterStream();
      const segments: any[] = [];
      const segmenter = await startSegmenter(counter.stream, { segmentDurationMs: segmentMs, onSegment: (s: any) => segments.push(s) });
      await new Promise((r) => setTimeout(r, 7_000));
      await segmenter.stop();
      counter.stop();
      counter.stream.getTracks().forEach((t: MediaStreamTrack) => t.stop());
      return {
        segments: segments.map(({ bytes, ...rest }) => ({ ...rest, byteLength: bytes.byteLength, base64: (globalThis as any).toBase64(bytes) })),
        stats: segmenter.stats,
        drawn: counter.drawn(),
      };
    },
    { segmenterPath: SEGMENTER_PATH, segmentMs: SEGMENT_MS },
  );
  const segments = result.segments as PageSegment[];
  expect(segments.length).toBeGreaterThanOrEqual(3);
  const dir = await mkdtemp(join(tmpdir(), "streamflow-segmenter-counter-"));
  const numbers: number[][] = [];
  try {
    for (const segment of segments) {
      expect(segment.hasAudio).toBe(false);
      const file = join(dir, `seg-${segment.sequenceNumber}.mp4`);
      await writeFile(file, Buffer.from(segment.base64, "base64"));
      numbers.push(await frameNumbers(file));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const all = numbers.flat();
  // Strictly increasing across files: nothing repeated, no overlap between segments.
  expect(all.slice(1).every((n, i) => n > all[i]!)).toBe(true);
  const joins = numbers.slice(1).map((seg, i) => seg[0]! - numbers[i]!.at(-1)! - 1);
  const missingInside = numbers.map((seg) => seg.slice(1).reduce((sum, n, i) => sum + (n - seg[i]! - 1), 0));
  expect(joins).toEqual(joins.map(() => 0));
  console.log(
    `counter canvas: ${segments.length} segments, frames ${numbers.map((s) => `${s[0]}..${s.at(-1)}`).join(" | ")}; ` +
      `frames missing at joins ${JSON.stringify(joins)}, inside segments ${JSON.stringify(missingInside)}; ` +
      `durations ${segments.map((s) => s.durationMs).join(", ")} ms at ${segments[0]?.fps} fps (measured); stats ${JSON.stringify(result.stats)}`,
  );
});

test("evidence for docs/segmenting.md: MediaRecorder neither cuts standalone files nor joins them frame-exactly", async ({ page }) => {
  test.setTimeout(120_000);
  const result = await page.evaluate(async () => {
    const g = globalThis as any;
    const blobBase64 = async (blob: Blob) => g.toBase64(new Uint8Array(await blob.arrayBuffer()));
    // One recording with a 2 s timeslice, keyframes every 2 s asked for (Chromium's videoKeyFrameIntervalDuration).
    const counter = g.counterStream();
    const chunks: Blob[] = [];
    const sliced = new MediaRecorder(counter.stream, { mimeType: "video/webm;codecs=vp8", videoKeyFrameIntervalDuration: 2000 } as MediaRecorderOptions);
    sliced.ondataavailable = (e) => chunks.push(e.data);
    const slicedStopped = new Promise((r) => (sliced.onstop = r));
    sliced.start(2000);
    await new Promise((r) => setTimeout(r, 6_500));
    sliced.stop();
    await slicedStopped;
    // A new recording every 2 s, each started as soon as the previous one has stopped.
    const restarts: { base64: string; startEventMs: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const parts: Blob[] = [];
      const recorder = new MediaRecorder(counter.stream, { mimeType: "video/webm;codecs=vp8" });
      recorder.ondataavailable = (e) => parts.push(e.data);
      const started = new Promise((r) => (recorder.onstart = r));
      const stopped = new Promise((r) => (recorder.onstop = r));
      const startCalled = performance.now();
      recorder.start();
      await started;
      const startEventMs = performance.now() - startCalled;
      await new Promise((r) => setTimeout(r, 2_000));
      recorder.stop();
      await stopped;
      restarts.push({ base64: await blobBase64(new Blob(parts)), startEventMs });
    }
    counter.stop();
    return { chunks: await Promise.all(chunks.map(blobBase64)), whole: await blobBase64(new Blob(chunks)), restarts };
  });

  const dir = await mkdtemp(join(tmpdir(), "streamflow-mediarecorder-"));
  try {
    const whole = join(dir, "whole.webm");
    await writeFile(whole, Buffer.from(result.whole, "base64"));
    const packets = await ffprobeJson(["-select_streams", "v", "-show_entries", "packet=pts_time,flags", whole]);
    const keyframesS = packets.packets.filter((p: any) => p.flags.startsWith("K")).map((p: any) => Number(p.pts_time));
    const second = join(dir, "second-chunk.webm");
    await writeFile(second, Buffer.from(result.chunks[1]!, "base64"));
    const secondAlone = await run("ffprobe", ["-v", "error", second]).then(
      () => "decodes",
      (e: { stderr: string }) => e.stderr.trim().split("\n")[0],
    );
    // Only the first timeslice chunk carries the WebM header: the others are not files of their own.
    expect(secondAlone).not.toBe("decodes");

    const recordings: number[][] = [];
    for (const [i, r] of result.restarts.entries()) {
      const file = join(dir, `restart-${i}.webm`);
      await writeFile(file, Buffer.from(r.base64, "base64"));
      recordings.push(await frameNumbers(file));
    }
    const joins = recordings.slice(1).map((rec, i) => rec[0]! - recordings[i]!.at(-1)! - 1);
    console.log(
      [
        `MediaRecorder, one recording with a 2 s timeslice: ${result.chunks.length} chunks, keyframes at ${keyframesS.map((s: number) => s.toFixed(3)).join(", ")} s; ` +
          `second chunk on its own: ${secondAlone}`,
        `MediaRecorder restarted every 2 s: frames ${recordings.map((r) => `${r[0]}..${r.at(-1)} (${r.length})`).join(" | ")}; ` +
          `frames missing at joins ${JSON.stringify(joins)} (negative: repeated); start event ${result.restarts.map((r) => r.startEventMs.toFixed(0)).join(", ")} ms after start()`,
      ].join("\n"),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
