// The Prometheus registry of the main thread. Nothing here is updated as events happen:
// every value is read from the shared buffers (or MainCounters) when /metrics is scraped.
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import { STREAMS } from '../../protocol/constants.ts';
import type { Admission } from '../admission/admission.ts';
import type { ArchiveCounters } from '../archive/counters.ts';
import { registerArchiveMetrics } from './archive-registry.ts';
import { AgencyCounter, type MetricsBuffers, MetricsReader, NAK_CODES } from './counters.ts';
import type { DownlinkMetricsBuffers } from './downlink.ts';
import { registerDownlinkMetrics } from './downlink-registry.ts';
import { MetricsError, MetricsErrorCode } from './errors.ts';

export const RejectReason = { RATE: 'rate', CEILING: 'ceiling' } as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Listener counters of the main thread; plain numbers, touched by the main thread only. */
export class MainCounters {
  accepted = 0;
  readonly rejected: Record<RejectReason, number> = { rate: 0, ceiling: 0 };
}

export interface RegistryExtras {
  /** Feeds scs_accepted_connections_total and scs_rejected_connections_total; both absent without it. */
  main?: MainCounters;
  /** An actor whose last tick() is older than this is left out of scs_actor_lag_records (default 5000). */
  actorStaleMs?: number;
  clock?: { nowMs(): number };
  /** prom-client's process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
  /** The acquisition thread's link, VC and decommutation counters (scs_link_*, scs_vc_*, scs_decom_*). */
  downlink?: DownlinkMetricsBuffers;
  /** Feeds scs_archive_recorder_restarts_total (absent without it: no archive). */
  archiveRestarts?: () => number;
  /** The recorder's totals: scs_archive_records_total, _records_lost_total, _deleted_total, … */
  archive?: ArchiveCounters;
}

export interface RegistryOptions {
  metrics: MetricsBuffers;
  admission: Admission;
  /** Agency names in agency-index order. */
  agencyNames: readonly string[];
  /** Ring heads in STREAMS order. */
  ringHeads: () => readonly number[];
  /** Records the acquisition could not put in their ring (too large), in STREAMS order. */
  ringDropped?: () => readonly number[];
  extra?: RegistryExtras;
}

const DEFAULT_ACTOR_STALE_MS = 5000;

/** [name, help, counter, scale of the shared value to the metric's unit]. */
const AGENCY_COUNTER_METRICS: readonly [string, string, AgencyCounter, number?][] = [
  ['scs_acks_total', 'ACKs sent', AgencyCounter.ACKS],
  ['scs_records_sent_total', 'Records sent in DATA messages', AgencyCounter.RECORDS_SENT],
  ['scs_bytes_sent_total', 'Bytes written to client sockets', AgencyCounter.BYTES_SENT],
  ['scs_data_messages_total', 'DATA messages sent', AgencyCounter.DATA_MESSAGES],
  ['scs_skipped_records_total', 'Records skipped for slow delivery:latest clients', AgencyCounter.SKIPPED],
  [
    'scs_slow_consumer_closes_total',
    'Sessions closed with BYE SLOW_CONSUMER',
    AgencyCounter.SLOW_CONSUMER_CLOSES,
  ],
  ['scs_heartbeats_total', 'HEARTBEAT messages sent', AgencyCounter.HEARTBEATS],
  ['scs_sessions_closed_total', 'Admitted sessions that ended', AgencyCounter.SESSIONS_CLOSED],
  [
    'scs_slow_consumer_behind_bytes_total',
    'Backlog of each session closed with BYE SLOW_CONSUMER when it was cut, bytes, summed',
    AgencyCounter.SLOW_CONSUMER_BEHIND_BYTES,
  ],
  [
    'scs_slow_consumer_behind_seconds_total',
    'Age of the oldest unsent message of each session closed with BYE SLOW_CONSUMER when it was cut, summed',
    AgencyCounter.SLOW_CONSUMER_BEHIND_MS,
    1e-3,
  ],
];

interface HistogramSample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * scs_latency_seconds, counted by the actors in their metric regions.
 *
 * prom-client's Histogram can only be fed through observe(), and the library has no
 * public custom-collector type. Its Registry, however, renders any registered object
 * from `name`, `help`, `type` and `get()` — the same shape Histogram#get returns, with a
 * per-sample `metricName` for the _bucket/_sum/_count series — and calls `reset()` from
 * resetMetrics(). This class is exactly that shape, so no prom-client internals are
 * touched; the package's typings only list its own classes, hence the one cast where
 * it is registered.
 */
class SharedLatencyHistogram {
  readonly name = 'scs_latency_seconds';
  readonly help = 'Time from record acquisition to the write of its DATA message to the socket';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #reader: MetricsReader;

