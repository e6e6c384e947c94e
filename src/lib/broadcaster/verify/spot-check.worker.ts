// The spot checker's worker: owns one ffmpeg.wasm instance (loaded once, from the app's own origin) and runs one
// check at a time on it, off the page's main thread.
import { FFmpeg } from "@ffmpeg/ffmpeg";
import { selectCore } from "./core-urls.ts";
import { runSpotCheck, type FfmpegRunner } from "./run-check.ts";
import type { FromWorker, LoadedMessage, ToWorker } from "./worker-protocol.ts";

/** The part of DedicatedWorkerGlobalScope used here (the project type-checks with the DOM library). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  crossOriginIsolated?: boolean;
  location: { href: string };
}
const scope = self as unknown as WorkerScope;

let loading: Promise<{ ffmpeg: FFmpeg; loaded: LoadedMessage }> | undefined;
/** Checks run one after another; the page sends at most one at a time anyway. */
let queue: Promise<unknown> = Promise.resolve();

function load(coreBaseURL: string): Promise<{ ffmpeg: FFmpeg; loaded: LoadedMessage }> {
  loading ??= (async () => {
    const core = await selectCore(new URL(coreBaseURL, scope.location.href).href, scope.crossOriginIsolated === true);
    const ffmpeg = new FFmpeg();
    const startedAt = performance.now();
    try {
      await ffmpeg.load({ coreURL: core.coreURL, wasmURL: core.wasmURL, ...(core.workerURL ? { workerURL: core.workerURL } : {}) });
    } catch (error) {
      ffmpeg.terminate();
      loading = undefined;
      throw Object.assign(new Error(error instanceof Error ? error.message : String(error)), { coreURL: core.coreURL });
    }
    const loaded: LoadedMessage = { type: "loaded", core: core.kind, coreURL: core.coreURL, loadMs: Math.round(performance.now() - startedAt) };
    return { ffmpeg, loaded };
  })();
  return loading;
}

/** The FfmpegRunner of run-check.ts over ffmpeg.wasm's in-memory file system. */
function wasmRunner(ffmpeg: FFmpeg, execTimeoutMs: number): FfmpegRunner {
  return {
    // A copy: writeFile transfers the buffer it is given, and the check still reads the bytes after writing them.
    writeFile: async (path, bytes) => void (await ffmpeg.writeFile(path, bytes.slice())),
    readFile: async (path) => {
      const data = await ffmpeg.readFile(path);
      return typeof data === "string" ? new TextEncoder().encode(data) : data;
    },
    deleteFile: (path) => ffmpeg.deleteFile(path).then(() => undefined, () => undefined),
    ffmpeg: (args) => timed(() => ffmpeg.exec(args, execTimeoutMs), execTimeoutMs),
    ffprobe: (args) => timed(() => ffmpeg.ffprobe(args, execTimeoutMs), execTimeoutMs),
  };
}

/**
 * A run cut off at its time limit ends like a failed one; it is thrown instead, so that the check is skipped rather
 * than the rendition blamed for what may be a slow machine.
 */
async function timed(run: () => Promise<number>, limitMs: number): Promise<number> {
  const startedAt = performance.now();
  const code = await run();
  if (code !== 0 && performance.now() - startedAt >= limitMs) throw new Error(`an ffmpeg run took longer than its ${limitMs} ms limit`);
  return code;
}

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.type === "load") {
    load(message.coreBaseURL).then(
      ({ loaded }) => scope.postMessage(loaded),
      (error: Error & { coreURL?: string }) => scope.postMessage({ type: "loadFailed", coreURL: error.coreURL ?? message.coreBaseURL, reason: error.message }),
    );
    return;
  }
  const { id, input, options, execTimeoutMs } = message;
  queue = queue.then(async () => {
    try {
      if (loading === undefined) throw new Error("ffmpeg.wasm is not loaded");
      const { ffmpeg } = await loading;
      scope.postMessage({ type: "checked", id, outcome: await runSpotCheck(wasmRunner(ffmpeg, execTimeoutMs), input, options) });
    } catch (error) {
      scope.postMessage({ type: "checkFailed", id, reason: error instanceof Error ? error.message : String(error) });
    }
  });
});
