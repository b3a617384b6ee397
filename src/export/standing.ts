// Runs the standing orders of the config inside the server: on each order's schedule, its window
// is exported in a worker thread (off the main thread, which serves sockets) to a staging file in
// the state dir, then delivered, with up to MAX_RETRIES retries and backoff. Every attempt is one
// line of the delivery log (JSON Lines).
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { FatalMessage } from '../util/worker-fatal.ts';
import { deliver } from './deliver.ts';
import { ExportError, ExportErrorCode } from './errors.ts';
import {
  checkTarget,
  MAX_RETRIES,
  nextTickMs,
  retryDelay,
  type Schedule,
  type StandingOrderConfig,
  scheduleOf,
  windowSpec,
} from './order.ts';
import { exportFileName } from './run.ts';
import { checkSpec, type ExportSpec } from './spec.ts';

export interface ExportWorkerData {
  archivePath: string;
  spec: ExportSpec;
  path: string;
}

export type FromExportWorker = { kind: 'done'; records: number; bytes: number } | FatalMessage;

export const DeliveryResult = {
  DELIVERED: 'delivered',
  RETRYING: 'retrying',
  GAVE_UP: 'gave-up',
  CANCELLED: 'cancelled',
  /** Not run: MAX_QUEUED_WINDOWS of the order's windows were already waiting (`scs export` it). */
  SKIPPED: 'skipped',
} as const;

/**
 * Windows of one order that may wait behind its run under way. A target that hangs (each attempt
 * up to its timeout, 7 attempts) under a short period would otherwise queue windows without
 * bound, each delivered later than the last; past this they are logged as skipped instead.
 */
export const MAX_QUEUED_WINDOWS = 16;
export type DeliveryResult = (typeof DeliveryResult)[keyof typeof DeliveryResult];

/** One line of the delivery log. */
export interface DeliveryLogEntry {
  /** ISO time of the line. */
  time: string;
  order: string;
  /** The window, µs. */
  from: number;
  to: number;
  file: string;
  /** Unknown (-1) until the export succeeded. */
  records: number;
  bytes: number;
  /** 1 … 1 + MAX_RETRIES; 0 for a skipped window. */
  attempt: number;
  result: DeliveryResult;
  error?: string;
  code?: string;
  /** With `retrying`: the wait before the next attempt. */
  retryInMs?: number;
}

export interface StandingOrdersOptions {
  orders: readonly StandingOrderConfig[];
  /** Absent: the archive is disabled, and any order is ERR_EXPORT_SPEC. */
  archivePath?: string;
  stateDir: string;
  log: Logger;
  clock?: Clock;
  /** Per TCP/HTTP attempt. */
  deliveryTimeoutMs?: number;
  /** Called for each log line once written (metrics, tests). */
  onEntry?: (entry: DeliveryLogEntry) => void;
}

export const DELIVERY_LOG = 'standing-orders.jsonl';
const EXPORT_WORKER = new URL('./export-worker.ts', import.meta.url);
/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Order {
  config: StandingOrderConfig;
  schedule: Schedule;
  timer: unknown;
  /** The order's last run: the next starts after it, so a run slower than the period (a slow
   * archive, a long retry) queues the following windows instead of piling up export threads. */
  last: Promise<unknown>;
  /** Runs started or waiting (the one under way included). */
  queued: number;
}

export class StandingOrders {
  readonly logPath: string;
  readonly #opts: StandingOrdersOptions;
  readonly #clock: Clock;
  readonly #orders = new Map<string, Order>();
  readonly #running = new Set<Promise<DeliveryLogEntry>>();
  readonly #workers = new Set<Worker>();
  readonly #abort = new AbortController();
  /** Log lines are appended one after the other, in order. */
  #logTail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;

