// The orchestrator's transcoder pool: remote transcoders and, when configured, this machine's ffmpeg; dispatches each
// segment least-loaded with stickiness per stream, retries it elsewhere when a member dies or stalls, reports load.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Address } from "viem";
import type { WebSocket } from "ws";
import { OrchestratorBusy } from "../../src/lib/protocol/errors.ts";
import { MAX_PAYLOAD_BYTES } from "../../src/lib/protocol/messages.ts";
import { silentLogger, type Logger } from "../log.ts";
import type { H264Encoder } from "./ffmpeg-args.ts";
import { validateLadder, type Rendition } from "./ladder.ts";
import { localTranscoder } from "./local-transcoder.ts";
import { TranscoderJobError, type PoolMember } from "./pool-member.ts";
import { chooseMember } from "./pool-selection.ts";
import { RemoteTranscoder } from "./remote-transcoder.ts";
import type { TranscodeResult } from "./transcode.ts";
import { createTranscoderEndpoint, type TranscoderEndpoint } from "./transcoder-endpoint.ts";
import { MAX_WIRE_HEADER_BYTES, TRANSCODER_PING_INTERVAL_MS, TRANSCODERS_PATH, type TranscoderRegistration } from "./transcoder-wire.ts";

export interface TranscoderPoolOptions {
  /** This orchestrator's address, named in OrchestratorBusy. */
  orchestrator: Address;
  /** The secret remote transcoders present; without one, attach() and listen() refuse to start. */
  secret?: string;
  /** Transcode on this machine too, as one more member of the pool. */
  local?: { capacity: number; encoder: H264Encoder; ffmpegPath?: string };
  /** How long a member may take for one segment before it is sent elsewhere (and ffmpeg's own limit on the member). */
  jobTimeoutMs?: number;
  /** What OrchestratorBusy tells a broadcaster to wait: about one segment's duration, when a slot frees up. */
  retryAfterMs?: number;
  /** A stream with no segment for this long is no longer kept on its member. */
  streamIdleMs?: number;
  /** Remote transcoders connected at once; more are refused with 503 until one leaves. */
  maxTranscoders?: number;
  pingIntervalMs?: number;
  logger?: Logger;
}

export interface PoolTranscodeResult extends TranscodeResult {
  /** The member that transcoded it ("local" for this machine). */
  transcoderId: string;
  /** Members tried, this one included: 1 unless a member died or stalled with the segment. */
  attempts: number;
}

export interface TranscoderStats {
  id: string;
  kind: "local" | "remote";
  name: string;
  encoder: H264Encoder;
  capacity: number;
  /** Segments in flight on it now. */
  load: number;
  /** Streams kept on it now. */
  streams: number;
  segmentsDone: number;
  /** Segments it failed: errors, timeouts, and the ones in flight when it went away. */
  failures: number;
}

export interface PoolStats {
  capacity: number;
  load: number;
  transcoders: TranscoderStats[];
  /** Totals since start, members that left included. */
  segmentsDone: number;
  failures: number;
  /** Segments sent to another member after one died or stalled with them. */
  retries: number;
  /** OrchestratorBusy thrown: every member full. */
  busy: number;
}

/** transcode() was called on a pool that close() has shut. */
export class TranscoderPoolClosed extends Error {
  override readonly name = "TranscoderPoolClosed";

  constructor() {
    super("the transcoder pool is closed: the node is shutting down; the broadcaster should use another orchestrator");
  }
}

/** attach() or listen() was called on a pool configured without a transcoder secret. */
export class TranscoderSecretMissing extends Error {
  override readonly name = "TranscoderSecretMissing";

  constructor() {
    super("remote transcoders need a shared secret: set transcoderSecret (STREAMFLOW_TRANSCODER_SECRET) on the node");
  }
}

const DEFAULT_JOB_TIMEOUT_MS = 20_000;
const DEFAULT_RETRY_AFTER_MS = 2_000;
const DEFAULT_STREAM_IDLE_MS = 60_000;
const DEFAULT_MAX_TRANSCODERS = 64;
/** A result holds every rendition of a segment, as the result message to the broadcaster does. */
const MAX_TRANSCODER_MESSAGE_BYTES = 4 + MAX_WIRE_HEADER_BYTES + MAX_PAYLOAD_BYTES;
const CLOSE_GOING_AWAY = 1001;

interface Pin {
  memberId: string;
  lastSegmentAt: number;
}

