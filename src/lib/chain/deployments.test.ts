// Spec of the deployments file: what validates, which field each rejection names, and how each loader fails.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_DEPLOYMENTS_PATH,
  DEPLOYMENTS_PATH_ENV,
  DeploymentsError,
  DeploymentsFileInvalid,
  DeploymentsFileNotFound,
  DeploymentsFileUnreachable,
  deploymentsErrorBody,
  deploymentsPath,
  loadDeploymentsFromUrl,
  parseDeployments,
} from "./deployments.ts";
import { loadDeploymentsFile } from "./deployments-file.ts";

// Hardhat's first deterministic deployment addresses, lower-cased as some tools write them.
const LOWER = {
  LivepeerToken: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  RoundsManager: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  Minter: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
  BondingManager: "0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9",
  TicketBroker: "0xdc64a140aa3e981100a9beca4e685f962f0cf6c9",
  ServiceRegistry: "0x5fc8d32690cc91d4c39d9d3abcbd16989f875707",
  FaultVerifier: "0x0165878a594ca255338adfa4d48449f69242eb8f",
} as const;
const CHECKSUMMED_TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function validFile(): Record<string, unknown> {
  return {
    chainId: 31337,
    rpcUrl: "http://127.0.0.1:8545",
    contracts: { ...LOWER },
    deployedAtBlock: 0,
    params: { roundLengthBlocks: "20", minActiveStake: "100000000000000000000" },
  };
}