  constructor(reader: MetricsReader) {
    this.#reader = reader;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: HistogramSample[];
  }> {
    const h = this.#reader.histogram();
    const bucket = `${this.name}_bucket`;
    const values: HistogramSample[] = h.buckets.map((us, i) => ({
      metricName: bucket,
      labels: { le: us / 1e6 },
      value: h.counts[i],
    }));
    values.push(
      { metricName: bucket, labels: { le: '+Inf' }, value: h.count },
      { metricName: `${this.name}_sum`, labels: {}, value: h.sum / 1e6 },
      { metricName: `${this.name}_count`, labels: {}, value: h.count },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The counts belong to the actors' regions; there is no local state to reset. */
  reset(): void {}
}

export function createRegistry(opts: RegistryOptions): Registry {
  const { metrics, admission, agencyNames, ringHeads, ringDropped, extra = {} } = opts;
  if (agencyNames.length !== metrics.agencies) {
    throw new MetricsError(
      MetricsErrorCode.CONFIG,
      `${agencyNames.length} agency names for ${metrics.agencies} metric agencies`,
    );
  }
  const reader = new MetricsReader(metrics);
  const clock = extra.clock ?? { nowMs: () => Date.now() };
  const staleMs = extra.actorStaleMs ?? DEFAULT_ACTOR_STALE_MS;
  const registry = new Registry();
  const registers = [registry];

  if (extra.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'scs_connections',
    help: 'Admitted sessions',
    labelNames: ['agency'],
    registers,
    collect() {
      for (const [i, agency] of agencyNames.entries()) this.set({ agency }, admission.count(i));
    },
  });
  for (const [name, help, c, scale = 1] of AGENCY_COUNTER_METRICS) {
    new Counter({
      name,
      help,
      labelNames: ['agency'],
      registers,
      collect() {
        // Counter has no set(): rebuild it from the shared totals on every scrape.
        this.reset();
        for (const [i, agency] of agencyNames.entries()) this.inc({ agency }, reader.sum(c, i) * scale);
      },
    });
  }
  new Counter({
    name: 'scs_naks_total',
    help: 'NAKs sent, by code',
    labelNames: ['code'],
    registers,
    collect() {
      this.reset();
      for (const code of NAK_CODES) this.inc({ code }, reader.naks(code));
    },
  });
  new Gauge({
    name: 'scs_ring_head',
    help: 'Next ring position the acquisition will write',
    labelNames: ['stream'],
    registers,
    collect() {
      const heads = ringHeads();
      for (const [i, stream] of STREAMS.entries()) {
        const head = heads[i];
        if (head !== undefined) this.set({ stream }, head);
      }
    },
  });
  if (ringDropped) {
    new Counter({
      name: 'scs_records_dropped_total',
      help: 'Records acquired but not distributed or archived, by stream and reason (too_large: larger than the ring carries)',
      labelNames: ['stream', 'reason'],
      registers,
      collect() {
        this.reset();
        const dropped = ringDropped();
        for (const [i, stream] of STREAMS.entries())
          this.inc({ stream, reason: 'too_large' }, dropped[i] ?? 0);
      },
    });
  }
  new Gauge({
    name: 'scs_actor_lag_records',
    help: 'Largest distance, in records, between a ring head and the slowest live session cursor',
    labelNames: ['stream'],
    registers,
    collect() {
      const since = clock.nowMs() - staleMs;
      for (const [i, stream] of STREAMS.entries()) this.set({ stream }, reader.lag(i, since));
    },
  });
  registry.registerMetric(new SharedLatencyHistogram(reader) as unknown as Metric);
  if (extra.downlink) registerDownlinkMetrics(registry, extra.downlink);
  if (extra.archive) registerArchiveMetrics(registry, extra.archive);

  const archiveRestarts = extra.archiveRestarts;
  if (archiveRestarts) {
    new Counter({
      name: 'scs_archive_recorder_restarts_total',
      help: 'Archive recorder thread restart attempts after it ended unexpectedly',
      registers,
      collect() {
        this.reset();
        this.inc(archiveRestarts());
      },
    });
  }
  const main = extra.main;
  if (main) {
    new Counter({
      name: 'scs_accepted_connections_total',
      help: 'TCP connections accepted and handed to an actor',
      registers,
      collect() {
        this.reset();
        this.inc(main.accepted);
      },
    });
    new Counter({
      name: 'scs_rejected_connections_total',
      help: 'TCP connections refused by the listener before any byte was read',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of Object.values(RejectReason)) this.inc({ reason }, main.rejected[reason]);
      },
    });
  }
  return registry;
}
