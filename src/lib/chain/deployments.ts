// The deployments file (chain id, RPC URL, contract addresses): its schema, its named errors, and loaders from JSON or a URL.
// Browser-safe; the Node loader from a file path is in deployments-file.ts.
import { getAddress, isAddress } from "viem";
import { z } from "zod";

/** Environment variable naming the deployments file the web server serves, relative to the project root or absolute. */
export const DEPLOYMENTS_PATH_ENV = "STREAMFLOW_DEPLOYMENTS";
/** The file `npm run deploy -- --network localhost` writes, served when DEPLOYMENTS_PATH_ENV is unset. */
export const DEFAULT_DEPLOYMENTS_PATH = "deployments/localhost.json";
/** The web server's route that serves the configured deployments file to the browser. */
export const DEPLOYMENTS_ROUTE = "/deployments.json";

/** The contracts every deployment has; a file may list more, which are validated as addresses too. */
export const CONTRACT_NAMES = [
  "LivepeerToken",
  "RoundsManager",
  "Minter",
  "BondingManager",
  "TicketBroker",
  "ServiceRegistry",
  "FaultVerifier",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const DEPLOY_HINT = 'start a chain with "npm run chain", then run "npm run deploy -- --network localhost"';
const REDEPLOY_HINT = 'run "npm run deploy -- --network <network>" again to rewrite it, or fix the field by hand';

/** Base of the errors below, so that callers can catch "no usable deployments" in one place. */
export class DeploymentsError extends Error {
  override name = "DeploymentsError";
  /** The file path or URL that was read, when there was one. */
  readonly location: string | undefined;

  constructor(message: string, location: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.location = location;
  }
}

/** There is no deployments file where one was looked for: the contracts are probably not deployed yet. */
export class DeploymentsFileNotFound extends DeploymentsError {
  override name = "DeploymentsFileNotFound";

  constructor(location: string, options?: ErrorOptions) {
    super(
      `No deployments file at ${location}. Deploy the contracts first: ${DEPLOY_HINT}; ` +
        `or set ${DEPLOYMENTS_PATH_ENV} to the path of an existing deployments file.`,
      location,
      options,
    );
  }
}

/** The deployments file exists but `field` is wrong for `reason`. */
export class DeploymentsFileInvalid extends DeploymentsError {
  override name = "DeploymentsFileInvalid";
  /** Dotted path of the first offending field (`contracts.BondingManager`), or `(file)` when the whole text is bad. */
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string, location: string | undefined, options?: ErrorOptions) {
    super(
      `Deployments file ${location ?? "(inline)"} is invalid: ${field} ${reason}. To fix it, ${REDEPLOY_HINT}.`,
      location,
      options,
    );
    this.field = field;
    this.reason = reason;
  }
}

/** The deployments URL could not be read (network failure or an unexpected HTTP status). */
export class DeploymentsFileUnreachable extends DeploymentsError {
  override name = "DeploymentsFileUnreachable";
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;

  constructor(location: string, status: number | undefined, options?: ErrorOptions) {
    super(
      `Could not read the deployments file at ${location}` +
        (status === undefined ? "" : ` (HTTP ${status})`) +
        ". Check that the Streamflow server is running and reachable.",
      location,
      options,
    );
    this.status = status;
  }
}

const address = z
  .string({ error: (issue) => (issue.input === undefined ? "is missing" : "must be a string") })
  // isAddress is strict by default: a mixed-case address must carry a valid EIP-55 checksum.
  .refine((value) => isAddress(value), {
    error: "must be a 0x-prefixed 20-byte hex address (mixed case only with a valid EIP-55 checksum)",
  })
  .transform((value) => getAddress(value));

const contracts = z
  .object(Object.fromEntries(CONTRACT_NAMES.map((name) => [name, address])) as Record<ContractName, typeof address>, {
    error: (issue) => (issue.input === undefined ? "is missing" : "must be an object of contract name to address"),
  })
  .catchall(address);

