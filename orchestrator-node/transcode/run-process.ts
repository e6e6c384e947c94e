// Runs ffmpeg/ffprobe as child processes with a timeout, bounded output capture and errors that say what failed.
import { spawn } from "node:child_process";

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

const MAX_CAPTURE_BYTES = 1 << 20;

export class ProcessFailed extends Error {
  override readonly name = "ProcessFailed";
  readonly command: string;
  readonly code: number | null;
  readonly stderrTail: string;
  readonly timedOut: boolean;

  constructor(command: string, code: number | null, stderrTail: string, timedOut: boolean) {
    super(
      timedOut
        ? `${command} timed out`
        : `${command} exited with ${code}${stderrTail ? `: ${stderrTail.trim().split("\n").slice(-3).join(" | ")}` : ""}`,
    );
    this.command = command;
    this.code = code;
    this.stderrTail = stderrTail;
    this.timedOut = timedOut;
  }
}

/** Runs `command args`; resolves on exit code 0, rejects with ProcessFailed otherwise (or when it is not installed). */
export function runProcess(command: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const append = (acc: string, chunk: Buffer) => (acc.length < MAX_CAPTURE_BYTES ? acc + chunk.toString() : acc);
    child.stdout.on("data", (c: Buffer) => (stdout = append(stdout, c)));
    child.stderr.on("data", (c: Buffer) => (stderr = append(stderr, c)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new ProcessFailed(command, null, error.message, false));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      if (code === 0 && !timedOut) resolve({ code, stdout, stderr, elapsedMs });
      else reject(new ProcessFailed(command, code, stderr.slice(-2000), timedOut));
    });
  });
}
