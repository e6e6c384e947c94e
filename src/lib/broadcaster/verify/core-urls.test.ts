// Core selection: the multi-thread core only when the page is cross-origin isolated and the app serves it.
import { describe, expect, it } from "vitest";
import { coreFiles, selectCore } from "./core-urls.ts";

const BASE = "http://127.0.0.1:5173/ffmpeg/";
const serving = (paths: string[]) => (async (url: string | URL | Request) => new Response(null, { status: paths.includes(String(url)) ? 200 : 404 })) as typeof fetch;

describe("selectCore", () => {
  it("loads the single-thread core from the app's own /ffmpeg/ when the page is not cross-origin isolated, asking nothing", async () => {
    let asked = 0;
    const core = await selectCore(BASE, false, (async () => (asked++, new Response())) as typeof fetch);
    expect(core).toEqual({ kind: "single-thread", coreURL: `${BASE}ffmpeg-core.js`, wasmURL: `${BASE}ffmpeg-core.wasm` });
    expect(asked).toBe(0);
  });

  it("loads the multi-thread core when isolated and the app serves it", async () => {
    const core = await selectCore(BASE, true, serving([`${BASE}mt/ffmpeg-core.js`]));
    expect(core).toEqual({
      kind: "multi-thread",
      coreURL: `${BASE}mt/ffmpeg-core.js`,
      wasmURL: `${BASE}mt/ffmpeg-core.wasm`,
      workerURL: `${BASE}mt/ffmpeg-core.worker.js`,
    });
  });

  it("falls back to the single-thread core when isolated but @ffmpeg/core-mt is not served (or the request fails)", async () => {
    expect((await selectCore(BASE, true, serving([]))).kind).toBe("single-thread");
    expect((await selectCore(BASE, true, (async () => Promise.reject(new TypeError("offline"))) as typeof fetch)).kind).toBe("single-thread");
  });

  it("resolves the files against the base URL it is given", () => {
    expect(coreFiles("single-thread", "https://app.example/sub/ffmpeg/").coreURL).toBe("https://app.example/sub/ffmpeg/ffmpeg-core.js");
  });
});
