// The recorder thread, seen from the main thread: it archives every record the rings
// carry. Started before the acquisition, so `seq` continues after the archive's last
// record (ICD §6: kept across restarts where the archive is on); stopped after it, so
// what the rings still hold is recorded. A recorder that dies is restarted with capped,
// jittered backoff while distribution goes on; meanwhile `running` is false (health).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Stream } from '../../protocol/constants.ts';
import { ArchiveCounters, type ArchiveCountersBuffers, createArchiveCounters } from '../archive/counters.ts';
import { ArchiveErrorCode } from '../archive/errors.ts';
import type { FromRecorder, RecorderWorkerData, ToRecorder } from '../archive/messages.ts';
import { ArchiveQueryPool } from '../archive/query-pool.ts';
import type { RecorderCounters } from '../archive/recorder.ts';
import type { ArchiveConfig } from '../config/schema.ts';
import type { RingSetBuffers } from '../ring/ring.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { CodedError } from '../util/coded-error.ts';
import type { Logger } from '../util/logger.ts';
import { RESTART_BACKOFF, restartDelayMs } from '../util/restart.ts';

const RECORDER_ENTRY = new URL('../archive/recorder-worker.ts', import.meta.url).pathname;
const DAY_MS = 86_400_000;
/** After asking the recorder to stop, how long it may take to commit before it is terminated. */
const STOP_GRACE_MS = 3000;

/** Recorder restart delays: from `firstMs`, doubling per failed attempt up to `maxMs`. */
export interface ArchiveThreadOptions {
  /** Times restarts; default the system clock. */
  readonly clock?: Clock;
  /** The restart delays' jitter, in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** The shared counters to record into (default: new ones). */
  readonly counters?: ArchiveCountersBuffers;
  /** Every recorder event the thread posts (all but `committed`), after it is logged. */
  readonly onEvent?: (event: PostedEvent) => void;
}

type PostedEvent = Extract<FromRecorder, { kind: 'event' }>['event'];

/** Why a recorder thread ended: its coded error, or ERR_RECORDER_EXITED with the exit code. */
interface Failure {
  code: string;
  message: string;
}

export function archivePath(config: ArchiveConfig, stateDir: string): string {
  return isAbsolute(config.file) ? config.file : join(stateDir, config.file);
}

/** Most records per recorder transaction (the recorder's default maxBatch). */
const MAX_UNCOMMITTED = 16_384;

/**
 * The first seq of each stream for this run. After a clean stop the archive holds every
 * record ever sent, so seq continues right after it. After a crash, records may have been
 * sent to clients and not yet committed (up to a transaction plus a ring's worth): seq
 * jumps past all of them, so no seq is ever given to two records.
 */
export function firstSeqs(
  lastSeq: Record<Stream, number>,
  cleanStop: boolean,
  ringSlots: Record<Stream, number>,
): Record<Stream, number> {
  const out = {} as Record<Stream, number>;
  for (const s of Object.keys(lastSeq) as Stream[]) {
    const jump = cleanStop || lastSeq[s] === 0 ? 0 : ringSlots[s] + MAX_UNCOMMITTED;
    out[s] = lastSeq[s] + 1 + jump;
  }
  return out;
}

/** Marks, in the state dir, that the archive was closed cleanly (removed while the server runs). */
export function cleanStopMarker(stateDir: string): {
  wasClean: () => boolean;
  running: () => void;
  stopped: () => void;
} {
  const file = join(stateDir, 'archive.clean');
  return {
    wasClean: () => existsSync(file),
    running: () => rmSync(file, { force: true }),
    stopped: () => writeFileSync(file, `${new Date().toISOString()}\n`),
  };
}

