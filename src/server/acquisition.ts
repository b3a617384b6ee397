// The acquisition thread, seen from the main thread: start, inject (tests, ops),
// stop, and restart after a crash. It is the rings' single writer, so at most one
// runs at a time. A restart that fails is retried with capped, jittered backoff until
// one succeeds or the thread is stopped; meanwhile `running` is false (health reports it).
import { Worker } from 'node:worker_threads';
import { AcquisitionError, AcquisitionErrorCode, ControlError } from '../acquisition/errors.ts';
import type {
  AcquisitionWorkerData,
  FromAcquisition,
  InjectRecord,
  ToAcquisition,
} from '../acquisition/messages.ts';
import { ControlJournal } from '../mdb/control-journal.ts';
import type { MdbText } from '../mdb/load.ts';
import { ControlBlock } from '../ring/layout.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { RESTART_BACKOFF, restartDelayMs } from '../util/restart.ts';

export type { InjectRecord };

const ACQUISITION_ENTRY = new URL('../../workers/acquisition.ts', import.meta.url).pathname;

/** Restart delays: from `firstMs`, doubling per failed attempt up to `maxMs`. */
export interface AcquisitionThreadOptions {
  /** Times restarts; default the system clock. */
  readonly clock?: Clock;
  /** The restart delays' jitter, in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** The worker's module; default workers/acquisition.ts. */
  readonly entry?: string;
}

export class AcquisitionThread {
  readonly #workerData: AcquisitionWorkerData;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #entry: string;
  /**
   * The mission database in force: the one the thread started with, then each accepted reload.
   * A restarted thread gets this text, so it decodes with the dictionary the main thread, the
   * actors and the value table hold even if the file changed or vanished on disk since.
   */
  #database: MdbText | undefined;
  #worker: Worker | null = null;
  #stopping = false;
  #restarts = 0;
  /** Restart attempts since a thread last ran stably: the backoff's exponent. */
  #attempt = 0;
  #restartTimer: unknown;
  /** The code of the last start or run failure, until a thread is ready again. */
  #lastErrorCode: string | undefined;
  #pending: ((m: FromAcquisition) => void)[] = [];
  /** Control requests awaiting their reply, by id; all rejected when the thread ends. */
  readonly #controls = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  #nextControl = 1;
  /** Operator changes to the mission database, re-applied to a thread restarted after a crash. */
  readonly #journal = new ControlJournal();
  /** Control requests are taken once the thread is ready and any re-application is queued first. */
  #accepting = false;

  readonly #control: ControlBlock;

  constructor(workerData: AcquisitionWorkerData, log: Logger, opts: AcquisitionThreadOptions = {}) {
    this.#workerData = workerData;
    this.#database = workerData.mdb;
    this.#control = new ControlBlock(workerData.rings.control);
    this.#log = log;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#entry = opts.entry ?? ACQUISITION_ENTRY;
  }

  /** Restart attempts made, failed ones included. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The ERR_* code of the last failure while no thread runs; undefined once one is ready. */
  get lastErrorCode(): string | undefined {
    return this.#lastErrorCode;
  }

  /** The mission database a restarted thread starts with. */
  get database(): MdbText | undefined {
    return this.#database;
  }

  /** A thread is ready and acquiring (false while a restart is pending or starting). */
  get running(): boolean {
    return this.#accepting;
  }

