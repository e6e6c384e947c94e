// How much of the reliability suite to run: the whole of it under `npm run test:reliability`
// (STREAMFLOW_RELIABILITY=full), a bounded part that fits CI's budget under `npm test`.

/** True when the full suite was asked for. */
export const FULL = process.env.STREAMFLOW_RELIABILITY === "full";

/** `full` under the full suite, `bounded` otherwise: case counts, soak durations, burst sizes. */
export function scaled<T>(full: T, bounded: T): T {
  return FULL ? full : bounded;
}
