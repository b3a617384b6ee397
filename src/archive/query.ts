// Reads the archive: time-range queries by ERT or SCET with the ICD §5 filters, and resume by
// seq. Each page is one short statement continuing after the last row of the previous page
// (keyset paging), so no read transaction stays open between pages (the recorder's checkpoints
// are never held back) and a page can run as its own pool task from a plain-data PageCursor.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Stream } from '../../protocol/constants.ts';
import type { RecordMeta } from '../ring/ring.ts';
import { ArchiveError, ArchiveErrorCode } from './errors.ts';
import { HAS_SCET, KEY_INDEX, ringOf, SCHEMA_VERSION } from './store.ts';

export type TimeBy = 'ert' | 'scet';

/** The session's filter over ring keys, as Selection compiles it (src/actors/selection.ts). A filter
 * that does not apply to the stream is ignored; an empty list matches nothing. */
export interface ArchiveFilter {
  vcids?: readonly number[];
  /** Packets only. */
  apids?: readonly number[];
  /** Parameter indexes (the ring's key1 for parameters). */
  parameters?: readonly number[];
  /** Events: the lowest severity index (SEVERITIES) kept. */
  minSeverity?: number;
  /** Events: only those naming no parameter (key2 -1) or one of these parameter indexes (key2). */
  eventParameters?: readonly number[];
}

export interface ArchiveQuery {
  stream: Stream;
  /** µs, inclusive. Default 0. */
  from?: number;
  /** µs, exclusive. Default: no upper bound. */
  to?: number;
  /** Default 'ert'. Frames and events have no SCET. */
  timeBy?: TimeBy;
  filter?: ArchiveFilter;
  /** Only records with seq > afterSeq, then in seq order instead of time order (resume). */
  afterSeq?: number;
  /** With afterSeq: only records with seq <= maxSeq, which bounds the rows one page scans. */
  maxSeq?: number;
  /** Most rows in all. Default: no limit. */
  limit?: number;
}

/** One archived record: its ring meta and the exact msgpack map the ring carried. */
export interface ArchiveRow extends RecordMeta {
  payload: Uint8Array;
}

/** Where the previous page ended. `time` is the last row's time on the query's axis. */
export interface PageCursor {
  time: number;
  seq: number;
  /** Rows returned so far (for `limit`). */
  returned: number;
}

export interface Page {
  rows: ArchiveRow[];
  /** null: the query is complete. */
  next: PageCursor | null;
}

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;
/** Most key values a query seeks one by one in the key index (KEY_INDEX); a larger set walks
 * the time index. Each value's seek reads up to a page of index entries, so a page costs at
 * most this many pages of (small, index-only) entries whatever the keys' density. */
const KEY_SEEK_MAX = 16;
const COLUMNS = 'seq, ert, scet, key1, key2, quality, payload';

/** A read-only connection to an archive file. One per thread; close it when the thread ends. */
export class ArchiveReader {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #hasHoles: boolean;
  /** Streams whose key index exists: a file still at version 2 (not yet opened by a recorder) has none. */
  readonly #keyed: ReadonlySet<Stream>;

  constructor(path: string) {
    try {
      this.#db = new DatabaseSync(path, { readOnly: true });
    } catch (err) {
      throw new ArchiveError(ArchiveErrorCode.ERR_ARCHIVE_OPEN, `${path}: cannot open the archive`, {
        cause: err,
      });
    }
    const version = (this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    // Version 1 lacks `holes`, version 2 the key indexes and version 3 `recorded` (the recorder
    // adds them): still readable, e.g. by `scs export`, key-filtered queries then walking the time index.
    if (!(Number.isInteger(version) && version >= 1 && version <= SCHEMA_VERSION)) {
      this.#db.close();
      throw new ArchiveError(
        ArchiveErrorCode.ERR_ARCHIVE_SCHEMA,
        `${path}: schema version ${version}, this server reads ${SCHEMA_VERSION}`,
      );
    }
    this.#hasHoles = version >= 2;
    const indexes = this.#db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as {
      name: string;
    }[];
    const names = new Set(indexes.map((i) => i.name));
    this.#keyed = new Set(Object.keys(KEY_INDEX).filter((s) => names.has(`${s}_key`)) as Stream[]);
  }

