// Node-only loader of a deployments file from disk (kept apart so that browser bundles never import node:fs).
import { readFile } from "node:fs/promises";
import { DeploymentsFileNotFound, parseDeployments, type Deployments } from "./deployments.ts";

/**
 * Reads and validates a deployments file.
 * @param path absolute, or relative to the current working directory (the project root for npm scripts)
 * @throws DeploymentsFileNotFound when there is no such file; DeploymentsFileInvalid when it does not validate
 */
export async function loadDeploymentsFile(path: string): Promise<Deployments> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") throw new DeploymentsFileNotFound(path, { cause });
    throw cause;
  }
  return parseDeployments(text, path);
}
