// Child-process plumbing for the one-command start: spawn with prefixed output, run to completion, stop all.
import { spawn, type ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();

/** Starts a long-running child whose output lines are prefixed with `[name]`. */
export function startService(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  showLine: (line: string) => boolean = () => true,
): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter((line) => line.length > 0 && showLine(line))
      .map((line) => `[${name}] ${line}\n`)
      .join("");
  child.stdout?.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on("exit", () => children.delete(child));
  return child;
}

/** Runs a command to completion with inherited output; rejects with its exit code otherwise. */
export function runStep(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  showLine?: (line: string) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = startService(name, command, args, env, showLine);
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (exit code ${code})`))));
  });
}

/** Stops every child (its whole process group), waiting up to `graceMs` before SIGKILL. */
export async function stopAll(graceMs = 5000): Promise<void> {
  const waits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
        child.on("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        signalGroup(child, "SIGTERM");
      }),
  );
  await Promise.all(waits);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
