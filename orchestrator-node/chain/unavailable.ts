// Telling a broadcaster "the chain is unreachable" by name: an RPC that is down, timing out or refusing surfaces from
// deep inside a payment check or a quote as viem's transport error, which would otherwise go out as an internal error.
import { BaseError, HttpRequestError, RpcRequestError, SocketClosedError, TimeoutError, WebSocketRequestError } from "viem";
import { ChainUnavailable } from "../../src/lib/protocol/errors.ts";

/** How soon a broadcaster refused for an unreachable chain is told to try again. */
export const CHAIN_RETRY_AFTER_MS = 5_000;

/** ChainUnavailable for an RPC transport failure anywhere in `error`'s causes; undefined for anything else. */
export function chainUnavailableFrom(error: unknown, what: string): ChainUnavailable | undefined {
  if (error instanceof ChainUnavailable) return error;
  if (!(error instanceof BaseError)) return undefined;
  const transport = error.walk(
    (e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof SocketClosedError || e instanceof WebSocketRequestError || e instanceof RpcRequestError,
  );
  return transport ? new ChainUnavailable({ what, retryAfterMs: CHAIN_RETRY_AFTER_MS }, { cause: error }) : undefined;
}