  /** Starts the thread; rejects when it fails before it is ready (no retry: the caller decides). */
  start(): Promise<void> {
    const data: AcquisitionWorkerData = {
      ...this.#workerData,
      ...(this.#database === undefined ? {} : { mdb: this.#database }),
    };
    const worker = new Worker(this.#entry, { workerData: data, name: 'scs-acquisition' });
    this.#worker = worker;
    this.#accepting = false;
    return new Promise((resolve, reject) => {
      let readyAt: number | undefined;
      let failure: Error | undefined;
      let fatalCode: string | undefined;
      worker.on('message', (m: FromAcquisition) => {
        if (m.kind === 'ready') {
          readyAt = this.#clock.monoMs();
          this.#lastErrorCode = undefined;
          this.#reapply();
          this.#accepting = true;
          resolve();
        } else if (m.kind === 'control-reply') {
          this.#settleControl(m);
        } else if (m.kind === 'database') {
          this.#database = m.database;
        } else if (m.kind === 'fatal') {
          fatalCode = m.code;
          this.#log.error({ code: m.code, message: m.message }, 'acquisition source failed');
        } else {
          this.#pending.shift()?.(m);
        }
      });
      worker.on('error', (err) => {
        failure = err;
        if (readyAt !== undefined) this.#log.error({ err }, 'acquisition thread error');
      });
      worker.on('exit', (code) => {
        this.#worker = null;
        this.#accepting = false;
        // Nobody acquires now: heartbeats must say so (DATA_BREAK, linkUp false).
        this.#control.setLinkUp(false);
        for (const p of this.#pending.splice(0)) p({ kind: 'stopped' });
        // A restarted thread has a fresh handler that never saw these requests.
        for (const c of this.#controls.values())
          c.reject(notRunning('the acquisition thread ended before replying'));
        this.#controls.clear();
        if (readyAt === undefined) {
          // 'error' (when the thread threw) comes before 'exit': its error, code included, is the cause.
          const err =
            failure ??
            new AcquisitionError(
              AcquisitionErrorCode.ERR_ACQUISITION_FAILED,
              `the acquisition thread exited with code ${code} before it was ready`,
            );
          this.#lastErrorCode = failure === undefined ? (fatalCode ?? codeOf(err)) : codeOf(failure);
          reject(err);
          return;
        }
        if (this.#stopping) return;
        if (this.#clock.monoMs() - readyAt >= RESTART_BACKOFF.stableMs) this.#attempt = 0;
        this.#lastErrorCode = fatalCode ?? codeOf(failure);
        this.#scheduleRestart(`exited with code ${code}`);
      });
    });
  }

  /**
   * Distribution goes on without new data (clients see DATA_BREAK) while the source restarts with
   * backoff; a failed restart schedules the next, so acquisition comes back by itself once it can.
   */
  #scheduleRestart(reason: string): void {
    const delayMs = restartDelayMs(this.#attempt, this.#random);
    this.#attempt++;
    this.#log.error(
      { code: this.#lastErrorCode, attempt: this.#attempt, delayMs },
      `acquisition thread ${reason}; restarting`,
    );
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      this.#restarts++;
      this.start().then(
        () => this.#log.info({ attempt: this.#attempt }, 'acquisition thread restarted'),
        (err: unknown) => {
          if (!this.#stopping) this.#scheduleRestart(`failed to restart (${codeOf(err)})`);
        },
      );
    }, delayMs);
    // A pending restart must not keep the process alive on its own (the system clock's timer).
    (this.#restartTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  #request(msg: ToAcquisition): Promise<FromAcquisition> {
    const w = this.#worker;
    if (w === null) return Promise.resolve({ kind: 'stopped' });
    return new Promise((resolve) => {
      this.#pending.push(resolve);
      w.postMessage(msg);
    });
  }

  /** Writes records through the acquisition side, as if acquired; resolves once committed. */
  async inject(records: readonly InjectRecord[]): Promise<void> {
    const r = await this.#request({ kind: 'inject', records: [...records] });
    if (r.kind !== 'injected') throw new Error('acquisition thread is not running');
  }

  /**
   * Sends an operator request to the acquisition thread's mission-database handler and resolves
   * with its reply. Rejects ERR_ACQUISITION_NOT_RUNNING when no thread runs or it ends first, or
   * with the handler's own error code.
   */
  control(msg: unknown): Promise<unknown> {
    if (!this.#accepting) return Promise.reject(notRunning('the acquisition thread is not running'));
    return this.#sendControl(msg).then((reply) => {
      if (this.#journal.changedBy(msg, reply)) this.#capture();
      return reply;
    });
  }

  /** Keeps the mission-database state in force (asked after the change, so it includes it). */
  #capture(): void {
    this.#sendControl({ op: 'overrides' }).then(
      (reply) => this.#journal.capture(reply),
      (err: unknown) => this.#log.warn({ err }, 'mission database state not captured'),
    );
  }

  /**
   * A restarted thread loaded the configured database: the operator's accepted reload and
   * overrides are sent to it before any new request can be (the thread handles them in order).
   */
  #reapply(): void {
    const requests = this.#journal.replay();
    for (const msg of requests) {
      this.#sendControl(msg).then(
        (reply) => {
          const r = reply as { ok?: unknown; code?: unknown; errors?: unknown };
          if (r.ok === true) this.#log.info({ request: msg }, 'mission database change re-applied');
          else
            this.#log.error(
              { request: msg, code: r.code, errors: r.errors },
              'mission database change not re-applied',
            );
        },
        (err: unknown) => this.#log.error({ err, request: msg }, 'mission database change not re-applied'),
      );
    }
    // What the thread now holds, should some change no longer apply (a database file since broken).
    if (requests.length > 0) this.#capture();
  }

  #sendControl(msg: unknown): Promise<unknown> {
    const w = this.#worker;
    if (w === null) return Promise.reject(notRunning('the acquisition thread is not running'));
    const id = this.#nextControl++;
    return new Promise((resolve, reject) => {
      this.#controls.set(id, { resolve, reject });
      const out: ToAcquisition = { kind: 'control', id, msg };
      w.postMessage(out);
    });
  }

  #settleControl(m: Extract<FromAcquisition, { kind: 'control-reply' }>): void {
    const c = this.#controls.get(m.id);
    if (c === undefined) return;
    this.#controls.delete(m.id);
    if (m.error === undefined) c.resolve(m.reply);
    else c.reject(new ControlError(m.error.code ?? AcquisitionErrorCode.ERR_CONTROL_FAILED, m.error.message));
  }

  setLink(up: boolean): void {
    const msg: ToAcquisition = { kind: 'link', up };
    this.#worker?.postMessage(msg);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#clock.clearTimeout(this.#restartTimer);
    const w = this.#worker;
    if (w === null) return;
    const timer = setTimeout(() => void w.terminate(), 2000);
    await this.#request({ kind: 'stop' });
    clearTimeout(timer);
    await w.terminate();
  }
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : AcquisitionErrorCode.ERR_ACQUISITION_FAILED;
}

function notRunning(message: string): AcquisitionError {
  return new AcquisitionError(AcquisitionErrorCode.ERR_ACQUISITION_NOT_RUNNING, message);
}
