// The acquisition thread, seen from the main thread: start, inject (tests, ops),
// stop, and restart after a crash. It is the rings' single writer, so at most one
// runs at a time.
import { Worker } from 'node:worker_threads';
import type {
  AcquisitionWorkerData,
  FromAcquisition,
  InjectRecord,
  ToAcquisition,
} from '../acquisition/messages.ts';
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
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromAcquisition) => {
        if (m.kind === 'ready') {
          ready = true;
          resolve();
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
        // Nobody acquires now: heartbeats must say so (DATA_BREAK, linkUp false).
        this.#control.setLinkUp(false);
        for (const p of this.#pending.splice(0)) p({ kind: 'stopped' });
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