  /** One page of `q`: up to `maxRows` rows after `after` (null: from the start). */
  page(q: ArchiveQuery, after: PageCursor | null, maxRows: number): Page {
    const spec = compile(q, this.#keyed.has(q.stream));
    const returned = after?.returned ?? 0;
    const want = Math.min(Math.floor(maxRows), spec.limit - returned);
    if (!(want > 0) || spec.none) return { rows: [], next: null };
    const st = this.#statement(spec.sql);
    const rows = (spec.bySeq
      ? st.all(after?.seq ?? spec.afterSeq, spec.maxSeq, spec.from, spec.to, ...spec.filterArgs, want)
      : st.all(
          after?.time ?? spec.from,
          after?.seq ?? -1,
          spec.to,
          want,
          ...spec.filterArgs,
        )) as unknown as ArchiveRow[];
    const last = rows.at(-1);
    if (last === undefined || rows.length < want) return { rows, next: null };
    return {
      rows,
      next: {
        time: spec.timeBy === 'ert' ? last.ert : last.scet,
        seq: last.seq,
        returned: returned + rows.length,
      },
    };
  }

  /** A cursor over `q`, `pageSize` rows per page. */
  open(q: ArchiveQuery, pageSize = 1000): QueryCursor {
    compile(q, false);
    return new QueryCursor(this, q, pageSize);
  }

  /** Every record of `stream` with seq > `seq` matching `filter`, in seq order: the backfill of a
   * realtime `since` request. */
  since(stream: Stream, seq: number, filter?: ArchiveFilter, pageSize = 1000): QueryCursor {
    return this.open({ stream, afterSeq: seq, ...(filter === undefined ? {} : { filter }) }, pageSize);
  }

  /**
   * The highest seq among the first `scanRows` archived records of `stream` with
   * afterSeq < seq < beforeSeq (a rowid range walk), or undefined when there is none: bounds the
   * rows a filtered `since` page may scan, whatever the seq density (a jump costs one step).
   */
  seqWindow(stream: Stream, afterSeq: number, beforeSeq: number, scanRows: number): number | undefined {
    ringOf(stream);
    const row = this.#statement(
      `SELECT max(seq) AS seq FROM (SELECT seq FROM ${stream} WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?)`,
    ).get(afterSeq, beforeSeq, scanRows) as { seq: number | null } | undefined;
    return row?.seq ?? undefined;
  }

  /** Records lost in the seq hole just below `seq` (store.noteHole), undefined when none was noted. */
  holeLost(stream: Stream, seq: number): number | undefined {
    if (!this.#hasHoles) return undefined;
    const row = this.#statement('SELECT lost FROM holes WHERE stream = ? AND seq = ?').get(
      ringOf(stream),
      seq,
    ) as { lost: number } | undefined;
    return row?.lost;
  }

  /** The largest archived seq of `stream` (0 when none). */
  lastSeq(stream: Stream): number {
    ringOf(stream);
    const row = this.#statement(`SELECT max(seq) AS seq FROM ${stream}`).get() as
      | { seq: number | null }
      | undefined;
    return row?.seq ?? 0;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #statement(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (st === undefined) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }
}

/** Pages of one query, in order. Cancelling (e.g. the client left) ends it before the next page. */
export class QueryCursor {
  readonly #reader: ArchiveReader;
  readonly #query: ArchiveQuery;
  readonly #pageSize: number;
  #after: PageCursor | null = null;
  #done = false;

  constructor(reader: ArchiveReader, query: ArchiveQuery, pageSize: number) {
    if (!(Number.isInteger(pageSize) && pageSize > 0)) {
      throw new ArchiveError(
        ArchiveErrorCode.ERR_BAD_QUERY,
        `page size ${pageSize} is not a positive integer`,
      );
    }
    this.#reader = reader;
    this.#query = query;
    this.#pageSize = pageSize;
  }

