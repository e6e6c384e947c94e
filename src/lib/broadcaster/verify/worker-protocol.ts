// The messages between the page's SpotChecker and the spot-check worker (types only).
import type { CoreKind } from "./core-urls.ts";
import type { CheckOutcome } from "./run-check.ts";
import type { SpotCheckInput, SpotCheckOptions } from "./types.ts";

/** Page → worker: load ffmpeg.wasm from the cores under this URL (once; later loads answer at once). */
export interface LoadRequest {
  type: "load";
  coreBaseURL: string;
}

/** Page → worker: check one segment (its bytes are copied, not transferred: the page still plays them). */
export interface CheckRequest {
  type: "check";
  id: number;
  input: SpotCheckInput;
  options: SpotCheckOptions;
  /** Limit of each ffmpeg run, so one rendition that makes ffmpeg loop cannot stop the checker. */
  execTimeoutMs: number;
}

export type ToWorker = LoadRequest | CheckRequest;

export interface LoadedMessage {
  type: "loaded";
  core: CoreKind;
  coreURL: string;
  loadMs: number;
}

export interface LoadFailedMessage {
  type: "loadFailed";
  coreURL: string;
  reason: string;
}

export interface CheckedMessage {
  type: "checked";
  id: number;
  outcome: CheckOutcome;
}

/** The check could not finish for a reason of the checker's own; ffmpeg.wasm may be unusable after it. */
export interface CheckFailedMessage {
  type: "checkFailed";
  id: number;
  reason: string;
}

export type FromWorker = LoadedMessage | LoadFailedMessage | CheckedMessage | CheckFailedMessage;
