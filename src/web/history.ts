// History for Open MCT's historical provider: a time range from the archive, and the latest
// value from the value table (from the archive when the value table's is newer than asked,
// as for a time window in the past, or when a restart emptied it). The archive is read on the main thread through ArchiveReader, so
// each request is bounded (in rows returned and rows read, src/web/history-scan.ts), read in
// pages of PAGE_ROWS with the event loop yielded after each, and requests run one at a time
// from a bounded queue: the listener and the other display clients never wait for more than
// one page.
import type { ParameterInfo } from '../acquisition/source.ts';
import { ArchiveReader, type ArchiveRow } from '../archive/query.ts';
import { type ValueTableBuffers, ValueTableReader } from '../ring/value-table.ts';
import { minMax, newest, type RangeRows } from './history-scan.ts';
import { decodePoint, type OpenMctPoint } from './point.ts';

const PAGE_ROWS = 2000;
/** History requests waiting at most; beyond it a request is refused (503) rather than queued. */
const MAX_QUEUED = 256;
/** A min/max request reads at most this many times maxRows rows. */
export const MINMAX_SCAN_FACTOR = 10;

export interface HistoryResult {
  /** The points as a JSON array. */
  json: string;
  /** Raw: more rows matched than maxRows (the newest maxRows are returned). Min/max: a bucket
   * held more rows than its share of the scan (its extremes are those of its first rows). */
  truncated: boolean;
}

/** Every point of the range, or Open MCT's min/max downsampling into `buckets` time slices. */
export type RangeMode = { kind: 'raw' } | { kind: 'minmax'; buckets: number };
type ReadMode = RangeMode | { kind: 'newest'; count: number };

export interface HistoryOptions {
  /** Absent: the archive is disabled and ranges are empty. */
  archivePath?: string;
  valueTable: ValueTableBuffers;
  dictionary: readonly ParameterInfo[];
  maxRows: number;
}

/** `items` as Open MCT points in a JSON array, PAGE_ROWS at a time with the event loop yielded
 * between: tens of thousands of points are tens of milliseconds of decoding and encoding. */
async function jsonArray<T>(items: readonly T[], decode: (item: T) => OpenMctPoint | null): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i += PAGE_ROWS) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const item of items.slice(i, i + PAGE_ROWS)) {
      const p = decode(item);
      if (p !== null) parts.push(JSON.stringify(p));
    }
  }
  return `[${parts.join(',')}]`;
}

export class History {
  readonly #opts: HistoryOptions;
  readonly #values: ValueTableReader;
  #reader: ArchiveReader | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #closed = false;

  constructor(opts: HistoryOptions) {
    this.#opts = opts;
    this.#values = new ValueTableReader(opts.valueTable);
  }

  get archived(): boolean {
    return this.#opts.archivePath !== undefined;
  }

  /** False when the queue is full: the caller answers 503. */
  get accepting(): boolean {
    return this.#queued < MAX_QUEUED && !this.#closed;
  }

  /** Points of parameter `index` with startMs <= ERT <= endMs, ascending. */
  range(index: number, startMs: number, endMs: number, mode: RangeMode): Promise<HistoryResult> {
    return this.#enqueue(() => this.#range(index, startMs, endMs, mode));
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
  newestArchived(index: number, endMs: number): Promise<HistoryResult> {
    return this.#enqueue(() => this.#range(index, 0, endMs, { kind: 'newest', count: 1 }));
  }

  close(): void {
    this.#closed = true;
    this.#reader?.close();
  }

  #enqueue(read: () => Promise<HistoryResult>): Promise<HistoryResult> {
    this.#queued++;
    const run = this.#tail.then(read);
    this.#tail = run.catch(() => undefined).finally(() => this.#queued--);
    return run;
  }

  async #range(index: number, startMs: number, endMs: number, mode: ReadMode): Promise<HistoryResult> {
    const path = this.#opts.archivePath;
    if (path === undefined || this.#closed) return { json: '[]', truncated: false };
    // Opened on first use: the recorder has created the file by then.
    this.#reader ??= new ArchiveReader(path);
    // Inclusive ms bounds over integer µs ERTs: from ⌈start⌉, to (exclusive) just past ⌊end⌋.
    const from = Math.max(0, Math.ceil(startMs * 1000));
    const to = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(endMs * 1000) + 1);
    if (to <= from) return { json: '[]', truncated: false };
    const info = this.#opts.dictionary[index];
    const decode = (row: ArchiveRow) => decodePoint(row.payload, info);
    const rows = this.#rows(this.#reader, index);
    const { maxRows } = this.#opts;
    if (mode.kind === 'minmax') {
      const buckets = Math.max(1, Math.min(mode.buckets, Math.floor(maxRows / 2)));
      const r = await minMax(rows, from, to, buckets, MINMAX_SCAN_FACTOR * maxRows, decode);
      return { json: await jsonArray(r.points, (p) => p), truncated: r.truncated };
    }
    const r = await newest(rows, from, to, mode.kind === 'newest' ? mode.count : maxRows);
    return { json: await jsonArray(r.rows, decode), truncated: r.truncated };
  }

  #rows(reader: ArchiveReader, index: number): RangeRows {
    return {
      rows: async (from, to, limit) => {
        const out: ArchiveRow[] = [];
        if (this.#closed) return out;
        const cursor = reader.open(
          { stream: 'parameters', from, to, filter: { parameters: [index] }, limit },
          PAGE_ROWS,
        );
        for (;;) {
          const page = cursor.nextPage();
          for (const row of page) out.push(row);
          // Yielded after every statement, however short: a long scan is many short ones.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (page.length === 0 || cursor.done || this.#closed) return out;
        }
      },
    };
  }
}
