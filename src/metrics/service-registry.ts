// Prometheus series for operating SCS as a service: what runs (scs_build_info), thread restarts,
// and the archive (recording, size, commit lag, losses, retention, disk-full pauses). Like the rest
// of /metrics, every value is read when scraped; the archive's counters come from the recorder
// thread in one round trip per scrape.
import { statSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { STREAMS, type Stream } from '../../protocol/constants.ts';

/** The recorder's counters as the registry needs them (src/archive/recorder.ts RecorderCounters). */
export interface ArchiveCountersView {
  records: Record<Stream, number>;
  lost: Record<Stream, number>;
  retained: number;
  committedPos: Record<Stream, number>;
}

export interface ArchiveMetricsSource {
  /** The archive file (its -wal file is counted in the size too). */
  readonly path: string;
  readonly running: boolean;
  readonly diskFull: boolean;
  readonly diskFullPauses: number;
  /** undefined while no recorder runs (the series from it are then absent). */
  counters(): Promise<ArchiveCountersView | undefined>;
  /** Retention limits in force; 0 = none. */
  readonly maxAgeDays: number;
  readonly maxBytes: number;
}

export interface ServiceMetricsOptions {
  version: string;
  /** Ring heads (positions) in STREAMS order, for the archive's commit lag. */
  ringHeads: () => readonly number[];
  actorRestarts: () => number;
  acquisitionRestarts: () => number;
  archive?: ArchiveMetricsSource;
}

/** Sum of the sizes of the files that exist among `paths`. */
function bytesOf(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    try {
      total += statSync(p).size;
    } catch {
      // -wal exists only while the file is open for writing.
    }
  }
  return total;
}

export function registerServiceMetrics(registry: Registry, opts: ServiceMetricsOptions): void {
  const registers = [registry];
  new Gauge({
    name: 'scs_build_info',
    help: 'Always 1; the labels say which SCS runs on which Node',
    labelNames: ['version', 'node'],
    registers,
  }).set({ version: opts.version, node: process.versions.node }, 1);
  const counter = (name: string, help: string, value: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  counter('scs_actor_restarts_total', 'Actor threads started to replace one that ended', opts.actorRestarts);
  counter(
    'scs_acquisition_restarts_total',
    'Acquisition thread restart attempts after it ended unexpectedly',
    opts.acquisitionRestarts,
  );
  if (opts.archive) registerArchive(registry, opts.archive, opts.ringHeads);
}

function registerArchive(
  registry: Registry,
  archive: ArchiveMetricsSource,
  ringHeads: () => readonly number[],
): void {
  const registers = [registry];
  // One counters() round trip per scrape: prom-client collects all metrics concurrently.
  let pending: Promise<ArchiveCountersView | undefined> | undefined;
  const counters = () => {
    pending ??= archive.counters().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value());
      },
    });
  gauge('scs_archive_recording', 'A recorder thread is recording: 1 yes, 0 no (restarting)', () =>
    archive.running ? 1 : 0,
  );
  gauge('scs_archive_disk_full', 'Recording is paused because the disk is full: 1 yes, 0 no', () =>
    archive.diskFull ? 1 : 0,
  );
  gauge('scs_archive_size_bytes', 'Size of the archive file and its write-ahead log', () =>
    bytesOf([archive.path, `${archive.path}-wal`]),
  );
  gauge(
    'scs_archive_retention_max_age_seconds',
    'Records older than this are deleted (0: no age limit)',
    () => archive.maxAgeDays * 86_400,
  );
  gauge(
    'scs_archive_retention_max_bytes',
    'The oldest records are deleted above this size (0: no size limit)',
    () => archive.maxBytes,
  );
  new Counter({
    name: 'scs_archive_disk_full_pauses_total',
    help: 'Times recording paused because the disk was full',
    registers,
    collect() {
      this.reset();
      this.inc(archive.diskFullPauses);
    },
  });
  const fromRecorder = (
    name: string,
    help: string,
    each: (c: ArchiveCountersView, stream: Stream, i: number) => number,
    type: 'counter' | 'gauge',
  ) => {
    const config = {
      name,
      help,
      labelNames: ['stream'],
      registers,
      async collect(this: Counter | Gauge) {
        this.reset();
        const c = await counters();
        if (c === undefined) return;
        for (const [i, stream] of STREAMS.entries()) {
          if (this instanceof Gauge) this.set({ stream }, each(c, stream, i));
          else this.inc({ stream }, each(c, stream, i));
        }
      },
    };
    return type === 'counter' ? new Counter(config) : new Gauge(config);
  };
  // scs_archive_records_total{stream} comes from the recorder's shared counters
  // (src/metrics/archive-registry.ts), which survive a recorder restart.
  fromRecorder(
    'scs_archive_lost_records_total',
    'Records the ring overwrote before the recorder archived them, since the recorder thread started',
    (c, s) => c.lost[s],
    'counter',
  );
  fromRecorder(
    'scs_archive_commit_lag_records',
    'Records acquired and not yet committed to the archive',
    (c, s, i) => Math.max(0, (ringHeads()[i] ?? 0) - c.committedPos[s]),
    'gauge',
  );
  new Counter({
    name: 'scs_archive_retention_deleted_records_total',
    help: 'Records deleted by retention since the recorder thread started',
    registers,
    async collect() {
      this.reset();
      const c = await counters();
      if (c !== undefined) this.inc(c.retained);
    },
  });
}
