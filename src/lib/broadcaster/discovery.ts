// Finding orchestrators: every ServiceRegistry entry with its stake (paged eth_calls), filtered by service, region,
// stake and a usable URI; then a quote from each candidate, all at once, each with a timeout and a measured time.
import type { Address, PublicClient } from "viem";
import { serviceRegistryAbi } from "../chain/abis.generated.ts";
import type { Deployments } from "../chain/deployments.ts";
import { fromWireError, InvalidMessage, ProtocolError } from "../protocol/errors.ts";
import { decodeMessage, encodeMessage, type JobRequest, type Price, type Quote } from "../protocol/messages.ts";

/** Entries per getOrchestrators call: well inside a node's eth_call gas cap (the contract says 250 fits 30M gas). */
export const DEFAULT_PAGE_SIZE = 200;
/** Stop paging after this many entries: the registry is open to anyone, and a flood of entries must not hang the page. */
export const MAX_REGISTRY_ENTRIES = 20_000;
/** How long a quote may take before the orchestrator is passed over. */
export const DEFAULT_QUOTE_TIMEOUT_MS = 3_000;
/** Streamflow's segment length; what a per-pixel price is converted to a per-segment price for. */
export const DEFAULT_SEGMENT_DURATION_MS = 2_000;

/** An orchestrator that offers the service asked for, as the ServiceRegistry and BondingManager describe it. */
export interface Candidate {
  address: Address;
  /** Its http(s) service URI without a trailing slash; endpoints are `${serviceURI}/quote` and so on. */
  serviceURI: string;
  services: { id: string; verifier: Address }[];
  regions: string[];
  totalStakeWei: bigint;
  /** In this round's active set (registered orchestrators join it from the round after they reach the minimum stake). */
  active: boolean;
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
}

export interface DiscoveryFilter {
  /** A service id as orchestrators list it, e.g. "CPUTranscoding". */
  serviceId: string;
  /** Only orchestrators that list this region. */
  region?: string;
  /** Only orchestrators whose total stake (own and delegated) is at least this; default 1 wei (any stake). */
  minStakeWei?: bigint;
  /** Only orchestrators in the current round's active set; default false (registered is enough to be paid). */
  activeOnly?: boolean;
  pageSize?: number;
}

/** What a quote request came to, for one candidate. */
export type QuoteOutcome =
  | {
      ok: true;
      candidate: Candidate;
      quote: Quote;
      /** From sending the request to having the whole answer, in ms. */
      responseMs: number;
      /** The quote's price for one segment of this job (a per-pixel price converted by quotedPricePerSegmentWei). */
      pricePerSegmentWei: bigint;
    }
  | { ok: false; candidate: Candidate; error: ProtocolError; responseMs: number };

export interface QuoteRequestOptions {
  /** Per candidate; default DEFAULT_QUOTE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The fetch to use (tests, a proxy); default globalThis.fetch. */
  fetch?: typeof fetch;
  /** For pricing a per-pixel quote; default DEFAULT_SEGMENT_DURATION_MS. */
  segmentDurationMs?: number;
}

// ---------------------------------------------------------------------------------------------------- errors

/** The ServiceRegistry could not be read. */
export class RegistryUnreadable extends ProtocolError<{ registry: Address; offset: number; reason: string }> {
  override name = "RegistryUnreadable";

  constructor(data: { registry: Address; offset: number; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "REGISTRY_UNREADABLE",
        message: `Could not read the orchestrator registry at ${data.registry} (entries from ${data.offset}): ${data.reason}`,
        nextStep:
          "Check that the chain named in the deployments file is reachable and that the deployments file belongs to " +
          "it (on the local chain: npm start), then search again.",
        data,
      },
      options,
    );
  }
}

/** The orchestrator did not answer the quote request within the timeout. */
export class QuoteTimedOut extends ProtocolError<{ orchestrator: Address; serviceURI: string; timeoutMs: number }> {
  override name = "QuoteTimedOut";

  constructor(data: { orchestrator: Address; serviceURI: string; timeoutMs: number }, options?: ErrorOptions) {
    super(
      {
        code: "QUOTE_TIMED_OUT",
        message: `Orchestrator ${data.orchestrator} (${data.serviceURI}) gave no quote within ${data.timeoutMs} ms.`,
        nextStep: "It is passed over for now; search again later, or allow a longer quote timeout for slow links.",
        data,
      },
      options,
    );
  }
}

/** The orchestrator's service URI could not be reached (connection refused, DNS, TLS, CORS). */
export class OrchestratorUnreachable extends ProtocolError<{ orchestrator: Address; serviceURI: string; reason: string }> {
  override name = "OrchestratorUnreachable";

  constructor(data: { orchestrator: Address; serviceURI: string; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "ORCHESTRATOR_UNREACHABLE",
        message: `Orchestrator ${data.orchestrator} could not be reached at ${data.serviceURI}: ${data.reason}.`,
        nextStep: "It is passed over; its operator must fix its service URI or its server. Search again to retry.",
        data,
      },
      options,
    );
  }
}