  get done(): boolean {
    return this.#done;
  }

  /** The next page; empty once the query is complete or cancelled. */
  nextPage(): ArchiveRow[] {
    if (this.#done) return [];
    const { rows, next } = this.#reader.page(this.#query, this.#after, this.#pageSize);
    this.#after = next;
    if (next === null) this.#done = true;
    return rows;
  }

  cancel(): void {
    this.#done = true;
  }

  *[Symbol.iterator](): Iterator<ArchiveRow[]> {
    for (let rows = this.nextPage(); rows.length > 0; rows = this.nextPage()) yield rows;
  }
}

interface Compiled {
  sql: string;
  bySeq: boolean;
  timeBy: TimeBy;
  from: number;
  to: number;
  afterSeq: number;
  maxSeq: number;
  limit: number;
  filterArgs: (string | number)[];
  /** A filter list is empty: nothing matches, nothing need be read. */
  none: boolean;
}

/**
 * The statement of one page of `q`. Time-ordered pages bind (?1, ?2) = the previous page's last
 * (time, seq), ?3 = `to`, ?4 = rows wanted, then the filter's values; resume pages bind their
 * own order (see page()). Every shape names its index, so the planner can never pick a key index
 * with a sort (it would read every row of the keys in the range before the first).
 */
function compile(q: ArchiveQuery, keyed: boolean): Compiled {
  const stream = q.stream;
  ringOf(stream);
  const timeBy = q.timeBy ?? 'ert';
  if (timeBy !== 'ert' && timeBy !== 'scet') bad(`timeBy ${String(timeBy)}`);
  if (timeBy === 'scet' && !HAS_SCET[stream]) bad(`${stream} have no scet: query them by ert`);
  const from = q.from ?? 0;
  const to = q.to ?? NO_UPPER_BOUND;
  if (!(Number.isFinite(from) && Number.isFinite(to) && from >= 0 && from <= to)) {
    bad(`time range [${from}, ${to}) is not 0 <= from <= to`);
  }
  const afterSeq = q.afterSeq ?? 0;
  if (!(Number.isInteger(afterSeq) && afterSeq >= 0)) bad(`afterSeq ${afterSeq} is not a seq`);
  const limit = q.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) bad(`limit ${limit} is not positive`);
  const filter = q.filter ?? {};
  const sets = filterSets(stream, filter);
  const none = sets.some((s) => s.values.length === 0);
  const bySeq = q.afterSeq !== undefined;
  const maxSeq = q.maxSeq ?? Number.MAX_SAFE_INTEGER;
  const base = { bySeq, timeBy, from, to, afterSeq, maxSeq, limit, none };
  const key = KEY_INDEX[stream];
  const seek = key && sets.find((s) => s.column === key.column);
  if (!bySeq && timeBy === 'ert' && keyed && seek && seek.values.length <= KEY_SEEK_MAX && !none) {
    const rest = sets.filter((s) => s !== seek);
    return { ...base, ...keySeekSql(stream, seek.values, rest) };
  }
  // One bound JSON array whatever the set's size: no statement per set size, no variable limit.
  const terms = sets.map((s) => `${s.column} IN (SELECT value FROM json_each(?))`);
  const args: (string | number)[] = sets.map((s) => JSON.stringify(s.values));
  if (stream === 'events' && filter.minSeverity !== undefined && filter.minSeverity > 0) {
    terms.push('key1 >= ?');
    args.push(filter.minSeverity);
  }
  if (stream === 'events' && filter.eventParameters !== undefined) {
    if (!filter.eventParameters.every((v) => Number.isInteger(v)))
      bad('filter eventParameters holds a non-integer');
    terms.push('(key2 = -1 OR key2 IN (SELECT value FROM json_each(?)))');
    args.push(JSON.stringify(filter.eventParameters));
  }
  if (bySeq) {
    // NOT INDEXED: a resume walks the seq (rowid) order, which stays usable.
    const where = ['seq > ?', 'seq <= ?', `${timeBy} >= ?`, `${timeBy} < ?`, ...terms].join(' AND ');
    const sql = `SELECT ${COLUMNS} FROM ${stream} NOT INDEXED WHERE ${where} ORDER BY seq LIMIT ?`;
    return { ...base, sql, filterArgs: args };
  }
  // Row-value order on the (time, seq, …) index: one range scan that starts just after the
  // previous page's last row; (from, -1) starts at `from` itself.
  const numbered = terms.map((t, i) => t.replace('?', `?${5 + i}`));
  const where = [`(${timeBy}, seq) > (?1, ?2)`, `${timeBy} < ?3`, ...numbered].join(' AND ');
  const sql = `SELECT ${COLUMNS} FROM ${stream} INDEXED BY ${stream}_${timeBy} WHERE ${where} ORDER BY ${timeBy}, seq LIMIT ?4`;
  return { ...base, sql, filterArgs: args };
}

interface KeySet {
  column: 'key1' | 'key2';
  values: number[];
}

/**
 * A page of a query by ERT for a few values of the stream's key, from its key index: one seek per
 * value, each reading at most a page of (ert, seq) entries in order, merged; then the table rows
 * of the page's seqs. `rest`: the other filters (covered by the index, KEY_INDEX.covers).
 */
function keySeekSql(
  stream: Stream,
  values: number[],
  rest: KeySet[],
): { sql: string; filterArgs: (string | number)[] } {
  const column = KEY_INDEX[stream]!.column;
  const restTerms = rest.map((s, i) => ` AND ${s.column} IN (SELECT value FROM json_each(?${5 + i}))`);
  const filterArgs: (string | number)[] = rest.map((s) => JSON.stringify(s.values));
  const arm = (p: number, what: string) =>
    `SELECT ${what} FROM ${stream} INDEXED BY ${stream}_key WHERE ${column} = ?${p} AND (ert, seq) > (?1, ?2) AND ert < ?3${restTerms.join('')} ORDER BY ert, seq LIMIT ?4`;
  const first = 5 + rest.length;
  filterArgs.push(...values);
  if (values.length === 1) return { sql: arm(first, COLUMNS), filterArgs };
  const arms = values.map((_, i) => `SELECT ert, seq FROM (${arm(first + i, 'ert, seq')})`);
  const seqs = `SELECT seq FROM (${arms.join(' UNION ALL ')} ORDER BY 1, 2 LIMIT ?4)`;
  const sql = `SELECT ${COLUMNS} FROM ${stream} NOT INDEXED WHERE seq IN (${seqs}) ORDER BY ert, seq`;
  return { sql, filterArgs };
}

/** The filter's value sets that apply to `stream`, each deduplicated (a seek per value must not
 * return a row twice). */
function filterSets(stream: Stream, f: ArchiveFilter): KeySet[] {
  const sets: KeySet[] = [];
  const inSet = (column: 'key1' | 'key2', name: string, values: readonly number[] | undefined) => {
    if (values === undefined) return;
    if (!values.every((v) => Number.isInteger(v))) bad(`filter ${name} holds a non-integer`);
    sets.push({ column, values: [...new Set(values)] });
  };
  switch (stream) {
    case 'frames':
      inSet('key1', 'vcids', f.vcids);
      break;
    case 'packets':
      inSet('key1', 'vcids', f.vcids);
      inSet('key2', 'apids', f.apids);
      break;
    case 'parameters':
      inSet('key1', 'parameters', f.parameters);
      break;
    case 'events':
      break;
  }
  return sets;
}

function bad(message: string): never {
  throw new ArchiveError(ArchiveErrorCode.ERR_BAD_QUERY, message);
}

/** The statement a page of `q` runs, on a file with (`keyed`) or without the stream's key index:
 * what EXPLAIN QUERY PLAN checks. */
export function pageSql(q: ArchiveQuery, keyed: boolean): string {
  return compile(q, keyed).sql;
}
