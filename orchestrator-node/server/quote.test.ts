import { describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidMessage, OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { decodeMessage, encodeMessage, type JobRequest } from "../../src/lib/protocol/messages.ts";
import { newRecipientSecret, verifyTicketParams } from "../../src/lib/protocol/params.ts";
import { expectedValue } from "../../src/lib/protocol/winprob.ts";
import { buildQuote, REDEEM_GAS, type QuoteContext } from "./quote.ts";

const orchestrator = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d").address;
const BLOCK_HASH = `0x${"ab".repeat(32)}` as const;

function context(o: Partial<QuoteContext> = {}): QuoteContext {
  return {
    orchestrator,
    secret: newRecipientSecret(),
    pricePerSegmentWei: 10n ** 13n,
    maxRedeemOverheadPpm: 10_000n,
    ticketParamsValidityBlocks: 120,
    serviceIds: ["CPUTranscoding"],
    maxSessions: 4,
    sessionsInUse: () => 1,
    holdsSession: () => false,
    chain: {
      blockNumber: async () => 1_000n,
      currentRound: async () => 7n,
      lastInitializedRound: async () => 7n,
      initializeCurrentRound: async () => {},
      blockHashForRound: async () => BLOCK_HASH,
      gasPriceWei: async () => 1_000_000_000n,
    },
    nowMs: () => 1_700_000_000_000,
    ...o,
  };
}

const job: JobRequest = decodeMessage(
  JSON.stringify({
    v: 1,
    type: "jobRequest",
    streamId: "stream-1",
    serviceId: "CPUTranscoding",
    broadcaster: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
    input: { codec: "h264", width: 1280, height: 720, fps: 30 },
    output: [
      { name: "480p", width: 854, height: 480, bitrateKbps: 1600 },
      { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
    ],
  }),
) as JobRequest;

describe("buildQuote", () => {
  it("quotes the configured price with params the node can later recognise as its own", async () => {
    const ctx = context();
    const quote = await buildQuote(ctx, job);
    expect(quote).toMatchObject({ type: "quote", streamId: "stream-1", orchestrator, price: { per: "segment", priceWei: 10n ** 13n }, capacityLeft: 3 });
    expect(quote.ticketParams).toMatchObject({ recipient: orchestrator, creationRound: 7n, creationRoundBlockHash: BLOCK_HASH, expirationBlock: 1_120n });
    expect(verifyTicketParams(ctx.secret, quote.ticketParams)).toBe(true);
    expect(decodeMessage(encodeMessage(quote))).toEqual(quote); // schema-valid on the wire
  });

  it("sizes the face value so redemption gas is at most 1% of it, and keeps the ticket's EV equal to the price", async () => {
    const { ticketParams } = await buildQuote(context(), job);
    expect(REDEEM_GAS * 1_000_000_000n * 100n).toBeLessThanOrEqual(ticketParams.faceValue);
    expect(expectedValue(ticketParams.faceValue, ticketParams.winProb)).toBe(10n ** 13n);
  });

  it("initializes the current round when nobody has, so that tickets name it", async () => {
    const ctx = context();
    let initialized = false;
    const chain = { ...ctx.chain, currentRound: async () => 9n,
      initializeCurrentRound: async () => void (initialized = true),
      blockHashForRound: async () => (initialized ? BLOCK_HASH : (`0x${"00".repeat(32)}` as const)) };
    const { ticketParams } = await buildQuote({ ...ctx, chain }, job);
    expect(ticketParams).toMatchObject({ creationRound: 9n, creationRoundBlockHash: BLOCK_HASH });
  });

  it("falls back to the latest initialized round when the current one cannot be initialized", async () => {
    const ctx = context();
    const chain = { ...ctx.chain, currentRound: async () => 9n, lastInitializedRound: async () => 8n,
      initializeCurrentRound: async () => { throw new Error("reverted"); },
      blockHashForRound: async (r: bigint) => (r === 9n ? (`0x${"00".repeat(32)}` as const) : BLOCK_HASH) };
    const { ticketParams } = await buildQuote({ ...ctx, chain }, job);
    expect(ticketParams).toMatchObject({ creationRound: 8n, creationRoundBlockHash: BLOCK_HASH });
  });

  it("answers OrchestratorBusy when every session is taken", async () => {
    await expect(buildQuote(context({ sessionsInUse: () => 4 }), job)).rejects.toBeInstanceOf(OrchestratorBusy);
  });

  it("quotes a stream that holds one of the sessions even when every session is taken (fresh params after a round)", async () => {
    const full = context({ sessionsInUse: () => 4, holdsSession: (j) => j.streamId === job.streamId });
    await expect(buildQuote(full, job)).resolves.toMatchObject({ type: "quote", streamId: job.streamId });
    await expect(buildQuote(full, { ...job, streamId: "stream-2" })).rejects.toBeInstanceOf(OrchestratorBusy);
  });

  it("refuses a service it does not offer, and a ladder it cannot produce, naming the field", async () => {
    await expect(buildQuote(context({ serviceIds: ["GPUTranscoding"] }), job)).rejects.toMatchObject({ data: { field: "serviceId" } });
    const oddLadder = { ...job, output: [{ name: "odd", width: 853, height: 480, bitrateKbps: 800 }] };
    const error = await buildQuote(context(), oddLadder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMessage);
    expect((error as InvalidMessage).data.field).toBe("output");
  });
});