/** Runs `fn` and returns what it threw, failing the test when it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function invalidField(input: unknown): DeploymentsFileInvalid {
  const error = thrown(() => parseDeployments(input, "deployments/test.json"));
  expect(error).toBeInstanceOf(DeploymentsFileInvalid);
  return error as DeploymentsFileInvalid;
}

describe("parseDeployments", () => {
  it("accepts a complete file as an object and checksums every address", () => {
    const deployments = parseDeployments(validFile());
    expect(deployments.chainId).toBe(31337);
    expect(deployments.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(deployments.deployedAtBlock).toBe(0);
    expect(deployments.contracts.LivepeerToken).toBe(CHECKSUMMED_TOKEN);
    expect(deployments.params).toEqual({ roundLengthBlocks: "20", minActiveStake: "100000000000000000000" });
  });

  it("accepts the same file as JSON text", () => {
    expect(parseDeployments(JSON.stringify(validFile()))).toEqual(parseDeployments(validFile()));
  });

  it("accepts a file with only chainId and contracts", () => {
    const deployments = parseDeployments({ chainId: 42161, contracts: LOWER });
    expect(deployments.rpcUrl).toBeUndefined();
    expect(deployments.deployedAtBlock).toBeUndefined();
    expect(deployments.params).toBeUndefined();
  });

  it("keeps and validates contracts beyond the seven every deployment has", () => {
    const extra = { ...validFile(), contracts: { ...LOWER, SegmentVerifier: LOWER.Minter } };
    expect(parseDeployments(extra).contracts["SegmentVerifier"]).toBe("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0");
    const bad = invalidField({ ...validFile(), contracts: { ...LOWER, SegmentVerifier: "0x1234" } });
    expect(bad.field).toBe("contracts.SegmentVerifier");
  });

  it("names the FaultVerifier missing from a file deployed before it existed", () => {
    const { FaultVerifier: _omitted, ...rest } = LOWER;
    expect(invalidField({ ...validFile(), contracts: rest }).field).toBe("contracts.FaultVerifier");
  });

  it("names a missing contract", () => {
    const { BondingManager: _omitted, ...rest } = LOWER;
    const error = invalidField({ ...validFile(), contracts: rest });
    expect(error.field).toBe("contracts.BondingManager");
    expect(error.reason).toBe("is missing");
    expect(error.message).toContain("deployments/test.json");
    expect(error.message).toContain("npm run deploy");
  });

  it("rejects an address that is not 20 bytes of hex", () => {
    const error = invalidField({ ...validFile(), contracts: { ...LOWER, TicketBroker: "0xnothex" } });
    expect(error.field).toBe("contracts.TicketBroker");
    expect(error.reason).toMatch(/20-byte hex address/);
  });

  it("rejects a mixed-case address whose EIP-55 checksum is wrong", () => {
    const badChecksum = CHECKSUMMED_TOKEN.replace("FbDB", "fBdb");
    const error = invalidField({ ...validFile(), contracts: { ...LOWER, LivepeerToken: badChecksum } });
    expect(error.field).toBe("contracts.LivepeerToken");
    expect(error.reason).toMatch(/checksum/);
  });

  it("rejects an address that is not a string", () => {
    expect(invalidField({ ...validFile(), contracts: { ...LOWER, Minter: 42 } }).reason).toBe("must be a string");
  });

  it("rejects a missing, fractional or non-positive chainId", () => {
    const { chainId: _omitted, ...rest } = validFile();
    expect(invalidField(rest).field).toBe("chainId");
    expect(invalidField(rest).reason).toBe("is missing");
    expect(invalidField({ ...validFile(), chainId: "31337" }).reason).toBe("must be a number");
    expect(invalidField({ ...validFile(), chainId: 1.5 }).reason).toBe("must be a positive integer");
    expect(invalidField({ ...validFile(), chainId: 0 }).reason).toBe("must be a positive integer");
  });

  it("rejects an rpcUrl that is not an http(s) or ws(s) URL", () => {
    expect(invalidField({ ...validFile(), rpcUrl: "ftp://127.0.0.1" }).field).toBe("rpcUrl");
    expect(invalidField({ ...validFile(), rpcUrl: "not a url" }).field).toBe("rpcUrl");
    expect(parseDeployments({ ...validFile(), rpcUrl: "wss://arb1.example/ws" }).rpcUrl).toBe("wss://arb1.example/ws");
  });

  it("rejects a negative or fractional deployedAtBlock", () => {
    expect(invalidField({ ...validFile(), deployedAtBlock: -1 }).field).toBe("deployedAtBlock");
    expect(invalidField({ ...validFile(), deployedAtBlock: 2.5 }).field).toBe("deployedAtBlock");
  });

  it("rejects params that are not a flat object of scalars", () => {
    expect(invalidField({ ...validFile(), params: [1, 2] }).field).toBe("params");
    expect(invalidField({ ...validFile(), params: { nested: { a: 1 } } }).field).toBe("params.nested");
  });

  it("rejects a missing contracts object, a non-object file and malformed JSON", () => {
    expect(invalidField({ chainId: 1 }).field).toBe("contracts");
    expect(invalidField({ chainId: 1 }).reason).toBe("is missing");
    expect(invalidField([]).field).toBe("(file)");
    const malformed = invalidField("{ chainId: 31337");
    expect(malformed.field).toBe("(file)");
    expect(malformed.reason).toMatch(/not valid JSON/);
  });

  it("makes every error a DeploymentsError carrying its location", () => {
    const error = invalidField({});
    expect(error).toBeInstanceOf(DeploymentsError);
    expect(error.name).toBe("DeploymentsFileInvalid");
    expect(error.location).toBe("deployments/test.json");
  });
});

describe("loadDeploymentsFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "streamflow-deployments-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads and validates a file", async () => {
    const path = join(dir, "localhost.json");
    await writeFile(path, JSON.stringify(validFile()));
    expect((await loadDeploymentsFile(path)).contracts.LivepeerToken).toBe(CHECKSUMMED_TOKEN);
  });

  it("throws DeploymentsFileNotFound, saying how to deploy, when the file is absent", async () => {
    const path = join(dir, "absent.json");
    const error = await loadDeploymentsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileNotFound);
    expect((error as DeploymentsFileNotFound).location).toBe(path);
    expect((error as Error).message).toContain("npm run deploy -- --network localhost");
    expect((error as Error).message).toContain(DEPLOYMENTS_PATH_ENV);
  });

  it("throws DeploymentsFileInvalid naming the file when its content is bad", async () => {
    const path = join(dir, "bad.json");
    await writeFile(path, JSON.stringify({ ...validFile(), chainId: -5 }));
    const error = await loadDeploymentsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileInvalid);
    expect((error as DeploymentsFileInvalid).field).toBe("chainId");
    expect((error as Error).message).toContain(path);
  });
});

describe("loadDeploymentsFromUrl", () => {
  const URL_ = "http://app.test/deployments.json";
  const respond =
    (body: string, status = 200): typeof fetch =>
    async () =>
      new Response(body, { status });

  it("fetches and validates the file", async () => {
    const deployments = await loadDeploymentsFromUrl(URL_, respond(JSON.stringify(validFile())));
    expect(deployments.chainId).toBe(31337);
  });

  it("rebuilds the server's DeploymentsFileNotFound with the server-side path", async () => {
    const body = deploymentsErrorBody(new DeploymentsFileNotFound("deployments/localhost.json"));
    const error = await loadDeploymentsFromUrl(URL_, respond(JSON.stringify(body), 404)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileNotFound);
    expect((error as DeploymentsFileNotFound).location).toBe("deployments/localhost.json");
  });

  it("rebuilds the server's DeploymentsFileInvalid with its field and reason", async () => {
    const body = deploymentsErrorBody(new DeploymentsFileInvalid("chainId", "is missing", "deployments/x.json"));
    const error = await loadDeploymentsFromUrl(URL_, respond(JSON.stringify(body), 500)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileInvalid);
    expect((error as DeploymentsFileInvalid).field).toBe("chainId");
    expect((error as DeploymentsFileInvalid).reason).toBe("is missing");
    expect((error as DeploymentsFileInvalid).location).toBe("deployments/x.json");
  });

  it("treats a plain 404 as not found and another status as unreachable", async () => {
    await expect(loadDeploymentsFromUrl(URL_, respond("Not Found", 404))).rejects.toBeInstanceOf(DeploymentsFileNotFound);
    const error = await loadDeploymentsFromUrl(URL_, respond("oops", 502)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileUnreachable);
    expect((error as DeploymentsFileUnreachable).status).toBe(502);
  });

  it("reports a network failure as unreachable", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    const error = await loadDeploymentsFromUrl(URL_, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileUnreachable);
    expect((error as DeploymentsFileUnreachable).status).toBeUndefined();
  });

  it("validates the body it receives", async () => {
    const error = await loadDeploymentsFromUrl(URL_, respond("{}")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentsFileInvalid);
    expect((error as DeploymentsFileInvalid).location).toBe(URL_);
  });
});

describe("deploymentsPath", () => {
  it("defaults to the localhost deployment", () => {
    expect(deploymentsPath({})).toBe(DEFAULT_DEPLOYMENTS_PATH);
    expect(deploymentsPath({ [DEPLOYMENTS_PATH_ENV]: "  " })).toBe(DEFAULT_DEPLOYMENTS_PATH);
  });

  it("uses the path from the environment", () => {
    expect(deploymentsPath({ [DEPLOYMENTS_PATH_ENV]: "deployments/arbitrum.json" })).toBe("deployments/arbitrum.json");
  });
});
