// Assembles a running orchestrator node from its configuration: chain, registration, payments, transcoding,
// sessions, HTTP — and takes it all down again in order.
import { join } from "node:path";
import type { Address } from "viem";
import { SegmentFormatDidntMatchJobInputParams } from "../src/lib/protocol/errors.ts";
import { loadDeploymentsFile } from "../src/lib/chain/deployments-file.ts";
import { createChainClients } from "./chain/clients.ts";
import { ensureRegistration } from "./chain/registration.ts";
import { ensureRoundInitialized, runRoundWorker } from "./chain/rounds.ts";
import type { NodeConfig } from "./config.ts";
import { loadNodeKey, loadRecipientSecret } from "./keys/node-key.ts";
import type { Logger } from "./log.ts";
import { Balances } from "./payments/balance.ts";
import { SenderMonitor } from "./payments/monitor.ts";
import { chainSenderFundsSource, watchSenderEvents } from "./payments/monitor-chain.ts";
import { RedemptionQueue } from "./payments/redemption-queue.ts";
import { Redeemer } from "./payments/redeemer.ts";
import { nativeRecovery } from "./payments/native-recover.ts";
import { streamPayments } from "./payments/stream-payments.ts";
import { TicketValidator } from "./payments/validator.ts";
import { createHttpServer } from "./server/http.ts";
import { createMetrics, type Metrics } from "./server/metrics.ts";
import { buildQuote, issueCurrentTicketParams, type ChainView, type QuoteContext } from "./server/quote.ts";
import type { Transcode } from "./session/broadcast-session.ts";
import { PublicStreams } from "./session/public-streams.ts";
import { SessionManager } from "./session/session-manager.ts";
import { chooseH264Encoder } from "./transcode/encoder.ts";
import { assertFaultAllowed, withFault } from "./transcode/faults.ts";
import { TranscoderPool } from "./transcode/pool.ts";
import { TranscodeFailed } from "./transcode/pool-member.ts";

export interface RunningNode {
  address: Address;
  url: string;
  metrics: Metrics;
  redeemer: Redeemer;
  queue: RedemptionQueue;
  stop(): Promise<void>;
}

/** A block number read at most this often: quotes and payments in the same second share one RPC call. */
const BLOCK_CACHE_MS = 500;