export class ArchiveThread {
  readonly path: string;
  /** Where the actors run their archive queries (reads and encoding off the actor threads). */
  readonly queries: ArchiveQueryPool;
  readonly #data: RecorderWorkerData;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onEvent: (event: PostedEvent) => void;
  /** The recorder's totals (records, lost, deleted, duplicates per stream) and ring positions. */
  readonly sharedCounters: ArchiveCounters;
  /** Their shared memory, for the acquisition thread (file replays wait for the recorder). */
  readonly counterBuffers: ArchiveCountersBuffers;
  #worker: Worker | null = null;
  /** A recorder is ready and recording (false while a restart is pending or starting). */
  #recording = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #restarts = 0;
  /** Restart attempts since a recorder last ran stably: the backoff's exponent. */
  #attempt = 0;
  #restartTimer: unknown;
  /** The code of the last failure, until a recorder is ready again. */
  #lastErrorCode: string | undefined;
  /** Recording is paused: the disk is full (from the recorder's disk-full and resumed events). */
  #diskFull = false;
  #diskFullPauses = 0;
  /** Callers of counters() waiting for the recorder's reply, oldest first (replies come in order). */
  #countersWaiting: ((c: RecorderCounters | undefined) => void)[] = [];

  private constructor(path: string, data: RecorderWorkerData, log: Logger, opts: ArchiveThreadOptions) {
    this.path = path;
    this.#data = data;
    this.#log = log;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#onEvent = opts.onEvent ?? (() => undefined);
    this.counterBuffers = data.counters!;
    this.sharedCounters = new ArchiveCounters(this.counterBuffers);
    this.queries = new ArchiveQueryPool(path, log);
  }

  /** A recorder thread is ready and recording (false while a restart is pending or starting). */
  get running(): boolean {
    return this.#recording;
  }

  /** Restart attempts made, failed ones included. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The ERR_* code of the last failure while no recorder runs; undefined once one is ready. */
  get lastErrorCode(): string | undefined {
    return this.#lastErrorCode;
  }

  /** Recording is paused because the disk is full (the recorder retries until there is room). */
  get diskFull(): boolean {
    return this.#diskFull;
  }

  /** Times recording paused for a full disk, over all recorder threads. */
  get diskFullPauses(): number {
    return this.#diskFullPauses;
  }

