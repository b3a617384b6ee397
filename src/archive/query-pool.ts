// The archive query pool, owned by the main thread: a piscina pool whose tasks are archive
// queries. SQLite reads and DATA encoding run there, never on an actor (which serves sockets)
// nor on the acquisition thread.
//
// How an actor reaches it: piscina gives no way to hand a MessagePort to an actor thread, so
// the actor creates a MessageChannel per query and posts one end to this thread with
// `postMessageToThread` (QueryPoolAddress in ActorInit); the pool runs one task per query
// with that port. Pages then flow pool → actor directly; this thread relays nothing.
//
// The display's history requests (src/web/history.ts) are pool tasks too, run by history():
// one task per request, its reply the JSON the display sends.
import { availableParallelism } from 'node:os';
import { type MessagePort, threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import {
  type HistoryReply,
  type HistoryRequest,
  isQueryOpen,
  type QueryPoolAddress,
} from './query-protocol.ts';
import type { QueryOutcome } from './query-service.ts';

const ENTRY = new URL('../../workers/archive-query.ts', import.meta.url).pathname;

export type PoolTask =
  | { kind: 'query'; port: MessagePort; path: string }
  | {
      kind: 'history';
      path: string;
      request: HistoryRequest;
      /** Int32 [cancelled]: set by this thread when the requester no longer waits. */
      cancel: SharedArrayBuffer;
    };

export interface QueryPoolData {
  /** Int32 [steps answered, history requests answered]: bumped by the pool threads. */
  counters: SharedArrayBuffer;
}

export interface QueryPoolStats {
  threads: number;
  /** Queries whose pool task is running. */
  running: number;
  opened: number;
  /** Requests (pages, backfill steps) answered since the start. */
  steps: number;
  /** Display history requests the pool threads have answered since the start. */
  history: number;
}

type RunOptions = NonNullable<Parameters<Piscina['run']>[1]>;

let nextPool = 0;

export class ArchiveQueryPool {
  readonly address: QueryPoolAddress;
  readonly #path: string;
  readonly #pool: Piscina<PoolTask, QueryOutcome | HistoryReply>;
  readonly #counters: Int32Array;
  readonly #onMessage: (value: unknown) => void;
  #running = 0;
  #opened = 0;

  /** `threads`: default half the cores, at least 1 and at most 4. */
  constructor(path: string, log: { error(obj: object, msg: string): void }, threads?: number) {
    const n = threads ?? Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
    const counters = new SharedArrayBuffer(8);
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
      const task: PoolTask = { kind: 'query', port: value.port, path: this.#path };
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
      history: Atomics.load(this.#counters, 1),
    };
  }

  /**
   * Runs one display history request on a pool thread. An aborted `signal` makes the scan stop
   * at its next page: the pool thread also serves other queries, so it is not terminated (what
   * piscina's own abort does) but told through a shared flag.
   */
  async history(request: HistoryRequest, signal?: AbortSignal): Promise<HistoryReply> {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      const task: PoolTask = { kind: 'history', path: this.#path, request, cancel };
      return (await this.#pool.run(task)) as HistoryReply;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async destroy(): Promise<void> {
    process.off('workerMessage', this.#onMessage);
    await this.#pool.destroy();
  }
}
