// The two ways a long history range is cut down to what one reply may carry, each reading a
// bounded number of rows whatever the range's length (the archive can only be read forwards
// in time, so neither simply reads the whole range):
//   newest  the newest n rows (a telemetry table: its newest rows meet the realtime ones)
//   minMax  Open MCT's `strategy=minmax`: the range in `buckets` equal time slices, and of
//           each its lowest and highest point (a plot keeps its envelope over any range)
// runHistory() is one display history request as it runs in the archive query pool
// (workers/archive-query.ts), never on the main thread, which serves the client listener.
import type { ArchiveReader, ArchiveRow } from '../archive/query.ts';
import type { HistoryReply, HistoryRequest } from '../archive/query-protocol.ts';
import { decodePoint, type OpenMctPoint } from './point.ts';

/** Time slices a range holding too many rows is split into, searched from the newest back. */
const SLICES = 16;
/** Rows per SQLite statement; the pool thread serves its other queries between two. */
const PAGE_ROWS = 2000;
/** A min/max request reads at most this many times maxRows rows. */
const MINMAX_SCAN_FACTOR = 10;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One history request against `reader`, in pages of PAGE_ROWS with the thread yielded after
 * each: the pool thread also serves the actors' queries. `cancelled()` is polled between pages
 * (the HTTP client left): the scan then stops with what it has, which nobody reads.
 */
export async function runHistory(
  reader: ArchiveReader,
  req: HistoryRequest,
  cancelled: () => boolean,
): Promise<HistoryReply> {
  const { fromUs: from, toUs: to, mode, maxRows } = req;
  if (to <= from) return { json: '[]', truncated: false };
  const decode = (row: ArchiveRow) => decodePoint(row.payload, req.info);
  const rows: RangeRows = {
    rows: async (a, b, limit) => {
      const out: ArchiveRow[] = [];
      if (cancelled()) return out;
      const cursor = reader.open(
        { stream: 'parameters', from: a, to: b, filter: { parameters: [req.param] }, limit },
        PAGE_ROWS,
      );
      for (;;) {
        const page = cursor.nextPage();
        for (const row of page) out.push(row);
        // Yielded after every statement, however short: a long scan is many short ones.
        await turn();
        if (page.length === 0 || cursor.done || cancelled()) return out;
      }
    },
  };
  if (mode.kind === 'minmax') {
    const buckets = Math.max(1, Math.min(mode.buckets, Math.floor(maxRows / 2)));
    const r = await minMax(rows, from, to, buckets, MINMAX_SCAN_FACTOR * maxRows, decode);
    return { json: await jsonArray(r.points, (p) => p), truncated: r.truncated };
  }
  const r = await newest(rows, from, to, mode.kind === 'newest' ? mode.count : maxRows);
  return { json: await jsonArray(r.rows, decode), truncated: r.truncated };
}

/** `items` as Open MCT points in a JSON array, PAGE_ROWS at a time with the thread yielded
 * between: tens of thousands of points are tens of milliseconds of decoding and encoding. */
async function jsonArray<T>(items: readonly T[], decode: (item: T) => OpenMctPoint | null): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i += PAGE_ROWS) {
    if (i > 0) await turn();
    for (const item of items.slice(i, i + PAGE_ROWS)) {
      const p = decode(item);
      if (p !== null) parts.push(JSON.stringify(p));
    }
  }
  return `[${parts.join(',')}]`;
}

interface RangeRows {
  /** The parameter's rows with from <= ERT < to (µs), ascending, at most `limit`. */
  rows(from: number, to: number, limit: number): Promise<ArchiveRow[]>;
}

/** The newest `n` rows of [from, to), ascending; `truncated` when the range holds more. */
async function newest(
  r: RangeRows,
  from: number,
  to: number,
  n: number,
): Promise<{ rows: ArchiveRow[]; truncated: boolean }> {
  const probe = await r.rows(from, to, n + 1);
  if (probe.length <= n) return { rows: probe, truncated: false };
  return { rows: await newestOf(r, from, to, n), truncated: true };
}

/**
 * The newest `n` rows of [from, to), which holds more than n: its slices from the last back,
 * each taken whole while it fits and split the same way when it does not. Rows read: at most
 * n + (n + 1) per level of splitting (log16 of the span in µs, ≤ 13), plus SLICES empty probes
 * per level.
 */
async function newestOf(r: RangeRows, from: number, to: number, n: number): Promise<ArchiveRow[]> {
  if (to - from <= 1) {
    // More than n rows at one ERT (samples of one packet): ordered by seq, so the newest are
    // the last. Bounded like a split level; past SLICES × n rows the oldest of them are kept.
    return (await r.rows(from, to, SLICES * n)).slice(-n);
  }
  const parts: ArchiveRow[][] = [];
  let got = 0;
  for (let k = SLICES - 1; k >= 0 && got < n; k--) {
    const a = from + Math.floor(((to - from) * k) / SLICES);
    const b = from + Math.floor(((to - from) * (k + 1)) / SLICES);
    if (a >= b) continue;
    const want = n - got;
    const probe = await r.rows(a, b, want + 1);
    const rows = probe.length <= want ? probe : await newestOf(r, a, b, want);
    parts.push(rows);
    got += rows.length;
  }
  return parts.reverse().flat();
}

/**
 * Open MCT's min/max downsampling: [from, to) in `buckets` equal slices; a bucket's points when
 * it has at most two, else its lowest and highest (in time order; the first and last when no
 * value is a number). The whole range as it is when it has at most 2 × buckets points. Each
 * bucket reads at most `scanRows / buckets` rows: `truncated` when one had more (its min and
 * max are then those of its first rows).
 */
async function minMax(
  r: RangeRows,
  from: number,
  to: number,
  buckets: number,
  scanRows: number,
  decode: (row: ArchiveRow) => OpenMctPoint | null,
): Promise<{ points: OpenMctPoint[]; truncated: boolean }> {
  const n = Math.max(1, Math.min(buckets, to - from));
  const decodeAll = (rows: ArchiveRow[]) => rows.map(decode).filter((p) => p !== null);
  const probe = await r.rows(from, to, 2 * n + 1);
  if (probe.length <= 2 * n) return { points: decodeAll(probe), truncated: false };
  const perBucket = Math.max(3, Math.floor(scanRows / n));
  const points: OpenMctPoint[] = [];
  let truncated = false;
  for (let i = 0; i < n; i++) {
    const a = from + Math.floor(((to - from) * i) / n);
    const b = from + Math.floor(((to - from) * (i + 1)) / n);
    const rows = await r.rows(a, b, perBucket + 1);
    if (rows.length > perBucket) {
      truncated = true;
      rows.length = perBucket;
    }
    points.push(...extremes(decodeAll(rows)));
  }
  return { points, truncated };
}

function extremes(bucket: OpenMctPoint[]): OpenMctPoint[] {
  if (bucket.length <= 2) return bucket;
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < bucket.length; i++) {
    const v = bucket[i]!.value;
    if (typeof v !== 'number') continue;
    if (lo < 0 || v < (bucket[lo]!.value as number)) lo = i;
    if (hi < 0 || v > (bucket[hi]!.value as number)) hi = i;
  }
  if (lo < 0) return [bucket[0]!, bucket.at(-1)!];
  if (lo === hi) return [bucket[lo]!];
  return lo < hi ? [bucket[lo]!, bucket[hi]!] : [bucket[hi]!, bucket[lo]!];
}
