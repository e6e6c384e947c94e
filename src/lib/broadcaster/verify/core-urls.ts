// Which ffmpeg.wasm core the spot checker loads, and from where: always the app's own origin (the core files are
// served from node_modules by vite.config.ts, never from a CDN).

export type CoreKind = "single-thread" | "multi-thread";

export interface CoreFiles {
  kind: CoreKind;
  coreURL: string;
  wasmURL: string;
  /** The multi-thread core's pthread worker script. */
  workerURL?: string;
}

/** Where vite.config.ts serves the cores: the single-thread one here, the multi-thread one (if installed) under `mt/`. */
export const FFMPEG_CORE_PATH = "/ffmpeg/";

export function coreFiles(kind: CoreKind, baseURL: string): CoreFiles {
  const dir = new URL(kind === "multi-thread" ? "mt/" : "./", baseURL).href;
  return {
    kind,
    coreURL: `${dir}ffmpeg-core.js`,
    wasmURL: `${dir}ffmpeg-core.wasm`,
    ...(kind === "multi-thread" ? { workerURL: `${dir}ffmpeg-core.worker.js` } : {}),
  };
}

/**
 * The multi-thread core only where it can run and is served: it needs SharedArrayBuffer, which a browser gives only to
 * a cross-origin-isolated page (COOP + COEP headers, which this app does not send), and its files come from
 * @ffmpeg/core-mt, which is not installed; so today the single-thread core is what loads, and installing
 * @ffmpeg/core-mt and sending those headers is all it takes to change that.
 */
export async function selectCore(baseURL: string, crossOriginIsolated: boolean, fetchFn: typeof fetch = fetch): Promise<CoreFiles> {
  if (crossOriginIsolated) {
    const multi = coreFiles("multi-thread", baseURL);
    const served = await fetchFn(multi.coreURL, { method: "HEAD" }).then((r) => r.ok, () => false);
    if (served) return multi;
  }
  return coreFiles("single-thread", baseURL);
}
