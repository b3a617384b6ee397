// The main thread: composes the pipeline (acquisition → ring → actors → wire) and owns
// its life cycle. `close()` is graceful and idempotent; `destroy()` is hard.
import type { Worker } from 'node:worker_threads';
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import { SIMULATOR_LINK_ID } from '../acquisition/simulator.ts';
import type { ActorInit } from '../actors/context.ts';
import { Admission, createAdmission } from '../admission/admission.ts';
import { createAuthGate } from '../admission/auth-gate.ts';
import { bootId } from '../admission/client-id.ts';
import { createQuotas, Quotas } from '../admission/quota.ts';
import { ArchiveCounters, createArchiveCounters } from '../archive/counters.ts';
import type { QueryPoolStats } from '../archive/query-pool.ts';
import { type CliOverrides, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { usesDemoToken } from '../config/token.ts';
import { createMetrics } from '../metrics/counters.ts';
import { createDownlinkMetrics, DownlinkMetricsReader } from '../metrics/downlink.ts';
import { createRegistry } from '../metrics/registry.ts';
import { registerServiceMetrics } from '../metrics/service-registry.ts';
import { createRingSet, RingSetReader } from '../ring/ring.ts';
import { createValueTable } from '../ring/value-table.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { createLogger, type Logger } from '../util/logger.ts';
import { version } from '../version.ts';
import { createDisplay, displaySlots } from '../web/display.ts';
import { AcquisitionThread, type InjectRecord } from './acquisition.ts';
import { ActorPool } from './actor-pool.ts';
import { ArchiveThread, cleanStopMarker, firstSeqs } from './archive.ts';
import { ArchiveEvents } from './archive-events.ts';
import { Listener } from './listener.ts';
import { assertSocketTransfer } from './node-check.ts';
import { type OpsRoute, type OpsUpgrade, startOpsHttp } from './ops-http.ts';
import { opsMdbRoute } from './ops-mdb.ts';
import { preflight, type SourceChoice } from './preflight.ts';
import { lockStateDir } from './state-lock.ts';

export type { SourceChoice };

export interface StartOptions {
  /** A config file merged over config/default.json. */
  configFile?: string;
  /** A config object merged over config/default.json (and over configFile). */
  config?: Record<string, unknown>;
  overrides?: CliOverrides;
  source?: SourceChoice;
  logger?: Logger;
  clock?: Clock;
}

export interface ScsServer {
  readonly config: Config;
  readonly port: number;
  readonly httpPort: number;
  readonly clientIdPrefix: string;
  /** The actor threads (supervision tooling, fault-injection tests). */
  actorThreads(): readonly Worker[];
  inject(records: readonly InjectRecord[]): Promise<void>;
  setLink(up: boolean): void;
  /** A mission-database control request (src/mdb/control.ts) run on the acquisition thread: its reply. */
  mdbControl(msg: unknown): Promise<unknown>;
  /** The archive query pool's counters; undefined without an archive. */
  archiveQueries(): QueryPoolStats | undefined;
  /** Tests: the archive recorder thread, null while it restarts or without an archive. */
  archiveRecorder(): Worker | null;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startServer(opts: StartOptions = {}): Promise<ScsServer> {
  assertSocketTransfer();
  const config = loadConfig({ file: opts.configFile, object: opts.config, overrides: opts.overrides });
  const log = opts.logger ?? createLogger({ level: config.log.level, name: 'scs' });
  const clock = opts.clock ?? systemClock;
  // Before any thread starts, the checks `scs check-config` makes: a bad certificate, database,
  // link or standing order stops the server cleanly, with the configuration file named.
  const { tls, source, mdb, dictionary, agencies, standing } = preflight(config, {
    file: opts.configFile ?? (opts.config === undefined ? undefined : 'configuration object'),
    ...(opts.source ? { source: opts.source } : {}),
    log,
    clock,
  });
  for (const id of usesDemoToken(config)) {
    log.warn({ agency: id }, `agency ${id} uses its demo token: replace it before operations (scs token)`);
  }

  // One server per state directory: a second one stops here, before it writes anything.
  const stateLock = lockStateDir(config.server.stateDir);
  const boot = bootId(config.server.stateDir);
  const downlinkMetrics = createDownlinkMetrics(
    source.kind === 'simulator'
      ? [{ id: SIMULATOR_LINK_ID, station: config.simulator.station }]
      : config.links.map((l) => ({ id: l.id, station: l.station })),
  );
  const rings = createRingSet(STREAMS.map((s) => config.ring[s]));
  const valueTable = createValueTable(Math.max(1, dictionary.length), config.ring.parameters.slotBytes);
  const agencyList = [...agencies.values()].sort((a, b) => a.index - b.index);
  const admission = createAdmission(
    agencyList.map((a) => a.maxConnections),
    config.server.maxClients,
    // The display's WebSockets hold admission slots above the listener's (src/web/realtime.ts).
    config.server.maxSockets + displaySlots(config.display),
  );
  const archiveQuotas = createQuotas(
    agencyList.map((a) => a.maxArchiveQueries),
    config.server.maxSockets,
  );
  // One token-check gate for the TCP port (every actor), the display login and /mdb/*.
  const authGate = createAuthGate();
  // Replaced actors claim fresh regions; room for many replacements.
  const metrics = createMetrics(config.server.actors * 8 + 8, agencyList.length);
  const archiveCounters = config.archive.enabled ? createArchiveCounters() : undefined;
  // Recorder losses and purges become events once the acquisition thread (the events' writer) runs.
  const archiveEvents = new ArchiveEvents(clock);

  // Started below, after both ports are bound.
  let archive: ArchiveThread | undefined;
  let acquisition: AcquisitionThread | undefined;
  let pool: ActorPool | undefined;
  let accepting = false;

  // Both ports are bound before any thread starts or anything is recorded: a port in use stops
  // the server here. Connections that arrive meanwhile wait (paused, or queued by the HTTP server).
  const admissionView = new Admission(admission);
  const listener = new Listener({
    host: config.server.host,
    port: config.server.port,
    maxSockets: config.server.maxSockets,
    maxSocketsPerIp: config.server.maxSocketsPerIp,
    connectRatePerIp: config.server.connectRatePerIp,
    clock,
    admission: admissionView,
    quotas: new Quotas(archiveQuotas),
    log,
  });
  const reader = new RingSetReader(rings);
  const registry = createRegistry({
    metrics,
    admission: admissionView,
    agencyNames: agencyList.map((a) => a.id),
    ringHeads: () => STREAMS.map((_, r) => reader.head(r)),
    ringDropped: () => STREAMS.map((_, r) => reader.droppedTooLarge(r)),
    extra: {
      main: listener.counters,
      downlink: downlinkMetrics,
      ...(archiveCounters
        ? { archiveRestarts: () => archive?.restarts ?? 0, archive: new ArchiveCounters(archiveCounters) }
        : {}),
    },
  });
  const linkView = new DownlinkMetricsReader(downlinkMetrics);
  const startedMs = Date.now();
  // Filled once the threads run.
  const routes: OpsRoute[] = [];
  const upgrades: OpsUpgrade[] = [];
  const bound = await (async () => {
    const ops = await startOpsHttp({
      host: config.server.httpHost,
      port: config.server.httpPort,
      registry,
      health: () => {
        if (acquisition === undefined || pool === undefined) return { ok: false, detail: { starting: true } };
        return {
          ok:
            acquisition.running &&
            pool.threads > 0 &&
            archive?.running !== false &&
            !archiveEvents.degraded(),
          detail: {
            version: version(),
            uptimeSeconds: Math.round((Date.now() - startedMs) / 1000),
            acquisition: acquisition.running,
            ...(acquisition.running ? {} : { acquisitionError: acquisition.lastErrorCode ?? null }),
            archive: archive === undefined ? 'disabled' : archive.running,
            ...(archive && !archive.running ? { archiveError: archive.lastErrorCode ?? null } : {}),
            archiveState:
              archive === undefined
                ? 'disabled'
                : !archive.running
                  ? 'restarting'
                  : archive.diskFull
                    ? 'paused: disk full'
                    : 'recording',
            links: linkView.links.map((l, i) => ({
              id: l.id,
              station: l.station,
              up: linkView.link(i, 'up') === 1,
              syncLocked: linkView.link(i, 'syncLocked') === 1,
            })),
            ...(archiveEvents.degraded() ? { archiveRecordsLost: archiveEvents.recentLoss() } : {}),
            actors: pool.threads,
            openSockets: listener.openSockets,
          },
        };
      },
      ready: () => accepting && acquisition?.running === true,
      logger: log,
      routes,
      upgrades,
    });
    try {
      return { ops, port: await listener.listen() };
    } catch (err) {
      await ops.close();
      throw err;
    }
  })().catch((err: unknown) => {
    stateLock.release();
    throw err;
  });
  const { ops, port } = bound;
  // A failure from here on must not leave threads running (the process would hang) or the ports bound.
  const abort = async (err: unknown): Promise<never> => {
    await Promise.allSettled([pool?.destroy(), acquisition?.stop(), listener.close(), ops.close()]);
    await archive?.stop();
    stateLock.release();
    throw err;
  };

  // The recorder starts first: the acquisition continues each stream's seq after the archive's last.
  let archiveMarker: ReturnType<typeof cleanStopMarker> | undefined;
  let initialSeq: Partial<Record<Stream, number>> | undefined;
  if (archiveCounters) {
    const started = await ArchiveThread.start(
      config.archive,
      config.server.stateDir,
      rings,
      config.log.level,
      log.child({ thread: 'archive' }),
      { onEvent: (e) => archiveEvents.recorder(e), counters: archiveCounters },
    ).catch(abort);
    archive = started.thread;
    const marker = cleanStopMarker(config.server.stateDir);
    initialSeq = firstSeqs(
      started.lastSeq,
      marker.wasClean(),
      Object.fromEntries(STREAMS.map((s) => [s, config.ring[s].slots])) as Record<Stream, number>,
    );
    marker.running();
    archiveMarker = marker;
  }
  const acq = new AcquisitionThread(
    {
      rings,
      valueTable,
      source,
      mdb,
      downlinkMetrics,
      logLevel: config.log.level,
      ...(initialSeq ? { initialSeq } : {}),
      ...(archiveCounters ? { archiveCounters } : {}),
    },
    log.child({ thread: 'acquisition' }),
  );
  archiveEvents.raiseWith((event) =>
    acq.inject([{ stream: 'events', rec: event }]).catch((err: unknown) => {
      log.warn({ err, event }, 'archive event not raised: the acquisition thread is not running');
    }),
  );
  await acq.start().catch(abort);
  acquisition = acq;

  const init: ActorInit = {
    config,
    rings,
    valueTable,
    admission,
    metrics,
    dictionary,
    bootId: boot,
    controlChannel: `scs-control-${boot}-${process.pid}`,
    ...(tls ? { tls } : {}),
    ...(archive ? { archive: archive.queries.address } : {}),
    archiveQuotas,
    authGate,
  };
  const actors = new ActorPool(init, config.server.actors, config.server.maxSockets);
  pool = actors;
  const recorder = archive;
  registerServiceMetrics(registry, {
    version: version(),
    ringHeads: () => STREAMS.map((_, r) => reader.head(r)),
    actorRestarts: () => actors.restarts,
    acquisitionRestarts: () => acq.restarts,
    ...(recorder
      ? {
          archive: {
            path: recorder.path,
            get running() {
              return recorder.running;
            },
            get diskFull() {
              return recorder.diskFull;
            },
            get diskFullPauses() {
              return recorder.diskFullPauses;
            },
            counters: () => recorder.counters(),
            maxAgeDays: config.archive.maxAgeDays,
            maxBytes: config.archive.maxBytes,
          },
        }
      : {}),
  });
  const display = await Promise.resolve()
    .then(() =>
      config.display.enabled
        ? createDisplay({
            config: config.display,
            agencies,
            dictionary,
            rings,
            valueTable,
            admission,
            slotBase: config.server.maxSockets,
            metrics,
            registry,
            authGate,
            ...(archive ? { historyQuery: archiveHistory(archive) } : {}),
            log: log.child({ area: 'display' }),
          })
        : undefined,
    )
    .catch(abort);
  routes.push(
    opsMdbRoute({
      config,
      control: (msg) => acq.control(msg),
      authGate,
      log: log.child({ area: 'ops-mdb' }),
    }),
    ...(display?.routes ?? []),
  );
  upgrades.push(...(display?.upgrades ?? []));
  listener.attach(actors);
  accepting = true;
  standing?.start();
  log.info(
    { host: config.server.host, port, httpPort: ops.port, actors: config.server.actors, bootId: boot },
    'SCS listening',
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      accepting = false;
      await listener.close();
      display?.close();
      await standing?.close();
      // Leave time within shutdownMs to tear the threads down after the sessions.
      await actors.drain(Math.max(500, config.server.shutdownMs - 1500));
      await actors.destroy();
      await acq.stop();
      // After the acquisition: what the rings still hold gets recorded.
      await archive?.stop();
      archiveMarker?.stopped();
      await ops.close();
      stateLock.release();
      log.info('SCS stopped');
    })();
    return closing;
  };
  const destroy = async () => {
    accepting = false;
    closing ??= Promise.resolve();
    display?.close();
    await Promise.allSettled([
      listener.close(),
      actors.destroy(),
      acq.stop(),
      ops.close(),
      standing?.close(),
    ]);
    await archive?.stop();
    stateLock.release();
  };
  return {
    config,
    port,
    httpPort: ops.port,
    clientIdPrefix: boot,
    actorThreads: () => actors.workers(),
    inject: (records) => acq.inject(records),
    setLink: (up) => acq.setLink(up),
    mdbControl: (msg) => acq.control(msg),
    archiveQueries: () => archive?.queries.stats(),
    archiveRecorder: () => archive?.recorder ?? null,
    close,
    destroy,
  };
}

/** The display's history source: the archive's query pool. */
function archiveHistory(
  archive: ArchiveThread,
): NonNullable<Parameters<typeof createDisplay>[0]['historyQuery']> {
  return (q, signal) => archive.queries.history(q, signal);
}