/** Schema of a deployments file; addresses come out checksummed. */
export const deploymentsSchema = z.object(
  {
    chainId: z
      .number({ error: (issue) => (issue.input === undefined ? "is missing" : "must be a number") })
      .int({ error: "must be a positive integer" })
      .positive({ error: "must be a positive integer" }),
    rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s) or ws(s) URL" }).optional(),
    contracts,
    deployedAtBlock: z
      .number({ error: "must be a number" })
      .int({ error: "must be a non-negative integer" })
      .nonnegative({ error: "must be a non-negative integer" })
      .optional(),
    // Protocol parameters the deployment used, for display; wei amounts are decimal strings since JSON has no bigint.
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
        error: "must be an object of parameter name to string, number or boolean",
      })
      .optional(),
  },
  { error: "must be a JSON object" },
);

export type Deployments = z.output<typeof deploymentsSchema>;

/**
 * Validates a deployments file given as JSON text or as an already-parsed value.
 * @param location where it came from, for error messages
 * @throws DeploymentsFileInvalid naming the first bad field
 */
export function parseDeployments(input: unknown, location?: string): Deployments {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new DeploymentsFileInvalid("(file)", `is not valid JSON (${(cause as Error).message})`, location, { cause });
    }
  }
  const result = deploymentsSchema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = issue && issue.path.length > 0 ? issue.path.join(".") : "(file)";
  throw new DeploymentsFileInvalid(field, issue?.message ?? "is invalid", location, { cause: result.error });
}

/** The JSON body the web server answers DEPLOYMENTS_ROUTE with when it has no valid deployments to serve. */
const errorBodySchema = z.object({
  error: z.object({
    name: z.string(),
    location: z.string().optional(),
    field: z.string().optional(),
    reason: z.string().optional(),
  }),
});
export type DeploymentsErrorBody = z.output<typeof errorBodySchema>;

/** Serializes a DeploymentsError for an HTTP response, so that the browser can rebuild it with the server's path. */
export function deploymentsErrorBody(error: DeploymentsError): DeploymentsErrorBody {
  return {
    error: {
      name: error.name,
      location: error.location,
      ...(error instanceof DeploymentsFileInvalid ? { field: error.field, reason: error.reason } : {}),
    },
  };
}

/** Rebuilds the error a server described in a DeploymentsErrorBody; undefined when the body is not one. */
function errorFromBody(body: unknown, url: string, status: number): DeploymentsError | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { name, location, field, reason } = parsed.data.error;
  if (name === "DeploymentsFileNotFound") return new DeploymentsFileNotFound(location ?? url);
  if (name === "DeploymentsFileInvalid") return new DeploymentsFileInvalid(field ?? "(file)", reason ?? "is invalid", location ?? url);
  return new DeploymentsFileUnreachable(url, status);
}

/**
 * Fetches and validates a deployments file over HTTP (the browser, or SvelteKit's `fetch` in a load function).
 * @param fetchFn the fetch to use; a load function passes its own so that SSR reads the route without a network hop
 * @throws DeploymentsFileNotFound on 404; DeploymentsFileInvalid when the body (or the server) says it does not
 *         validate; DeploymentsFileUnreachable on a network failure or another status
 */
export async function loadDeploymentsFromUrl(url: string | URL, fetchFn: typeof fetch = fetch): Promise<Deployments> {
  const location = url.toString();
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (cause) {
    throw new DeploymentsFileUnreachable(location, undefined, { cause });
  }
  const text = await response.text();
  if (!response.ok) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const described = errorFromBody(body, location, response.status);
    if (described) throw described;
    if (response.status === 404) throw new DeploymentsFileNotFound(location);
    throw new DeploymentsFileUnreachable(location, response.status);
  }
  return parseDeployments(text, location);
}

/** The deployments file the server should serve, from the environment. */
export function deploymentsPath(env: Record<string, string | undefined>): string {
  const configured = env[DEPLOYMENTS_PATH_ENV]?.trim();
  return configured ? configured : DEFAULT_DEPLOYMENTS_PATH;
}