export class TranscoderPool {
  readonly #o: Required<Omit<TranscoderPoolOptions, "secret" | "local">> & Pick<TranscoderPoolOptions, "secret">;
  readonly #log: Logger;
  readonly #members = new Map<string, PoolMember>();
  readonly #counts = new Map<string, { segmentsDone: number; failures: number }>();
  readonly #pins = new Map<string, Pin>();
  readonly #totals = { segmentsDone: 0, failures: 0, retries: 0, busy: 0 };
  readonly #detach: (() => void)[] = [];
  #endpoint: TranscoderEndpoint | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #nextRemote = 1;
  #closed = false;

  constructor(o: TranscoderPoolOptions) {
    this.#o = {
      orchestrator: o.orchestrator,
      secret: o.secret,
      jobTimeoutMs: o.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
      retryAfterMs: o.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
      streamIdleMs: o.streamIdleMs ?? DEFAULT_STREAM_IDLE_MS,
      maxTranscoders: o.maxTranscoders ?? DEFAULT_MAX_TRANSCODERS,
      pingIntervalMs: o.pingIntervalMs ?? TRANSCODER_PING_INTERVAL_MS,
      logger: o.logger ?? silentLogger,
    };
    this.#log = this.#o.logger;
    if (o.local && o.local.capacity > 0) this.#join(localTranscoder(o.local));
  }

  /**
   * Accepts transcoders on `server`'s WebSocket upgrades to `path`; upgrades to other paths are left to other
   * listeners. Call it before the server listens (a fastify app's `app.server`). The first attach() fixes the path.
   */
  attach(server: Server, path = TRANSCODERS_PATH): void {
    const endpoint = this.#ensureEndpoint(path);
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (endpoint.handleUpgrade(req, socket, head)) return;
      // Once anyone listens for upgrades, node leaves an upgrade nobody takes open forever; with no other taker, end it.
      if (server.listenerCount("upgrade") === 1) socket.destroy();
    };
    server.on("upgrade", onUpgrade);
    this.#detach.push(() => server.off("upgrade", onUpgrade));
  }

  /** Accepts transcoders on a port of its own (for a node that keeps its transcoder port off its public one). */
  async listen(o: { host?: string; port?: number } = {}): Promise<{ url: string; port: number }> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain" }).end(`transcoders connect here with a WebSocket upgrade on ${TRANSCODERS_PATH}\n`);
    });
    this.attach(server);
    const host = o.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, host, () => resolve());
    });
    this.#detach.push(() => {
      server.close();
      server.closeAllConnections();
    });
    const { port } = server.address() as AddressInfo;
    return { url: `ws://${host}:${port}${TRANSCODERS_PATH}`, port };
  }

  /**
   * Transcodes one segment of a stream into `ladder` on some member of the pool. A member that dies or times out
   * with the segment is replaced by another; each member is tried at most once per segment.
   * @throws InvalidLadder before any member is asked
   * @throws OrchestratorBusy when every member is full (or none is left to try), with the last failure as its cause
   * @throws TranscodeFailed when a member's ffmpeg refused the segment (another would refuse it too)
   * @throws TranscoderPoolClosed after close()
   */
  async transcode(
    streamId: string,
    segment: Uint8Array,
    ladder: readonly Rendition[],
    o: { sequenceNumber?: number } = {},
  ): Promise<PoolTranscodeResult> {
    validateLadder(ladder);
    const tried = new Set<string>();
    let lastFailure: unknown;
    for (;;) {
      if (this.#closed) throw new TranscoderPoolClosed();
      // Chosen and started synchronously, so that concurrent calls each see the load the others added.
      const member = this.#choose(streamId, tried);
      if (!member) {
        this.#totals.busy++;
        const { capacity } = this.stats();
        throw new OrchestratorBusy(
          { orchestrator: this.#o.orchestrator, maxSessions: capacity, retryAfterMs: this.#o.retryAfterMs },
          lastFailure === undefined ? undefined : { cause: lastFailure },
        );
      }
      tried.add(member.id);
      this.#pins.set(streamId, { memberId: member.id, lastSegmentAt: Date.now() });
      const counts = this.#countsOf(member.id);
      try {
        const result = await member.transcode({ streamId, sequenceNumber: o.sequenceNumber, segment, ladder, timeoutMs: this.#o.jobTimeoutMs });
        counts.segmentsDone++;
        this.#totals.segmentsDone++;
        return { ...result, transcoderId: member.id, attempts: tried.size };
      } catch (error) {
        counts.failures++;
        this.#totals.failures++;
        if (!(error instanceof TranscoderJobError) || !error.retryable) throw error;
        this.#log.warn(
          { streamId, sequenceNumber: o.sequenceNumber, transcoderId: member.id, err: error.name, reason: error.message },
          "segment failed on a transcoder; trying another",
        );
        this.#totals.retries++;
        lastFailure = error;
        if (this.#pins.get(streamId)?.memberId === member.id) this.#pins.delete(streamId);
      }
    }
  }

  /** Forgets a stream's member (the session ended), so that it no longer counts toward that member's streams. */
  endStream(streamId: string): void {
    this.#pins.delete(streamId);
  }

  stats(): PoolStats {
    const streams = this.#streamsPerMember();
    const transcoders = [...this.#members.values()].map((m) => ({
      id: m.id,
      kind: m.kind,
      name: m.name,
      encoder: m.encoder,
      capacity: m.capacity,
      load: m.load,
      streams: streams.get(m.id) ?? 0,
      ...this.#countsOf(m.id),
    }));
    return {
      capacity: transcoders.reduce((sum, t) => sum + t.capacity, 0),
      load: transcoders.reduce((sum, t) => sum + t.load, 0),
      transcoders,
      ...this.#totals,
    };
  }

  /**
   * Stops taking segments and transcoders, and disconnects the remote ones (they retry with backoff, so a restarted
   * node gets them back). Segments in flight on them fail.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const detach of this.#detach) detach();
    this.#endpoint?.close();
    for (const member of this.#members.values()) {
      if (member instanceof RemoteTranscoder) member.close(CLOSE_GOING_AWAY, "orchestrator shutting down");
    }
  }

  #ensureEndpoint(path: string): TranscoderEndpoint {
    if (this.#o.secret === undefined || this.#o.secret === "") throw new TranscoderSecretMissing();
    if (this.#endpoint) return this.#endpoint;
    this.#endpoint = createTranscoderEndpoint({
      secret: this.#o.secret,
      path,
      maxMessageBytes: MAX_TRANSCODER_MESSAGE_BYTES,
      logger: this.#log,
      admit: () => {
        if (this.#closed) return { ok: false, reason: "the orchestrator is shutting down" };
        const remotes = [...this.#members.values()].filter((m) => m.kind === "remote").length;
        if (remotes >= this.#o.maxTranscoders) return { ok: false, reason: `the pool holds its maximum of ${this.#o.maxTranscoders} transcoders` };
        return { ok: true };
      },
      onTranscoder: (ws, registration, remoteAddress) => this.#joinRemote(ws, registration, remoteAddress),
    });
    this.#heartbeat = setInterval(() => {
      for (const member of this.#members.values()) if (member instanceof RemoteTranscoder) member.heartbeat();
    }, this.#o.pingIntervalMs);
    this.#heartbeat.unref();
    return this.#endpoint;
  }

  #joinRemote(ws: WebSocket, registration: TranscoderRegistration, remoteAddress: string): void {
    const member = new RemoteTranscoder({
      id: `${registration.name}-${this.#nextRemote++}`,
      ws,
      registration,
      remoteAddress,
      logger: this.#log,
      onGone: (gone, reason) => this.#leave(gone, reason),
    });
    this.#join(member);
    this.#log.info(
      { transcoderId: member.id, capacity: member.capacity, encoder: member.encoder, remoteAddress },
      "transcoder joined the pool",
    );
  }

  #join(member: PoolMember): void {
    this.#members.set(member.id, member);
    this.#counts.set(member.id, { segmentsDone: 0, failures: 0 });
  }

  #leave(member: PoolMember, reason: string): void {
    this.#members.delete(member.id);
    this.#counts.delete(member.id);
    let streams = 0;
    for (const [streamId, pin] of this.#pins) {
      if (pin.memberId === member.id) {
        this.#pins.delete(streamId);
        streams++;
      }
    }
    this.#log.warn({ transcoderId: member.id, reason, streams }, "transcoder left the pool");
  }

  #choose(streamId: string, exclude: ReadonlySet<string>): PoolMember | undefined {
    const streams = this.#streamsPerMember();
    const candidates = [...this.#members.values()]
      .filter((m) => !exclude.has(m.id))
      .map((m) => ({ id: m.id, load: m.load, capacity: m.capacity, streams: streams.get(m.id) ?? 0, member: m }));
    return chooseMember(candidates, this.#pins.get(streamId)?.memberId)?.member;
  }

  #countsOf(id: string): { segmentsDone: number; failures: number } {
    // A member that left mid-job has its counts gone with it; the totals still count what it did.
    return this.#counts.get(id) ?? { segmentsDone: 0, failures: 0 };
  }

  /** Streams kept on each member, after forgetting the streams that went idle. */
  #streamsPerMember(): Map<string, number> {
    const cutoff = Date.now() - this.#o.streamIdleMs;
    const streams = new Map<string, number>();
    for (const [streamId, pin] of this.#pins) {
      if (pin.lastSegmentAt < cutoff) this.#pins.delete(streamId);
      else streams.set(pin.memberId, (streams.get(pin.memberId) ?? 0) + 1);
    }
    return streams;
  }
}