/** A quote signed over to another address than the registry entry it was asked from: its tickets would pay a stranger. */
export class QuoteFromWrongOrchestrator extends ProtocolError<{ expected: Address; quoted: Address; serviceURI: string }> {
  override name = "QuoteFromWrongOrchestrator";

  constructor(data: { expected: Address; quoted: Address; serviceURI: string }, options?: ErrorOptions) {
    super(
      {
        code: "QUOTE_FROM_WRONG_ORCHESTRATOR",
        message:
          `${data.serviceURI} is registered to orchestrator ${data.expected} but quoted as ${data.quoted}; ` +
          "its stake and history would not be the ones paid.",
        nextStep: "It is passed over. Its operator must register the service URI from the address the node runs as.",
        data,
      },
      options,
    );
  }
}

/** An answer that is neither a quote nor a protocol error (a proxy's page, a rate limit, another server). */
export class UnexpectedQuoteResponse extends ProtocolError<{ orchestrator: Address; serviceURI: string; status: number }> {
  override name = "UnexpectedQuoteResponse";

  constructor(data: { orchestrator: Address; serviceURI: string; status: number }, options?: ErrorOptions) {
    super(
      {
        code: "UNEXPECTED_QUOTE_RESPONSE",
        message: `Orchestrator ${data.orchestrator} at ${data.serviceURI} answered HTTP ${data.status} without a quote or a protocol error.`,
        nextStep:
          data.status === 429
            ? "It is rate-limiting this browser: wait a minute, then search again."
            : "It is passed over; its service URI may point at something other than a Streamflow node.",
        data,
      },
      options,
    );
  }
}

/** A quote option out of range (a caller's bug). */
export class InvalidDiscoveryOptions extends Error {
  override name = "InvalidDiscoveryOptions";
  readonly field: string;

