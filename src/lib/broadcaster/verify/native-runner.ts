// The spot check's FfmpegRunner over native ffmpeg and ffprobe in a scratch directory (Node, tests only): the same
// command lines as ffmpeg.wasm runs in the worker, so the checks' logic and thresholds are tested on any machine.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FfmpegRunner } from "./run-check.ts";

function exitCode(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 1 << 24 }, (error) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve(code);
    });
  });
}

export function nativeFfmpegRunner(dir: string): FfmpegRunner {
  return {
    writeFile: (path, bytes) => writeFile(join(dir, path), bytes),
    readFile: async (path) => new Uint8Array(await readFile(join(dir, path))),
    deleteFile: (path) => rm(join(dir, path), { force: true }),
    ffmpeg: (args) => exitCode("ffmpeg", args, dir),
    ffprobe: (args) => exitCode("ffprobe", args, dir),
  };
}
