// History for Open MCT's historical provider: a time range from the archive, and the latest
// value from the value table (from the archive when the value table's is newer than asked,
// as for a time window in the past, or when a restart emptied it). Archive reads are tasks of
// the archive query pool (runHistory, src/web/history-scan.ts), never run on this thread, which
// also serves the client listener. They go to the pool one at a time from a bounded queue: the
// display holds at most one pool task, and the actors' archive queries keep the pool's threads.
import type { ParameterInfo } from '../acquisition/source.ts';
import type { HistoryMode, HistoryReply, HistoryRequest } from '../archive/query-protocol.ts';
import { type ValueTableBuffers, ValueTableReader } from '../ring/value-table.ts';
import { decodePoint, type OpenMctPoint } from './point.ts';

/** History requests waiting at most; beyond it a request is refused (503) rather than queued. */
const MAX_QUEUED = 256;
const EMPTY: HistoryReply = { json: '[]', truncated: false };

/** Every point of the range, or Open MCT's min/max downsampling into `buckets` time slices. */
export type RangeMode = { kind: 'raw' } | { kind: 'minmax'; buckets: number };

/** Runs one history request in the archive query pool (ArchiveQueryPool.history). */
export type HistoryQuery = (request: HistoryRequest, signal?: AbortSignal) => Promise<HistoryReply>;

export interface HistoryOptions {
  /** Absent: the archive is disabled and ranges are empty. */
  query?: HistoryQuery;
  valueTable: ValueTableBuffers;
  dictionary: readonly ParameterInfo[];
  maxRows: number;
}

export class History {
  readonly #opts: HistoryOptions;
  readonly #values: ValueTableReader;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #closed = false;

  constructor(opts: HistoryOptions) {
    this.#opts = opts;
    this.#values = new ValueTableReader(opts.valueTable);
  }

  get archived(): boolean {
    return this.#opts.query !== undefined;
  }

  /** False when the queue is full: the caller answers 503. */
  get accepting(): boolean {
    return this.#queued < MAX_QUEUED && !this.#closed;
  }

  /**
   * Points of parameter `index` with startMs <= ERT <= endMs, ascending. An aborted `signal`
   * (the HTTP client left) drops the request from the queue, or stops its scan in the pool.
   */
  range(
    index: number,
    startMs: number,
    endMs: number,
    mode: RangeMode,
    signal?: AbortSignal,
  ): Promise<HistoryReply> {
    return this.#enqueue(index, startMs, endMs, mode, signal);
  }

  /** The parameter's current value from the value table, if its ERT is at most endMs. */
  current(index: number, endMs: number): OpenMctPoint | null {
    const found: OpenMctPoint[] = [];
    this.#values.snapshot([index], (_, payload) => {
      const p = decodePoint(payload, this.#opts.dictionary[index]);
      if (p !== null) found.push(p);
    });
    const p = found[0];
    return p !== undefined && p.timestamp <= endMs ? p : null;
  }

  /** The archive's newest point of the parameter with ERT <= endMs (at most one). */
  newestArchived(index: number, endMs: number, signal?: AbortSignal): Promise<HistoryReply> {
    return this.#enqueue(index, 0, endMs, { kind: 'newest', count: 1 }, signal);
  }

  close(): void {
    this.#closed = true;
  }

  #enqueue(
    index: number,
    startMs: number,
    endMs: number,
    mode: HistoryMode,
    signal: AbortSignal | undefined,
  ): Promise<HistoryReply> {
    this.#queued++;
    const run = this.#tail.then(() => this.#read(index, startMs, endMs, mode, signal));
    this.#tail = run.catch(() => undefined).finally(() => this.#queued--);
    return run;
  }

  #read(
    index: number,
    startMs: number,
    endMs: number,
    mode: HistoryMode,
    signal: AbortSignal | undefined,
  ): Promise<HistoryReply> {
    const { query } = this.#opts;
    if (query === undefined || this.#closed || signal?.aborted) return Promise.resolve(EMPTY);
    // Inclusive ms bounds over integer µs ERTs: from ⌈start⌉, to (exclusive) just past ⌊end⌋.
    const fromUs = Math.max(0, Math.ceil(startMs * 1000));
    const toUs = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(endMs * 1000) + 1);
    if (toUs <= fromUs) return Promise.resolve(EMPTY);
    const info = this.#opts.dictionary[index];
    if (info === undefined) return Promise.resolve(EMPTY);
    const request = { param: index, info, fromUs, toUs, mode, maxRows: this.#opts.maxRows };
    return query(request, signal);
  }
}
