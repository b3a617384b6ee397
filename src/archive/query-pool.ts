// The archive query pool, owned by the main thread: a piscina pool whose tasks are archive
// queries. SQLite reads and DATA encoding run there, never on an actor (which serves sockets)
// nor on the acquisition thread.
//
// How an actor reaches it: piscina gives no way to hand a MessagePort to an actor thread, so
// the actor creates a MessageChannel per query and posts one end to this thread with
// `postMessageToThread` (QueryPoolAddress in ActorInit); the pool runs one task per query
// with that port. Pages then flow pool → actor directly; this thread relays nothing.
import { availableParallelism } from 'node:os';
import { type MessagePort, threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { isQueryOpen, type QueryPoolAddress } from './query-protocol.ts';
import type { QueryOutcome } from './query-service.ts';

const ENTRY = new URL('../../workers/archive-query.ts', import.meta.url).pathname;

export interface QueryTask {
  port: MessagePort;
  path: string;
}

export interface QueryPoolData {
  /** Int32 [steps answered]: bumped by the pool threads. */
  counters: SharedArrayBuffer;
}

export interface QueryPoolStats {
  threads: number;
  /** Queries whose pool task is running. */
  running: number;
  opened: number;
  /** Requests (pages, backfill steps) answered since the start. */
  steps: number;
}

type RunOptions = NonNullable<Parameters<Piscina['run']>[1]>;

let nextPool = 0;

export class ArchiveQueryPool {
  readonly address: QueryPoolAddress;
  readonly #path: string;
  readonly #pool: Piscina<QueryTask, QueryOutcome>;
  readonly #counters: Int32Array;
  readonly #onMessage: (value: unknown) => void;
  #running = 0;
  #opened = 0;

  /** `threads`: default half the cores, at least 1 and at most 4. */
  constructor(path: string, log: { error(obj: object, msg: string): void }, threads?: number) {
    const n = threads ?? Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
    const counters = new SharedArrayBuffer(4);
    this.#counters = new Int32Array(counters);
    this.#path = path;
    this.address = { threadId, pool: `archive-${process.pid}-${threadId}-${nextPool++}` };
    this.#pool = new Piscina({
      filename: ENTRY,
      workerData: { counters } satisfies QueryPoolData,
      minThreads: n,
      maxThreads: n,
      // A query task mostly waits for its client to read: a thread holds many.
      concurrentTasksPerWorker: 1024,
      idleTimeout: Number.POSITIVE_INFINITY,
      atomics: 'disabled',
    });
    this.#onMessage = (value) => {
      if (!isQueryOpen(value) || value.pool !== this.address.pool) return;
      this.#opened++;
      this.#running++;
      const task: QueryTask = { port: value.port, path: this.#path };
      this.#pool
        .run(task, { transferList: [value.port] as unknown as RunOptions['transferList'] })
        .catch((err: unknown) => log.error({ err }, 'archive query task failed'))
        .finally(() => {
          this.#running--;
        });
    };
    process.on('workerMessage', this.#onMessage);
  }

  stats(): QueryPoolStats {
    return {
      threads: this.#pool.threads.length,
      running: this.#running,
      opened: this.#opened,
      steps: Atomics.load(this.#counters, 0),
    };
  }

  async destroy(): Promise<void> {
    process.off('workerMessage', this.#onMessage);
    await this.#pool.destroy();
  }
}
