// The acquisition thread, seen from the main thread: start, inject (tests, ops),
// stop, and restart after a crash. It is the rings' single writer, so at most one
// runs at a time.
import { Worker } from 'node:worker_threads';
import { AcquisitionError, AcquisitionErrorCode, ControlError } from '../acquisition/errors.ts';
import type {
  AcquisitionWorkerData,
  FromAcquisition,
  InjectRecord,
  ToAcquisition,
} from '../acquisition/messages.ts';
import { ControlJournal } from '../mdb/control-journal.ts';
import { ControlBlock } from '../ring/layout.ts';
import type { Logger } from '../util/logger.ts';

export type { InjectRecord };

const ACQUISITION_ENTRY = new URL('../../workers/acquisition.ts', import.meta.url).pathname;

export class AcquisitionThread {
  readonly #workerData: AcquisitionWorkerData;
  readonly #log: Logger;
  #worker: Worker | null = null;
  #stopping = false;
  #restarts = 0;
  #pending: ((m: FromAcquisition) => void)[] = [];
  /** Control requests awaiting their reply, by id; all rejected when the thread ends. */
  readonly #controls = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  #nextControl = 1;
  /** Operator changes to the mission database, re-applied to a thread restarted after a crash. */
  readonly #journal = new ControlJournal();
  /** Control requests are taken once the thread is ready and any re-application is queued first. */
  #accepting = false;

  readonly #control: ControlBlock;

  constructor(workerData: AcquisitionWorkerData, log: Logger) {
    this.#workerData = workerData;
    this.#control = new ControlBlock(workerData.rings.control);
    this.#log = log;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get running(): boolean {
    return this.#worker !== null;
  }

  start(): Promise<void> {
    const worker = new Worker(ACQUISITION_ENTRY, { workerData: this.#workerData, name: 'scs-acquisition' });
    this.#worker = worker;
    this.#accepting = false;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromAcquisition) => {
        if (m.kind === 'ready') {
          ready = true;
          this.#reapply();
          this.#accepting = true;
          resolve();
        } else if (m.kind === 'control-reply') {
          this.#settleControl(m);
        } else if (m.kind === 'fatal') {
          this.#log.error({ message: m.message }, 'acquisition source failed');
        } else {
          this.#pending.shift()?.(m);
        }
      });
      worker.on('error', (err) => {
        this.#log.error({ err }, 'acquisition thread error');
        if (!ready) reject(err);
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
        if (this.#stopping || !ready) return;
        // Distribution goes on without new data (clients see DATA_BREAK); the source restarts with backoff.
        const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#restarts, 6));
        this.#restarts++;
        this.#log.error({ code, delayMs: delay }, 'acquisition thread exited; restarting');
        setTimeout(() => {
          if (!this.#stopping)
            this.start().catch((err) => this.#log.error({ err }, 'acquisition restart failed'));
        }, delay).unref();
      });
    });
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
    const w = this.#worker;
    if (w === null) return;
    const timer = setTimeout(() => void w.terminate(), 2000);
    await this.#request({ kind: 'stop' });
    clearTimeout(timer);
    await w.terminate();
  }
}

function notRunning(message: string): AcquisitionError {
  return new AcquisitionError(AcquisitionErrorCode.ERR_ACQUISITION_NOT_RUNNING, message);
}