  constructor(field: string, value: unknown, expected: string) {
    super(`discovery: ${field} is ${String(value)}; it must be ${expected}. Fix the caller's settings.`);
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------------- discovery

/** The URI with no trailing slash when it is an http(s) URL without credentials, else undefined. */
export function usableServiceUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // Credentials in a URI would be sent to whoever registered it, and no orchestrator needs them.
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  return url.href.replace(/\/+$/, "");
}

/** One ServiceRegistry entry as getOrchestrators returns it. */
export type RegistryEntry = {
  addr: Address;
  serviceURI: string;
  services: readonly { id: string; verifier: Address }[];
  regions: readonly string[];
  totalStake: bigint;
  active: boolean;
  registered: boolean;
  rewardCutPpm: bigint;
  feeSharePpm: bigint;
};

/**
 * Reads every ServiceRegistry entry, page by page, until a short page (the contract returns [] past the end); at
 * `blockNumber` when given, so that callers reading other contracts too see one state.
 */
export async function readRegistry(client: Pick<PublicClient, "readContract">, registry: Address, pageSize: number, blockNumber?: bigint): Promise<RegistryEntry[]> {
  const entries: RegistryEntry[] = [];
  for (let offset = 0; offset < MAX_REGISTRY_ENTRIES; offset += pageSize) {
    let page: readonly RegistryEntry[];
    try {
      page = await client.readContract({
        address: registry,
        abi: serviceRegistryAbi,
        functionName: "getOrchestrators",
        args: [BigInt(offset), BigInt(pageSize)],
        ...(blockNumber === undefined ? {} : { blockNumber }),
      });
    } catch (cause) {
      const reason = cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
      throw new RegistryUnreadable({ registry, offset, reason }, { cause });
    }
    entries.push(...page);
    if (page.length < pageSize) break;
  }
  return entries;
}

/**
 * Every registered orchestrator that offers `serviceId` (in `region`, with at least `minStakeWei`, reachable over
 * http(s)), in registry order.
 * @throws RegistryUnreadable when a page cannot be read
 */
export async function discoverOrchestrators(
  publicClient: Pick<PublicClient, "readContract">,
  deployments: Pick<Deployments, "contracts">,
  filter: DiscoveryFilter,
): Promise<Candidate[]> {
  const pageSize = filter.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new InvalidDiscoveryOptions("pageSize", pageSize, "a whole number, 1 or more");
  const minStakeWei = filter.minStakeWei ?? 1n;
  const entries = await readRegistry(publicClient, deployments.contracts.ServiceRegistry, pageSize);
  const candidates: Candidate[] = [];
  for (const e of entries) {
    if (!e.registered || e.totalStake < minStakeWei) continue;
    if (filter.activeOnly && !e.active) continue;
    if (!e.services.some((s) => s.id === filter.serviceId)) continue;
    if (filter.region !== undefined && !e.regions.includes(filter.region)) continue;
    const serviceURI = usableServiceUri(e.serviceURI);
    if (serviceURI === undefined) continue;
    candidates.push({
      address: e.addr,
      serviceURI,
      services: e.services.map(({ id, verifier }) => ({ id, verifier })),
      regions: [...e.regions],
      totalStakeWei: e.totalStake,
      active: e.active,
      rewardCutPpm: e.rewardCutPpm,
      feeSharePpm: e.feeSharePpm,
    });
  }
  return candidates;
}

// ---------------------------------------------------------------------------------------------------- quotes

/**
 * What one segment of `job` costs at `price`. A per-pixel price counts every output pixel of every frame (input fps,
 * since renditions keep it), rounded up to whole wei so that a price is never under-paid.
 */
export function quotedPricePerSegmentWei(price: Price, job: Pick<JobRequest, "input" | "output">, segmentDurationMs: number): bigint {
  if (price.per === "segment") return price.priceWei;
  const frames = BigInt(Math.max(1, Math.round((job.input.fps * segmentDurationMs) / 1000)));
  const pixelsPerFrame = job.output.reduce((sum, r) => sum + BigInt(r.width) * BigInt(r.height), 0n);
  const units = pixelsPerFrame * frames * price.priceWei;
  return (units + price.pixelsPerUnit - 1n) / price.pixelsPerUnit;
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`.slice(0, 200);
}

/** Checks that a decoded answer is a quote for this job from this candidate. */
function quoteOrError(candidate: Candidate, job: JobRequest, text: string, status: number): Quote | ProtocolError {
  let message;
  try {
    message = decodeMessage(text);
  } catch (error) {
    // A failure status with a body that is no protocol message is someone else's page (a proxy, a rate limiter).
    if (status < 200 || status > 299) return new UnexpectedQuoteResponse({ orchestrator: candidate.address, serviceURI: candidate.serviceURI, status });
    return error as ProtocolError; // decodeMessage throws only ProtocolErrors
  }
  if (message.type === "error") return fromWireError(message.error);
  if (message.type !== "quote") return new InvalidMessage({ messageType: message.type, field: "type", reason: "is not a quote" });
  if (message.orchestrator.toLowerCase() !== candidate.address.toLowerCase()) {
    return new QuoteFromWrongOrchestrator({ expected: candidate.address, quoted: message.orchestrator, serviceURI: candidate.serviceURI });
  }
  if (message.ticketParams.recipient.toLowerCase() !== message.orchestrator.toLowerCase()) {
    return new InvalidMessage({ messageType: "quote", field: "ticketParams.recipient", reason: "is not the quoting orchestrator" });
  }
  if (message.streamId !== job.streamId) {
    return new InvalidMessage({ messageType: "quote", field: "streamId", reason: `is not the requested stream ${job.streamId}` });
  }
  return message;
}

async function requestQuote(candidate: Candidate, job: JobRequest, body: string, o: Required<QuoteRequestOptions>): Promise<QuoteOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, o.timeoutMs);
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const response = await o.fetch(`${candidate.serviceURI}/quote`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: controller.signal,
    });
    // Reading the body is under the same timeout: a server that sends headers and then stalls is as slow as a silent one.
    const text = await response.text();
    const responseMs = elapsed();
    const result = quoteOrError(candidate, job, text, response.status);
    if (result instanceof ProtocolError) return { ok: false, candidate, error: result, responseMs };
    return { ok: true, candidate, quote: result, responseMs, pricePerSegmentWei: quotedPricePerSegmentWei(result.price, job, o.segmentDurationMs) };
  } catch (cause) {
    const responseMs = elapsed();
    const { address: orchestrator, serviceURI } = candidate;
    if (timedOut) return { ok: false, candidate, error: new QuoteTimedOut({ orchestrator, serviceURI, timeoutMs: o.timeoutMs }, { cause }), responseMs };
    return { ok: false, candidate, error: new OrchestratorUnreachable({ orchestrator, serviceURI, reason: reasonOf(cause) }, { cause }), responseMs };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks every candidate for a quote at once (POST `${serviceURI}/quote` with the jobRequest). Never rejects for one
 * candidate's failure: each outcome, in the order of `candidates`, is a checked quote or the named error.
 * @throws InvalidMessage when `job` itself does not validate (nothing is sent); InvalidDiscoveryOptions
 */
export async function requestQuotes(candidates: readonly Candidate[], job: JobRequest, options: QuoteRequestOptions = {}): Promise<QuoteOutcome[]> {
  const o: Required<QuoteRequestOptions> = {
    timeoutMs: options.timeoutMs ?? DEFAULT_QUOTE_TIMEOUT_MS,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    segmentDurationMs: options.segmentDurationMs ?? DEFAULT_SEGMENT_DURATION_MS,
  };
  if (!(Number.isFinite(o.timeoutMs) && o.timeoutMs > 0)) throw new InvalidDiscoveryOptions("timeoutMs", o.timeoutMs, "a number of ms above 0");
  if (!(Number.isFinite(o.segmentDurationMs) && o.segmentDurationMs > 0)) {
    throw new InvalidDiscoveryOptions("segmentDurationMs", o.segmentDurationMs, "a number of ms above 0");
  }
  const body = encodeMessage(job);
  return Promise.all(candidates.map((candidate) => requestQuote(candidate, job, body, o)));
}