export async function startOrchestratorNode(config: NodeConfig, log: Logger): Promise<RunningNode> {
  const deployments = await loadDeploymentsFile(config.deployments);
  assertFaultAllowed(config.fault, deployments.chainId);
  const privateKey = await loadNodeKey(config, deployments.chainId);
  const clients = createChainClients({ rpcUrl: config.rpcUrl, privateKey, deployments });
  const orchestrator = clients.account.address;
  // The chain itself, not only the deployments file, must be the local one before this node may cheat.
  if (config.fault) {
    assertFaultAllowed(config.fault, await clients.publicClient.getChainId());
    log.warn({ fault: config.fault, orchestrator }, `FAULT INJECTION ON: this node cheats on purpose (${config.fault}); for tests and demos on the local chain only`);
  }
  const { rounds, ticketBroker } = clients.contracts;
  log.info({ orchestrator, chainId: deployments.chainId, rpcUrl: config.rpcUrl }, "starting orchestrator node");

  const changes = await ensureRegistration(clients, {
    serviceURI: config.serviceURI!,
    services: config.services as { id: string; verifier: Address }[],
    regions: config.regions,
    rewardCutPpm: config.rewardCutPpm,
    feeSharePpm: config.feeSharePpm,
  });
  log.info({ changes }, changes.length ? "registration updated on chain" : "registration already up to date");

  const metrics = createMetrics();
  const secret = await loadRecipientSecret(config.dataDir);
  const queue = RedemptionQueue.open(join(config.dataDir, "redemptions.sqlite"));
  const monitor = new SenderMonitor(chainSenderFundsSource(clients));
  const unwatchSenders = watchSenderEvents(clients, monitor);
  const validator = new TicketValidator({
    secret,
    recipient: orchestrator,
    ticketValidityPeriodRounds: await ticketBroker.read.ticketValidityPeriodRounds(),
    blockHashForRound: (round) => rounds.read.blockHashForRound([round]),
    recoverSigner: nativeRecovery,
  });
  const balances = new Balances();

  let cachedBlock: { at: number; block: Promise<bigint> } | undefined;
  const chain: ChainView = {
    blockNumber: () => {
      if (!cachedBlock || Date.now() - cachedBlock.at > BLOCK_CACHE_MS) {
        cachedBlock = { at: Date.now(), block: clients.publicClient.getBlockNumber({ cacheTime: 0 }) };
      }
      return cachedBlock.block;
    },
    currentRound: () => rounds.read.currentRound(),
    lastInitializedRound: () => rounds.read.lastInitializedRound(),
    initializeCurrentRound: async () => void (await ensureRoundInitialized(clients)),
    blockHashForRound: (round) => rounds.read.blockHashForRound([round]),
    gasPriceWei: () => clients.publicClient.getGasPrice(),
  };
  const quoteContext: QuoteContext = {
    orchestrator,
    secret,
    pricePerSegmentWei: config.pricePerSegmentWei,
    maxRedeemOverheadPpm: config.maxRedeemOverheadPpm,
    ticketParamsValidityBlocks: config.ticketParamsValidityBlocks,
    serviceIds: config.services.map((s) => s.id),
    maxSessions: config.maxSessions,
    sessionsInUse: () => sessions.count,
    holdsSession: (job) => sessions.holds(job),
    chain,
  };

  const encoder = await chooseH264Encoder("ffmpeg", { prefer: config.encoder === "libx264" ? "libx264" : undefined });
  metrics.encoder.set({ encoder: encoder.encoder }, 1);
  log.info({ encoder: encoder.encoder, reason: encoder.reason }, "H.264 encoder chosen");
  const pool = new TranscoderPool({
    orchestrator,
    secret: config.transcoderSecret,
    local: config.localTranscodeCapacity > 0 ? { capacity: config.localTranscodeCapacity, encoder: encoder.encoder } : undefined,
    logger: log,
  });
  const honestTranscode: Transcode = async (streamId, bytes, ladder) => {
    const started = performance.now();
    try {
      const result = await pool.transcode(streamId, bytes, ladder);
      metrics.transcodeSeconds.observe({ encoder: encoder.encoder }, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      // ffmpeg refused a segment that passed the format check: it is not the video it claims to be.
      if (error instanceof TranscodeFailed && !error.retryable) {
        throw new SegmentFormatDidntMatchJobInputParams({ streamId, sequenceNumber: 0, field: "format", expected: "decodable video", found: error.errorName.slice(0, 64) });
      }
      throw error;
    }
  };

  const transcode = config.fault ? withFault(honestTranscode, config.fault, { log }) : honestTranscode;

  // Published streams' last minute or so, for viewers (GET /streams/…); fed by each session's transcoded segments.
  const publicStreams = new PublicStreams({ orchestrator, onBytes: (bytes) => metrics.publicWindowBytes.set(bytes) });

  const sessions: SessionManager = new SessionManager({
    orchestrator: clients.account,
    maxSessions: config.maxSessions,
    serviceIds: quoteContext.serviceIds,
    transcode,
    currentRound: chain.currentRound,
    log,
    onClosed: (job) => {
      balances.close(job.broadcaster, job.streamId);
      pool.endStream(job.streamId);
      publicStreams.closed(job);
    },
    paymentsFor: (job) =>
      streamPayments({
        streamId: job.streamId,
        sender: job.broadcaster,
        pricePerSegmentWei: config.pricePerSegmentWei,
        validator,
        balances,
        queue,
        monitor,
        chain,
        newTicketParams: () => issueCurrentTicketParams(quoteContext),
        log,
        onCommitted: ({ tickets, winningTickets }) => {
          metrics.ticketsReceived.inc(tickets);
          metrics.ticketsWon.inc(winningTickets);
        },
      }),
    events: {
      segment: (outcome, detail) => {
        metrics.segments.inc({ outcome });
        if (detail.error) metrics.errors.inc({ name: detail.error });
        if (detail.reason) metrics.ticketsRefused.inc({ reason: detail.reason });
        if (detail.error === "TicketParamsExpired") metrics.ticketsRefused.inc({ reason: "expiredParams" });
      },
      sessions: (count) => metrics.sessions.set(count),
      transcoded: (job, segment) => publicStreams.add(job, segment),
      relayed: (job, segment) => {
        metrics.relayedSegments.inc();
        publicStreams.add(job, segment, { relayed: true });
      },
    },
  });

  const redeemer = new Redeemer({ clients, queue, monitor, log, maxRedeemOverheadPpm: config.maxRedeemOverheadPpm });
  await redeemer.start();
  let reported = { ticketsRedeemed: 0, weiRedeemed: 0n };
  const reportRedemptions = () => {
    const c = redeemer.counters;
    metrics.ticketsRedeemed.inc(c.ticketsRedeemed - reported.ticketsRedeemed);
    metrics.weiEarned.inc(Number(c.weiRedeemed - reported.weiRedeemed));
    reported = { ticketsRedeemed: c.ticketsRedeemed, weiRedeemed: c.weiRedeemed };
  };

  const app = await createHttpServer({
    metrics,
    log,
    quote: (job) => buildQuote(quoteContext, job),
    openSession: (offer) => sessions.open(offer),
    publicStreams,
    health: () => ({ ok: true, detail: { orchestrator, pid: process.pid, sessions: sessions.count, transcoders: pool.stats().transcoders.length } }),
  });
  if (config.transcoderSecret) pool.attach(app.server);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const url = `http://${config.host}:${typeof address === "object" && address ? address.port : config.port}`;

  const abort = new AbortController();
  const workers = [
    runRoundWorker(clients, log, abort.signal),
    redeemer.run(abort.signal, config.redeemIntervalMs),
    (async () => {
      while (!abort.signal.aborted) {
        reportRedemptions();
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })(),
  ];
  log.info({ url, serviceURI: config.serviceURI }, "orchestrator node ready");

  return {
    address: orchestrator,
    url,
    metrics,
    redeemer,
    queue,
    async stop() {
      log.info({ sessions: sessions.count }, "stopping: finishing the segments in flight, then the redeemer and the chain watchers");
      await sessions.drain();
      // The remote transcoders' WebSockets ride on the HTTP server, which does not close while they are open: with no
      // segment in flight any more, the pool lets them go first.
      await pool.close();
      await app.close();
      publicStreams.clear();
      abort.abort();
      await Promise.allSettled(workers);
      unwatchSenders();
      queue.close();
    },
  };
}
