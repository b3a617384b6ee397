// The main thread: composes the pipeline (acquisition → ring → actors → wire) and owns
// its life cycle. `close()` is graceful and idempotent; `destroy()` is hard.
import type { Worker } from 'node:worker_threads';
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import { AcquisitionError, AcquisitionErrorCode } from '../acquisition/errors.ts';
import { DEMO_MISSION_FILE, type SourceSpec, sourceDictionary } from '../acquisition/index.ts';
import { SIMULATOR_LINK_ID } from '../acquisition/simulator.ts';
import type { ActorInit } from '../actors/context.ts';
import { Admission, createAdmission } from '../admission/admission.ts';
import { createAuthGate } from '../admission/auth-gate.ts';
import { bootId } from '../admission/client-id.ts';
import { createQuotas, Quotas } from '../admission/quota.ts';
import type { QueryPoolStats } from '../archive/query-pool.ts';
import { compileAgencies } from '../config/access.ts';
import { type CliOverrides, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { usesDemoToken } from '../config/token.ts';
import { StandingOrders } from '../export/standing.ts';
import { parseMdbText, readMdbText } from '../mdb/load.ts';
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
import { ArchiveThread, archivePath, cleanStopMarker, firstSeqs } from './archive.ts';
import { ArchiveEvents } from './archive-events.ts';
import { Listener } from './listener.ts';
import { assertSocketTransfer } from './node-check.ts';
import { startOpsHttp } from './ops-http.ts';
import { opsMdbRoute } from './ops-mdb.ts';
import { loadTls } from './tls.ts';

/** Which source feeds the acquisition thread: the simulator (configured by `simulator`) or a test source. */
export type SourceChoice =
  | { kind: 'simulator' }
  | { kind: 'downlink' }
  | Extract<SourceSpec, { kind: 'test' }>;

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
  // Before any thread starts: a bad certificate stops the server cleanly.
  const tls = loadTls(config.server.tls);
  const log = opts.logger ?? createLogger({ level: config.log.level, name: 'scs' });
  const clock = opts.clock ?? systemClock;
  for (const id of usesDemoToken(config)) {
    log.warn({ agency: id }, `agency ${id} uses its demo token: replace it before operations (scs token)`);
  }

  const boot = bootId(config.server.stateDir);
  const choice: SourceChoice =
    opts.source ??
    (config.links.length > 0
      ? { kind: 'downlink' }
      : config.simulator.enabled
        ? { kind: 'simulator' }
        : { kind: 'test', options: { mode: 'inject' } });
  const source = sourceSpec(choice, config);
  // Read once: the acquisition thread (and any restart of it) decodes with this very text.
  const mdb = {
    ...readMdbText(config.mdb.file ?? DEMO_MISSION_FILE),
    ...(config.mdb.strict ? { strict: true } : {}),
  };
  // Loaded here first: a bad database stops the server before any thread starts.
  const model = parseMdbText(mdb);
  // What an XTCE import left out: one warning per root cause, naming file, line and what is lost.
  for (const w of model.warnings ?? []) {
    log.warn({ file: mdb.file, line: w.line, path: w.path, rule: w.rule }, `mission database: ${w.message}`);
  }
  const dictionary = sourceDictionary(source, model);
  // Checked here too: an order that can never run stops the server before any thread starts.
  const standing =
    config.standingOrders.length === 0
      ? undefined
      : new StandingOrders({
          orders: config.standingOrders,
          ...(config.archive.enabled
            ? { archivePath: archivePath(config.archive, config.server.stateDir) }
            : {}),
          stateDir: config.server.stateDir,
          log: log.child({ component: 'standing-orders' }),
          clock,
        });
  const downlinkMetrics = createDownlinkMetrics(
    source.kind === 'simulator'
      ? [{ id: SIMULATOR_LINK_ID, station: config.simulator.station }]
      : config.links.map((l) => ({ id: l.id, station: l.station })),
  );
  const rings = createRingSet(STREAMS.map((s) => config.ring[s]));
  const valueTable = createValueTable(Math.max(1, dictionary.length), config.ring.parameters.slotBytes);
  const agencies = compileAgencies(config);
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

  // The recorder starts first: the acquisition continues each stream's seq after the archive's last.
  let archive: ArchiveThread | undefined;
  let archiveMarker: ReturnType<typeof cleanStopMarker> | undefined;
  let initialSeq: Partial<Record<Stream, number>> | undefined;
  // Recorder losses and purges become events once the acquisition thread (the events' writer) runs.
  const archiveEvents = new ArchiveEvents(clock);
  if (config.archive.enabled) {
    const started = await ArchiveThread.start(
      config.archive,
      config.server.stateDir,
      rings,
      config.log.level,
      log.child({ thread: 'archive' }),
      { onEvent: (e) => archiveEvents.recorder(e) },
    );
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
  const acquisition = new AcquisitionThread(
    {
      rings,
      valueTable,
      source,
      mdb,
      downlinkMetrics,
      logLevel: config.log.level,
      ...(initialSeq ? { initialSeq } : {}),
      ...(archive ? { archiveCounters: archive.counterBuffers } : {}),
    },
    log.child({ thread: 'acquisition' }),
  );
  archiveEvents.raiseWith((event) =>
    acquisition.inject([{ stream: 'events', rec: event }]).catch((err: unknown) => {
      log.warn({ err, event }, 'archive event not raised: the acquisition thread is not running');
    }),
  );
  await acquisition.start().catch(async (err: unknown) => {
    await archive?.stop();
    throw err;
  });

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
  const pool = new ActorPool(init, config.server.actors, config.server.maxSockets);
  const admissionView = new Admission(admission);
  const listener = new Listener({
    host: config.server.host,
    port: config.server.port,
    maxSockets: config.server.maxSockets,
    maxSocketsPerIp: config.server.maxSocketsPerIp,
    connectRatePerIp: config.server.connectRatePerIp,
    clock,
    pool,
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
      ...(archive ? { archiveRestarts: () => archive.restarts, archive: archive.sharedCounters } : {}),
    },
  });
  registerServiceMetrics(registry, {
    version: version(),
    ringHeads: () => STREAMS.map((_, r) => reader.head(r)),
    actorRestarts: () => pool.restarts,
    acquisitionRestarts: () => acquisition.restarts,
    ...(archive
      ? {
          archive: {
            path: archive.path,
            get running() {
              return archive.running;
            },
            get diskFull() {
              return archive.diskFull;
            },
            get diskFullPauses() {
              return archive.diskFullPauses;
            },
            counters: () => archive.counters(),
            maxAgeDays: config.archive.maxAgeDays,
            maxBytes: config.archive.maxBytes,
          },
        }
      : {}),
  });
  const linkView = new DownlinkMetricsReader(downlinkMetrics);
  const startedMs = Date.now();
  let accepting = false;
  // A port in use must not leave the threads started above running (the process would hang).
  const abort = async (err: unknown): Promise<never> => {
    await Promise.allSettled([pool.destroy(), acquisition.stop()]);
    await archive?.stop();
    throw err;
  };
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
            ...(archive ? { historyQuery: (q, signal) => archive.queries.history(q, signal) } : {}),
            log: log.child({ area: 'display' }),
          })
        : undefined,
    )
    .catch(abort);
  const ops = await startOpsHttp({
    host: config.server.httpHost,
    port: config.server.httpPort,
    registry,
    health: () => ({
      ok: acquisition.running && pool.threads > 0 && archive?.running !== false && !archiveEvents.degraded(),
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
    }),
    ready: () => accepting && acquisition.running,
    logger: log,
    routes: [
      opsMdbRoute({
        config,
        control: (msg) => acquisition.control(msg),
        authGate,
        log: log.child({ area: 'ops-mdb' }),
      }),
      ...(display?.routes ?? []),
    ],
    ...(display ? { upgrades: display.upgrades } : {}),
  }).catch(async (err: unknown) => {
    display?.close();
    return abort(err);
  });
  const port = await listener.listen().catch(async (err: unknown) => {
    await ops.close();
    return abort(err);
  });
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
      await pool.drain(Math.max(500, config.server.shutdownMs - 1500));
      await pool.destroy();
      await acquisition.stop();
      // After the acquisition: what the rings still hold gets recorded.
      await archive?.stop();
      archiveMarker?.stopped();
      await ops.close();
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
      pool.destroy(),
      acquisition.stop(),
      ops.close(),
      standing?.close(),
    ]);
    await archive?.stop();
  };
  return {
    config,
    port,
    httpPort: ops.port,
    clientIdPrefix: boot,
    actorThreads: () => pool.workers(),
    inject: (records) => acquisition.inject(records),
    setLink: (up) => acquisition.setLink(up),
    mdbControl: (msg) => acquisition.control(msg),
    archiveQueries: () => archive?.queries.stats(),
    archiveRecorder: () => archive?.recorder ?? null,
    close,
    destroy,
  };
}

function sourceSpec(choice: SourceChoice, config: Config): SourceSpec {
  switch (choice.kind) {
    case 'simulator':
      return { kind: 'simulator', config: { ...config.simulator, stateDir: config.server.stateDir } };
    case 'downlink':
      if (config.simulator.enabled && config.links.length > 0) {
        throw new AcquisitionError(
          AcquisitionErrorCode.ERR_SOURCE_SPEC,
          'links are configured and simulator.enabled is true: set simulator.enabled to false',
        );
      }
      return { kind: 'downlink', config: { links: config.links, stateDir: config.server.stateDir } };
    default:
      return choice;
  }
}
