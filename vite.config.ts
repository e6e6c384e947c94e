// Vite configuration for the SvelteKit app and for the vitest unit tests of src/ and orchestrator-node/.
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { sveltekit } from "@sveltejs/kit/vite";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/** Where the spot checks' ffmpeg.wasm core is served from (src/lib/broadcaster/verify/core-urls.ts asks for it here). */
const FFMPEG_CORE_BASE = "/ffmpeg/";

/**
 * The ffmpeg.wasm core files, from node_modules, under FFMPEG_CORE_BASE: the single-thread core at its root and, if
 * @ffmpeg/core-mt is ever installed, the multi-thread one under `mt/`. Read from node_modules at serve and build time
 * so that the ~32 MB wasm never enters git, and served from the app's own origin because nothing else can be reached.
 */
function ffmpegCoreFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const files = new Map<string, string>();
  for (const [pkg, prefix] of [["@ffmpeg/core", ""], ["@ffmpeg/core-mt", "mt/"]] as const) {
    let dir: string;
    try {
      // The packages export no package.json; their CommonJS entry is dist/umd/ffmpeg-core.js, beside dist/esm.
      dir = join(dirname(require.resolve(pkg)), "..", "esm");
    } catch {
      continue; // not installed: the page falls back to the single-thread core
    }
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (/^ffmpeg-core\.(js|wasm|worker\.js)$/.test(name)) files.set(`${prefix}${name}`, join(dir, name));
  }
  return files;
}

/**
 * Where adapter-node puts the files its server serves as they are: its `out` (svelte.config.js: "build", or
 * STREAMFLOW_BUILD_OUT when a test builds elsewhere) + /client.
 */
const ADAPTER_CLIENT_DIR = `${process.env.STREAMFLOW_BUILD_OUT ?? "build"}/client`;

function ffmpegCore(): Plugin {
  const files = ffmpegCoreFiles();
  let root = process.cwd();
  let ssrBuild = false;
  return {
    name: "streamflow-ffmpeg-core",
    configResolved(config) {
      root = config.root;
      ssrBuild = Boolean(config.build.ssr);
    },
    // Dev: answered before Vite's own middlewares, which would otherwise try to transform the core as a module.
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? "/", "http://localhost").pathname;
        const file = path.startsWith(FFMPEG_CORE_BASE) ? files.get(path.slice(FFMPEG_CORE_BASE.length)) : undefined;
        if (file === undefined) return next();
        res.setHeader("Content-Type", file.endsWith(".wasm") ? "application/wasm" : "text/javascript");
        res.setHeader("Cache-Control", "no-cache");
        createReadStream(file).pipe(res);
      });
    },
    // Build: written into the adapter's static files once it has run (the server build's closeBundle, after
    // SvelteKit's), with brotli and gzip copies made here at a fast setting: the adapter's own maximum-quality
    // brotli takes ~100 s over the 32 MB wasm (7.3 MB), quality 5 takes ~1 s (8.6 MB).
    closeBundle: {
      order: "post",
      sequential: true,
      handler() {
        if (!ssrBuild) return;
        const client = resolve(root, ADAPTER_CLIENT_DIR);
        if (!existsSync(client)) this.error(`streamflow-ffmpeg-core: ${client} does not exist; is the adapter's \`out\` still "build"?`);
        const dir = join(client, FFMPEG_CORE_BASE);
        for (const [name, file] of files) {
          const bytes = readFileSync(file);
          mkdirSync(dirname(join(dir, name)), { recursive: true });
          writeFileSync(join(dir, name), bytes);
          writeFileSync(join(dir, `${name}.br`), brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
          writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 6 }));
        }
      },
    },
  };
}

export default defineConfig({
  plugins: [sveltekit(), ffmpegCore()],
  // @ffmpeg/ffmpeg starts its own worker from `new URL("./worker.js", import.meta.url)`: pre-bundling would move the
  // module away from worker.js, so both packages are served as they are.
  optimizeDeps: { exclude: ["@ffmpeg/ffmpeg", "@ffmpeg/util"] },
  test: {
    include: ["src/**/*.test.ts", "orchestrator-node/**/*.test.ts", "tests/e2e/**/*.test.ts"],
    environment: "node",
  },
});