  /** Throws ERR_EXPORT_SPEC for an order that can never run (bad duration, filter, format). */
  constructor(opts: StandingOrdersOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.logPath = join(opts.stateDir, DELIVERY_LOG);
    if (opts.orders.length > 0 && opts.archivePath === undefined) {
      throw new ExportError(
        ExportErrorCode.ERR_EXPORT_SPEC,
        'standing orders export the archive: enable it (archive.enabled)',
      );
    }
    for (const config of opts.orders) {
      if (this.#orders.has(config.id)) {
        throw new ExportError(
          ExportErrorCode.ERR_EXPORT_SPEC,
          `standing order id '${config.id}' is used twice`,
        );
      }
      const schedule = scheduleOf(config);
      checkSpec(windowSpec(config, schedule, schedule.everyMs * 2));
      checkTarget(config);
      this.#orders.set(config.id, { config, schedule, timer: undefined, last: Promise.resolve(), queued: 0 });
    }
  }

  /** Arms every order for its next tick. */
  start(): void {
    for (const order of this.#orders.values())
      this.#arm(order, nextTickMs(order.schedule, this.#clock.nowMs()));
  }

  /** Runs `id`'s window ending at `tickMs` now (what the schedule does at tick + lag). Resolves
   * with its last log line; never rejects. */
  run(id: string, tickMs: number): Promise<DeliveryLogEntry> {
    const order = this.#orders.get(id);
    if (order === undefined)
      throw new ExportError(ExportErrorCode.ERR_EXPORT_SPEC, `no standing order '${id}'`);
    if (order.queued > MAX_QUEUED_WINDOWS) return this.#skip(order, tickMs);
    order.queued++;
    const p = order.last.then(() => this.#runWindow(order, tickMs)).finally(() => order.queued--);
    order.last = p;
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
    return p;
  }

  async #skip(order: Order, tickMs: number): Promise<DeliveryLogEntry> {
    const spec = windowSpec(order.config, order.schedule, tickMs);
    const entry: DeliveryLogEntry = {
      time: new Date(this.#clock.nowMs()).toISOString(),
      order: order.config.id,
      from: spec.from,
      to: spec.to,
      file: exportFileName(spec),
      records: -1,
      bytes: -1,
      attempt: 0,
      result: DeliveryResult.SKIPPED,
      error: `${order.queued - 1} windows already waiting behind the delivery under way`,
    };
    await this.#write(entry);
    return entry;
  }

  /** Stops the schedule, cancels waits and attempts under way, and waits for the runs to log. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const order of this.#orders.values()) this.#clock.clearTimeout(order.timer);
      this.#abort.abort();
      await Promise.all([...this.#workers].map((w) => w.terminate()));
      await Promise.allSettled([...this.#running]);
      await this.#logTail;
    })();
    return this.#closing;
  }

  #arm(order: Order, tickMs: number): void {
    if (this.#closing !== null) return;
    const wait = tickMs + order.schedule.lagMs - this.#clock.nowMs();
    if (wait > MAX_TIMER_MS) {
      order.timer = this.#clock.setTimeout(() => this.#arm(order, tickMs), MAX_TIMER_MS);
      return;
    }
    order.timer = this.#clock.setTimeout(
      () => {
        this.#arm(order, tickMs + order.schedule.everyMs);
        void this.run(order.config.id, tickMs);
      },
      Math.max(0, wait),
    );
  }

  async #runWindow(order: Order, tickMs: number): Promise<DeliveryLogEntry> {
    const { config, schedule } = order;
    const spec = windowSpec(config, schedule, tickMs);
    const name = exportFileName(spec);
    const dir = join(this.#opts.stateDir, 'standing-orders', config.id);
    const staging = join(dir, name);
    let exported: { records: number; bytes: number } | undefined;
    const entry = (attempt: number, result: DeliveryResult, extra: Partial<DeliveryLogEntry> = {}) => ({
      time: new Date(this.#clock.nowMs()).toISOString(),
      order: config.id,
      from: spec.from,
      to: spec.to,
      file: name,
      records: exported?.records ?? -1,
      bytes: exported?.bytes ?? -1,
      attempt,
      result,
      ...extra,
    });
    let last: DeliveryLogEntry | undefined;
    for (let attempt = 1; attempt <= 1 + MAX_RETRIES; attempt++) {
      if (this.#abort.signal.aborted) {
        last = entry(attempt, DeliveryResult.CANCELLED, { error: 'server stopping' });
        break;
      }
      try {
        if (exported === undefined) {
          await mkdir(dir, { recursive: true });
          exported = await this.#export({ archivePath: this.#opts.archivePath!, spec, path: staging });
        }
        await deliver(
          { path: staging, name, format: spec.format, orderId: config.id, from: spec.from, to: spec.to },
          config.to,
          {
            signal: this.#abort.signal,
            ...(this.#opts.deliveryTimeoutMs === undefined
              ? {}
              : { timeoutMs: this.#opts.deliveryTimeoutMs }),
          },
        );
        last = entry(attempt, DeliveryResult.DELIVERED);
        break;
      } catch (err) {
        const e = err as Error & { code?: unknown };
        const why = { error: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) };
        // Failed because close() cut it short: no retry to announce.
        if (this.#abort.signal.aborted) {
          last = entry(attempt, DeliveryResult.CANCELLED, { error: 'server stopping' });
          break;
        }
        if (attempt === 1 + MAX_RETRIES) {
          last = entry(attempt, DeliveryResult.GAVE_UP, why);
          break;
        }
        const retryInMs = retryDelay(schedule, attempt);
        await this.#write(entry(attempt, DeliveryResult.RETRYING, { ...why, retryInMs }));
        await this.#sleep(retryInMs);
      }
    }
    // The export thread's own `.part` too: a thread terminated by close() cannot remove it.
    await Promise.all([rm(staging, { force: true }), rm(`${staging}.part`, { force: true })]);
    await this.#write(last!);
    return last!;
  }

  #export(data: ExportWorkerData): Promise<{ records: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      // close() may have come while the run waited for its directory: it has already terminated
      // the export threads it knew of, and would otherwise wait for this whole export.
      if (this.#abort.signal.aborted) {
        reject(new ExportError(ExportErrorCode.ERR_EXPORT_WORKER, 'export: cancelled, server stopping'));
        return;
      }
      const worker = new Worker(EXPORT_WORKER, { workerData: data });
      this.#workers.add(worker);
      let answer: FromExportWorker | undefined;
      worker.once('message', (m: FromExportWorker) => {
        answer = m;
      });
      worker.once('error', (err) => {
        answer ??= { kind: 'fatal', message: err.message };
      });
      worker.once('exit', () => {
        this.#workers.delete(worker);
        if (answer?.kind === 'done') resolve({ records: answer.records, bytes: answer.bytes });
        else {
          const message = answer?.message ?? 'the export thread ended without an answer';
          reject(
            new ExportError(
              ExportErrorCode.ERR_EXPORT_WORKER,
              `export: ${message}${answer?.code ? ` (${answer.code})` : ''}`,
            ),
          );
        }
      });
    });
  }

  /** A retry wait on the clock; closing ends it at once. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#abort.signal;
      if (signal.aborted) return resolve();
      const done = () => {
        this.#clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #write(e: DeliveryLogEntry): Promise<void> {
    const log = this.#opts.log;
    const what = `standing order ${e.order}: ${e.result}`;
    if (e.result === DeliveryResult.DELIVERED) log.info(e, what);
    else if (e.result === DeliveryResult.GAVE_UP) log.error(e, what);
    else log.warn(e, what);
    // A log that cannot be written must not stop deliveries: the logger has the line.
    this.#logTail = this.#logTail
      .then(() => appendFile(this.logPath, `${JSON.stringify(e)}\n`))
      .catch((err: unknown) => log.error({ err }, `delivery log ${this.logPath} not written`))
      .then(() => this.#opts.onEntry?.(e));
    return this.#logTail;
  }
}
