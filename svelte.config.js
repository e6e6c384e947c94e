// SvelteKit configuration: a Node server build (adapter-node) so that one process serves the app and /deployments.json,
// and a Content-Security-Policy on every page (SvelteKit adds the nonces and hashes of its own inline scripts).
import adapter from "@sveltejs/adapter-node";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // STREAMFLOW_BUILD_OUT: another output folder, so that a test can build without touching the one `npm start` runs.
    adapter: adapter({ out: process.env.STREAMFLOW_BUILD_OUT ?? "build" }),
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        // ffmpeg.wasm compiles WebAssembly (wasm-unsafe-eval) and may load its core from a blob: URL.
        "script-src": ["self", "blob:", "wasm-unsafe-eval"],
        // The segmenter, the spot checker and ffmpeg.wasm run in Workers, some made from blob: URLs.
        "worker-src": ["self", "blob:"],
        // Orchestrators are on any http(s) origin the ServiceRegistry lists; the RPC may be anywhere too.
        "connect-src": ["self", "http:", "https:", "ws:", "wss:", "blob:", "data:"],
        // Renditions play through Media Source Extensions (blob: URLs).
        "media-src": ["self", "blob:", "data:"],
        "img-src": ["self", "data:", "blob:"],
        // Svelte sets style attributes and transitions insert style rules.
        "style-src": ["self", "unsafe-inline"],
        "font-src": ["self", "data:"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"],
      },
    },
  },
};

export default config;
