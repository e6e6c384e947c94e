// How the invariant suite judges one call: it succeeded, or it reverted with a custom error that the model predicted or
// that the action may meet in a random sequence; any other revert is a finding. Also counts outcomes per action.
import assert from "node:assert/strict";
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hash, type Hex } from "viem";
import type { TestProtocol } from "../helpers/fixture.ts";
import type { ActionKind } from "./actions.ts";

/** Every protocol ABI: a TicketBroker call may revert with the BondingManager's error, a verdict with the BondingManager's. */
function errorAbi(p: TestProtocol) {
  return [...p.bondingManager.abi, ...p.ticketBroker.abi, ...p.minter.abi, ...p.rounds.abi, ...p.token.abi, ...p.faultVerifier.abi];
}

/** The custom error's name in revert data. */
export function errorNameOf(p: TestProtocol, data: Hex): string {
  return decodeErrorResult({ abi: errorAbi(p), data }).errorName;
}

/** The custom error's name from a reverted write; rethrows anything that is not a contract revert. */
export function revertName(p: TestProtocol, error: unknown): string {
  if (!(error instanceof BaseError)) throw error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  const raw = reverted instanceof ContractFunctionRevertedError ? reverted.raw : undefined;
  if (!raw) throw error;
  return errorNameOf(p, raw);
}

/** Runs `write`; returns the hash, or the custom error's name when it reverted. */
export async function send(p: TestProtocol, write: () => Promise<Hash>): Promise<{ hash: Hash } | { error: string }> {
  try {
    return { hash: await write() };
  } catch (error) {
    return { error: revertName(p, error) };
  }
}

/** Successes and refusals per action kind, over a whole run. */
export interface Tally {
  actions: number;
  /** Redemptions that took part of their pay from a reserve, and slashes: the rarer states worth counting. */
  reserveClaims: number;
  slashes: number;
  ok: Map<ActionKind, number>;
  refused: Map<string, number>;
}

export function newTally(): Tally {
  return { actions: 0, reserveClaims: 0, slashes: 0, ok: new Map(), refused: new Map() };
}

export function count(tally: Tally, kind: ActionKind, error: string | undefined): void {
  if (error === undefined) tally.ok.set(kind, (tally.ok.get(kind) ?? 0) + 1);
  else tally.refused.set(`${kind}:${error}`, (tally.refused.get(`${kind}:${error}`) ?? 0) + 1);
}

/**
 * Runs `write` for an action whose outcome the model does not predict: a revert must be one of `allowed`.
 * Returns the transaction hash, or undefined when it was refused.
 */
export async function attempt(
  p: TestProtocol,
  tally: Tally,
  kind: ActionKind,
  allowed: readonly string[],
  write: () => Promise<Hash>,
): Promise<Hash | undefined> {
  const result = await send(p, write);
  if ("error" in result) {
    assert.ok(allowed.includes(result.error), `${kind} reverted with ${result.error}, which it never should here`);
    count(tally, kind, result.error);
    return undefined;
  }
  count(tally, kind, undefined);
  return result.hash;
}

/** Runs `write` for an action whose outcome the model predicts: undefined for success, or the error it must revert with. */
export async function expectOutcome(
  p: TestProtocol,
  tally: Tally,
  kind: ActionKind,
  predictedError: string | undefined,
  write: () => Promise<Hash>,
): Promise<Hash | undefined> {
  const result = await send(p, write);
  const error = "error" in result ? result.error : undefined;
  assert.equal(error, predictedError, `${kind}: the model predicted ${predictedError ?? "success"}, the chain said ${error ?? "success"}`);
  count(tally, kind, error);
  return "hash" in result ? result.hash : undefined;
}
