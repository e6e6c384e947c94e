// Prometheus metrics of the orchestrator node (prom-client): what an operator watches and alerts on.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "streamflow_node_" });
  const metrics = {
    registry,
    sessions: new Gauge({ name: "streamflow_sessions", help: "Broadcast sessions open now", registers: [registry] }),
    segments: new Counter({ name: "streamflow_segments_total", help: "Segments handled, by outcome", labelNames: ["outcome"], registers: [registry] }),
    transcodeSeconds: new Histogram({
      name: "streamflow_transcode_seconds",
      help: "Time to transcode one segment's whole ladder",
      labelNames: ["encoder"],
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8],
      registers: [registry],
    }),
    ticketsReceived: new Counter({ name: "streamflow_tickets_received_total", help: "Tickets received", registers: [registry] }),
    ticketsWon: new Counter({ name: "streamflow_tickets_won_total", help: "Winning tickets received", registers: [registry] }),
    ticketsRedeemed: new Counter({ name: "streamflow_tickets_redeemed_total", help: "Winning tickets redeemed on chain", registers: [registry] }),
    weiEarned: new Counter({ name: "streamflow_wei_earned_total", help: "Face value of redeemed tickets, in wei (float: may round above 2^53)", registers: [registry] }),
    errors: new Counter({ name: "streamflow_errors_total", help: "Errors answered, by name", labelNames: ["name"], registers: [registry] }),
    ticketsRefused: new Counter({
      name: "streamflow_payments_refused_total",
      help: "Segment payments refused for a ticket, by the rule it broke (InvalidTicket reasons, and expiredParams)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    relayedSegments: new Counter({
      name: "streamflow_relayed_segments_total",
      help: "Segments other orchestrators transcoded, relayed by broadcasters after a failover into the public window",
      registers: [registry],
    }),
    publicWindowBytes: new Gauge({
      name: "streamflow_public_window_bytes",
      help: "Bytes of published streams' renditions held for viewers (the public window)",
      registers: [registry],
    }),
    encoder: new Gauge({ name: "streamflow_encoder_info", help: "The H.264 encoder in use (1 for the one chosen)", labelNames: ["encoder"], registers: [registry] }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
