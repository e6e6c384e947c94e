// `npm run bench`: runs every benchmark, prints each figure beside its same-run baseline as a ratio, says plainly
// which targets are missed, and writes bench/results/latest.json.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { printTable, type Figure } from "./stats.ts";
import { ticketValidation } from "./suites/ticket-validation.ts";
import { transcode } from "./suites/transcode.ts";
import { spotCheck } from "./suites/spot-check.ts";
import { browser } from "./suites/browser.ts";
import { pipeline } from "./suites/pipeline.ts";
import { concurrency } from "./suites/concurrency.ts";
import { gas } from "./suites/gas.ts";
import { discovery } from "./suites/discovery.ts";
import { memory } from "./suites/memory.ts";

const SUITES: [string, () => Promise<Figure[]>][] = [
  ["ticket validation", ticketValidation],
  ["transcoding", transcode],
  ["spot check in the tab", spotCheck],
  ["browser tab: tickets, data channel, segment → ladder", browser],
  ["orchestrator pipeline", pipeline],
  ["concurrency and transcoder pool", concurrency],
  ["gas on the local chain", gas],
  ["orchestrator discovery", discovery],
  ["orchestrator node memory", memory],
];

const started = Date.now();
const figures: Figure[] = [];
for (const [name, suite] of SUITES) {
  process.stderr.write(`running ${name}…\n`);
  figures.push(...(await suite()));
}
const table = printTable(figures);
console.log(table);
const missed = figures.filter((f) => f.met === false);
console.log(missed.length ? `\nTargets missed: ${missed.map((f) => f.name).join("; ")}` : "\nAll targets met.");
await mkdir("bench/results", { recursive: true });
await writeFile(
  "bench/results/latest.json",
  JSON.stringify(
    { at: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, durationS: (Date.now() - started) / 1000, figures, table },
    null,
    2,
  ) + "\n",
);
