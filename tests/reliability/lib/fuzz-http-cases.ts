// Hostile HTTP requests for fuzzing the node's and the verifier's endpoints (fast-check): random methods, paths near
// the real routes, headers, content types, and bodies that are malformed, truncated, oversized or random.
import fc from "fast-check";
import { encodeMessage, MAX_MESSAGE_JSON_BYTES } from "../../../src/lib/protocol/messages.ts";
import { message } from "../../../src/lib/protocol/test-message-arbitraries.ts";

export interface HttpCase {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const segmentOf = fc.oneof(fc.string({ maxLength: 40 }), hex64, fc.constantFrom("..", "%00", "%2e%2e", "a".repeat(300), "0.mp4", "-1.mp4", "1e9.mp4"));

/** A body: a real message mangled, JSON of any shape, random bytes, or one a byte over the limit. */
export const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  message.map((m) => Buffer.from(encodeMessage(m))),
  fc.tuple(message, fc.nat()).map(([m, cut]) => {
    const text = encodeMessage(m);
    return Buffer.from(text.slice(0, cut % (text.length + 1)));
  }),
  fc.tuple(message, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, byte]) => {
    const bytes = Buffer.from(encodeMessage(m));
    if (bytes.length > 0) bytes[at % bytes.length] = byte;
    return bytes;
  }),
  fc.json({ maxDepth: 4 }).map((j) => Buffer.from(j)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify({ v: 1, type: "jobRequest", job: v, offer: v }))),
  fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.alloc(0), Buffer.from("{"), Buffer.from("null"), Buffer.from('{"__proto__":{"polluted":1}}'), Buffer.from("[".repeat(10_000))),
  fc.constant(null).map(() => Buffer.alloc(MAX_MESSAGE_JSON_BYTES + 1, "a")),
);

const contentType = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream", "video/mp4",
    "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "APPLICATION/JSON", "application/json; charset=latin1", ""),
  fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e ]*$/.test(s)),
);

/** A request to the orchestrator node: its real routes most of the time, with anything for a method and body. */
export const nodeRequest: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
  url: fc.oneof(
    fc.constantFrom("/quote", "/session", "/healthz", "/metrics", "/quote?x=1", "//quote", "/QUOTE", "/session/"),
    segmentOf.map((s) => `/streams/${encodeURIComponent(s)}`),
    fc.tuple(segmentOf, segmentOf, segmentOf).map(([a, b, c]) => `/streams/${encodeURIComponent(a)}/${encodeURIComponent(b)}/${encodeURIComponent(c)}`),
    fc.webPath().map((p) => p || "/"),
  ),
  headers: fc.record({ "content-type": contentType, origin: fc.constantFrom("http://evil.example", "null", "http://127.0.0.1:5173") }),
  body: fc.option(hostileBody, { nil: undefined }),
}).map((c) => ((c.method === "GET" || c.method === "HEAD") ? { ...c, body: undefined } : c));

/** A request to the verifier: evidence and ladder uploads and reads, challenge reads. */
export const verifierRequest: fc.Arbitrary<HttpCase> = fc.record({
  method: fc.constantFrom("PUT", "PUT", "GET", "POST", "DELETE"),
  url: fc.oneof(
    fc.oneof(hex64, segmentOf).map((h) => `/evidence/${encodeURIComponent(h)}`),
    fc.oneof(hex64, segmentOf).map((h) => `/evidence/ladder/${encodeURIComponent(h)}`),
    fc.oneof(hex64, segmentOf).map((h) => `/challenges/${encodeURIComponent(h)}`),
    fc.constantFrom("/challenges", "/healthz"),
    fc.webPath().map((p) => p || "/"),
  ),
  headers: fc.record({ "content-type": contentType }),
  body: fc.option(hostileBody, { nil: undefined }),
}).map((c) => (c.method === "GET" ? { ...c, body: undefined } : c));

/**
 * Why an answer is not a clear refusal, or undefined when it is one: a 2xx, or a 4xx whose JSON body names the error
 * (the protocol's wire error, or the verifier's and fastify's `error`). A 5xx is the server failing on input.
 */
export function unclearAnswer(status: number, body: string, method: string): string | undefined {
  if (status >= 500) return `status ${status}: ${body.slice(0, 300)}`;
  if (status < 400 || method === "HEAD") return undefined;
  // A preflight without Access-Control-Request-Method is no browser's: @fastify/cors says so in plain text.
  if (method === "OPTIONS" && status === 400 && body.trim().length > 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `status ${status} with a body that is not JSON: ${body.slice(0, 200)}`;
  }
  const error = (parsed as { error?: unknown }).error;
  const name = typeof error === "string" ? error : (error as { name?: unknown } | undefined)?.name;
  return typeof name === "string" && name.length > 0 ? undefined : `status ${status} without an error name: ${body.slice(0, 200)}`;
}