  /** The running recorder's counters; undefined while none runs or when it does not answer in time. */
  counters(timeoutMs = 1000): Promise<RecorderCounters | undefined> {
    const worker = this.#worker;
    if (worker === null || !this.#recording) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (c: RecorderCounters | undefined) => {
        clearTimeout(timer);
        const i = this.#countersWaiting.indexOf(done);
        if (i >= 0) this.#countersWaiting.splice(i, 1);
        resolve(c);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      timer.unref();
      this.#countersWaiting.push(done);
      worker.postMessage({ kind: 'counters' } satisfies ToRecorder);
    });
  }

  /** The recorder thread under way, null while a restart is pending (tests kill it through this). */
  get recorder(): Worker | null {
    return this.#worker;
  }

  /**
   * Opens the archive and starts recording; resolves with the last archived seq of each stream.
   * Rejects (no retry: the server does not start) when the first recorder fails before it is ready.
   */
  static async start(
    config: ArchiveConfig,
    stateDir: string,
    rings: RingSetBuffers,
    logLevel: string,
    log: Logger,
    opts: ArchiveThreadOptions = {},
  ): Promise<{ thread: ArchiveThread; lastSeq: Record<Stream, number> }> {
    const path = archivePath(config, stateDir);
    const data: RecorderWorkerData = {
      rings,
      path,
      logLevel,
      counters: opts.counters ?? createArchiveCounters(),
      store: { parameterKeyIndex: config.parameterKeyIndex },
      recorder: {
        commitMs: config.commitMs,
        retention: {
          ...(config.maxAgeDays > 0 ? { maxAgeMs: config.maxAgeDays * DAY_MS } : {}),
          ...(config.maxBytes > 0 ? { maxBytes: config.maxBytes } : {}),
        },
      },
    };
    const thread = new ArchiveThread(path, data, log, opts);
    try {
      return { thread, lastSeq: await thread.#spawn() };
    } catch (err) {
      // A recorder that cannot start must not leave the query pool's threads running.
      await thread.queries.destroy();
      throw err;
    }
  }

  /**
   * Starts one recorder thread; resolves with the archive's last seqs once it records, rejects
   * when it ends before that. A restarted recorder picks its ring positions from the archive's
   * last committed seqs (Recorder): what the rings still hold is recorded, what they overwrote
   * meanwhile is counted and noted as a hole.
   */
  #spawn(): Promise<Record<Stream, number>> {
    const worker = new Worker(RECORDER_ENTRY, { workerData: this.#data, name: 'scs-archive' });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      let readyAt: number | undefined;
      let failure: Failure | undefined;
      worker.on('message', (m: FromRecorder) => {
        if (m.kind === 'ready') {
          readyAt = this.#clock.monoMs();
          this.#lastErrorCode = undefined;
          this.#recording = true;
          resolve(m.lastSeq);
        } else if (m.kind === 'counters') {
          this.#countersWaiting[0]?.(m.counters);
        } else if (m.kind === 'event') {
          if (m.event.kind === 'disk-full') {
            this.#diskFull = true;
            this.#diskFullPauses++;
          }
          if (m.event.kind === 'resumed') this.#diskFull = false;
          this.#log.warn({ event: m.event }, `archive: ${m.event.kind}`);
          this.#onEvent(m.event);
        } else if (m.kind === 'fatal') {
          failure ??= { code: m.code ?? ArchiveErrorCode.ERR_RECORDER_EXITED, message: m.message };
        }
      });
      worker.on('error', (err) => {
        failure ??= { code: codeOf(err), message: err.message };
      });
      // 'error' and a 'fatal' message both come before 'exit': the failure is known here.
      worker.on('exit', (exitCode) => {
        this.#worker = null;
        this.#recording = false;
        this.#diskFull = false;
        for (const waiting of [...this.#countersWaiting]) waiting(undefined);
        const cause = failure ?? {
          code: ArchiveErrorCode.ERR_RECORDER_EXITED,
          message: `the recorder thread exited with code ${exitCode}`,
        };
        if (readyAt === undefined) {
          this.#lastErrorCode = cause.code;
          reject(new CodedError(cause.code, `archive ${this.path}: ${cause.message}`));
          return;
        }
        if (this.#stopping) {
          if (failure)
            this.#log.error(
              { code: failure.code, reason: failure.message },
              'archive recorder failed while stopping',
            );
          return;
        }
        if (this.#clock.monoMs() - readyAt >= RESTART_BACKOFF.stableMs) this.#attempt = 0;
        this.#lastErrorCode = cause.code;
        this.#scheduleRestart(cause);
      });
    });
  }

  /**
   * Live distribution does not depend on the recorder (it is one more ring reader), so it goes on
   * while the recorder restarts with backoff; a failed restart schedules the next one.
   */
  #scheduleRestart(cause: Failure): void {
    const delayMs = restartDelayMs(this.#attempt, this.#random);
    this.#attempt++;
    this.#log.error(
      { code: cause.code, reason: cause.message, attempt: this.#attempt, delayMs },
      'archive recorder thread ended; restarting',
    );
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      this.#restarts++;
      this.#spawn().then(
        (lastSeq) => this.#log.info({ attempt: this.#attempt, lastSeq }, 'archive recorder restarted'),
        (err: unknown) => {
          if (!this.#stopping) this.#scheduleRestart({ code: codeOf(err), message: String(err) });
        },
      );
    }, delayMs);
    // A pending restart must not keep the process alive on its own (the system clock's timer).
    (this.#restartTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Ends the queries, cancels a pending restart, commits what was recorded and closes the file. */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    await this.queries.destroy();
    const worker = this.#worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'stop' } satisfies ToRecorder);
    const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ArchiveErrorCode.ERR_RECORDER_EXITED;
}
