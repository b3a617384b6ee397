// The archive file: one SQLite database (WAL) holding every recorded record of every stream,
// each as the exact msgpack bytes the ring carried, so serving never re-encodes.
//
// One writer per file (the recorder thread holds the only ArchiveStore); readers open their
// own connections (query.ts). node:sqlite is synchronous: never use this on a thread that
// must stay responsive.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import type { RecordMeta } from '../ring/ring.ts';
import { ArchiveError, ArchiveErrorCode, isSqliteFull } from './errors.ts';

export const SCHEMA_VERSION = 4;
export const PAGE_BYTES = 8192;

/** Streams whose records carry a spacecraft time (frames have none; an event has only `time`, its ERT). */
export const HAS_SCET: Readonly<Record<Stream, boolean>> = {
  frames: false,
  packets: true,
  parameters: true,
  events: false,
};

/**
 * Per stream, the key a query filters on that can be rare among the stream's records (one
 * parameter of thousands, one APID, a quiet VC), and its index (`<stream>_key`, version 3):
 * (key, ert, seq) holds each key's records in time order, so a query for a rare key seeks to its
 * first row instead of walking the time index past every other key's. Packets carry the VC too,
 * so a query filtered on both is answered from the index alone. Events (a severity range, few
 * records) have none.
 */
export const KEY_INDEX: Readonly<Partial<Record<Stream, KeyIndex>>> = {
  frames: { column: 'key1', filter: 'vcids', covers: '' },
  packets: { column: 'key2', filter: 'apids', covers: ', key1' },
  parameters: { column: 'key1', filter: 'parameters', covers: '' },
};

export interface KeyIndex {
  readonly column: 'key1' | 'key2';
  /** The ArchiveFilter field naming this key's values. */
  readonly filter: 'vcids' | 'apids' | 'parameters';
  /** Further columns carried in the index, so their filters need no table row. */
  readonly covers: string;
}

function keyIndexSql(stream: Stream): string {
  const k = KEY_INDEX[stream];
  return k === undefined
    ? ''
    : `CREATE INDEX IF NOT EXISTS ${stream}_key ON ${stream}(${k.column}, ert, seq${k.covers});`;
}

/** Where seq is not contiguous, the records known lost there (`lost`): the recorder fell a ring
 * behind. The rest of a hole is a seq jump (a restart after a crash), which loses no record. */
const HOLES_SQL =
  'CREATE TABLE holes (stream INTEGER NOT NULL, seq INTEGER NOT NULL, lost INTEGER NOT NULL, PRIMARY KEY (stream, seq)) WITHOUT ROWID;';

/**
 * When records were recorded (version 4), for retention: the records of `stream` with seq up to
 * `seq` (and above the previous row's) were all recorded at or before `at` (µs, wall clock). One
 * row per stream per MARK_WINDOW_US: a commit moves the open window's row up to its last seq and
 * its time; `since` (the window's first commit) keys it. ERT is the data's own time (a replay of a
 * months-old pass keeps it) and stays the query axis; retention goes by this.
 */
const RECORDED_SQL =
  'CREATE TABLE IF NOT EXISTS recorded (stream INTEGER NOT NULL, since INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (stream, since)) WITHOUT ROWID;';
/** Retention by recording time is this precise: a record may outlive its limit by this much. */
const MARK_WINDOW_US = 10_000_000;

/** With external checkpoints, the WAL size (pages, 256 MiB) at which the writer checkpoints itself. */
const WAL_VALVE_PAGES = (256 * 1024 * 1024) / PAGE_BYTES;

/** Rows per multi-row INSERT: one native call per 256 records instead of one per record
 * (≈ 15 % less CPU per record than 64 rows; docs/PERFORMANCE.md). */
const ROWS = 256;
const COLUMNS = 7;

export interface ArchiveStoreOptions {
  /** 'external': checkpoint-worker.ts checkpoints the WAL from its own thread, so commits do not
   * wait for the database file's I/O; this connection does only past 256 MiB of WAL. Default 'auto'. */
  checkpoints?: 'auto' | 'external';
  /** A hard ceiling on the file size (rounded down to whole pages): writes beyond fail with
   * ERR_ARCHIVE_FULL exactly as on a full disk. Absent: no ceiling but the disk. */
  maxFileBytes?: number;
  /** Wall clock of the recording marks (µs since 1970); default Date.now. */
  nowUs?: () => number;
  /** Also keep the `parameters` key index: one parameter's history among thousands is read
   * from it directly, but every commit then rewrites about one index page per parameter, about
   * 4× the recording CPU of parameter records (docs/PERFORMANCE.md). Default false: parameter
   * queries walk the time index. Switching it on builds the index at open; off drops it. */
  parameterKeyIndex?: boolean;
}

/** Key indexes this store keeps: all of KEY_INDEX, `parameters` only when asked for. */
function keyIndexed(stream: Stream, opts: ArchiveStoreOptions): boolean {
  return KEY_INDEX[stream] !== undefined && (stream !== 'parameters' || opts.parameterKeyIndex === true);
}

function createSql(stream: Stream): string {
  // seq is the rowid: appends go to the right edge of the table b-tree and `seq > ?` (resume)
  // is a range scan of it, with no separate seq index. The time indexes carry seq and both keys
  // so a filtered time query walks the index in (time, seq) order and reads a table row only
  // for a record it keeps.
  const indexes = [`CREATE INDEX ${stream}_ert ON ${stream}(ert, seq, key1, key2);`];
  if (HAS_SCET[stream]) indexes.push(`CREATE INDEX ${stream}_scet ON ${stream}(scet, seq, key1, key2);`);
  return `CREATE TABLE ${stream} (
    seq INTEGER PRIMARY KEY,
    ert INTEGER NOT NULL,
    scet INTEGER NOT NULL,
    key1 INTEGER NOT NULL,
    key2 INTEGER NOT NULL,
    quality INTEGER NOT NULL,
    payload BLOB NOT NULL
  ); ${indexes.join(' ')}`;
}

/** Rows of one stream waiting for a multi-row INSERT. */
interface Staging {
  readonly many: StatementSync;
  readonly one: StatementSync;
  readonly args: unknown[];
  rows: number;
  /** Payload bytes of the staged rows, `stride` bytes per row: the records are copied here, so
   * the caller may reuse its buffer as soon as append() returns. */
  stage: Uint8Array;
  stride: number;
}

export class ArchiveStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #staging: Staging[];
  readonly #maxSeq: StatementSync[];
  readonly #minErt: StatementSync[];
  readonly #highOfOldest: StatementSync[];
  readonly #highOfRecorded: StatementSync[];
  readonly #deleteUpTo: StatementSync[];
  readonly #markRecorded: StatementSync;
  readonly #recordedBefore: StatementSync;
  readonly #dropMarks: StatementSync;
  readonly #nowUs: () => number;
  /** Per ring: the highest seq appended in the open transaction (0: none). */
  readonly #txHigh: number[] = STREAMS.map(() => 0);
  /** Per ring: the `since` key of the open recording window, and when it opened. */
  readonly #window: number[] = STREAMS.map(() => Number.NEGATIVE_INFINITY);
  readonly #state: StatementSync;
  readonly #hole: StatementSync;
  readonly #dropHoles: StatementSync;
  readonly #raiseState: StatementSync;

  constructor(path: string, opts: ArchiveStoreOptions = {}) {
    this.path = path;
    this.#nowUs = opts.nowUs ?? (() => Date.now() * 1000);
    this.#db = new DatabaseSync(path);
    try {
      this.#init();
      this.#keyIndexes(opts);
      // Only as a safety valve, should the checkpointer fall far behind: the WAL stays bounded.
      if (opts.checkpoints === 'external') this.#db.exec(`PRAGMA wal_autocheckpoint = ${WAL_VALVE_PAGES}`);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    const db = this.#db;
    this.#staging = STREAMS.map((s) => ({
      many: db.prepare(`INSERT INTO ${s} VALUES ${Array(ROWS).fill('(?,?,?,?,?,?,?)').join(',')}`),
      one: db.prepare(`INSERT INTO ${s} VALUES (?,?,?,?,?,?,?)`),
      args: new Array<unknown>(ROWS * COLUMNS),
      rows: 0,
      stage: new Uint8Array(ROWS * 128),
      stride: 128,
    }));
    this.#maxSeq = STREAMS.map((s) => db.prepare(`SELECT max(seq) AS v FROM ${s}`));
    this.#minErt = STREAMS.map((s) => db.prepare(`SELECT min(ert) AS v FROM ${s}`));
    this.#highOfOldest = STREAMS.map((s) =>
      db.prepare(`SELECT max(seq) AS v FROM (SELECT seq FROM ${s} ORDER BY seq LIMIT ?)`),
    );
    this.#highOfRecorded = STREAMS.map((s) =>
      db.prepare(`SELECT max(seq) AS v FROM (SELECT seq FROM ${s} WHERE seq <= ? ORDER BY seq LIMIT ?)`),
    );
    this.#deleteUpTo = STREAMS.map((s) => db.prepare(`DELETE FROM ${s} WHERE seq <= ?`));
    this.#markRecorded = db.prepare(
      `INSERT INTO recorded (stream, since, seq, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream, since) DO UPDATE SET seq = max(seq, excluded.seq), at = max(at, excluded.at)`,
    );
    // Windows follow each other in time: the newest that began before the cutoff and whose last
    // commit is also before it is at most the second row read, walking back from the cutoff.
    this.#recordedBefore = db.prepare(
      'SELECT seq AS v FROM recorded WHERE stream = ? AND since < ? AND at < ? ORDER BY since DESC LIMIT 1',
    );
    this.#dropMarks = db.prepare('DELETE FROM recorded WHERE stream = ? AND seq <= ?');
    this.#state = db.prepare('SELECT high_seq AS v FROM stream_state WHERE stream = ?');
    this.#hole = db.prepare('INSERT OR REPLACE INTO holes (stream, seq, lost) VALUES (?, ?, ?)');
    this.#dropHoles = db.prepare('DELETE FROM holes WHERE stream = ? AND seq <= ?');
    this.#raiseState = db.prepare(
      `INSERT INTO stream_state (stream, high_seq) VALUES (?, ?)
       ON CONFLICT (stream) DO UPDATE SET high_seq = max(high_seq, excluded.high_seq)`,
    );
    this.setMaxFileBytes(opts.maxFileBytes ?? null);
  }

  #init(): void {
    const db = this.#db;
    // page_size only takes effect on a new file, before its first table.
    db.exec(`PRAGMA page_size = ${PAGE_BYTES}`);
    // WAL: readers (query threads) never block the recorder and the recorder never blocks them.
    // synchronous=NORMAL: a commit is a write() to the WAL without fsync. A killed process loses
    // nothing committed (the OS holds the pages); a power cut can lose the last commits since the
    // last checkpoint but never corrupts the file.
    db.exec(`PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA cache_size = -65536;
      PRAGMA journal_size_limit = 67108864;
      PRAGMA busy_timeout = 5000;`);
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version === SCHEMA_VERSION) return;
    if (version === 1 || version === 2 || version === 3) {
      this.#migrate(version);
      return;
    }
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {
      n: number;
    };
    if (version !== 0 || tables.n !== 0) {
      throw new ArchiveError(
        ArchiveErrorCode.ERR_ARCHIVE_SCHEMA,
        `${this.path}: schema version ${version}, this server reads ${SCHEMA_VERSION}`,
      );
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const s of STREAMS) db.exec(createSql(s));
      // The highest seq ever deleted per stream, so seq still continues after retention emptied a table.
      db.exec('CREATE TABLE stream_state (stream TEXT PRIMARY KEY, high_seq INTEGER NOT NULL) WITHOUT ROWID');
      db.exec(HOLES_SQL);
      db.exec(RECORDED_SQL);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Brings a version 1 (no `holes`), 2 or 3 (no `recorded`) file to this version in place, in one
   * transaction: a failure (a full disk) leaves it as it was. The key indexes follow in
   * #keyIndexes: building one reads the whole stream (4.8 s for 4.8 GB in the page cache; a cold
   * file at the disk's read rate), and the recorder starts recording only after that. What an
   * older file holds is taken as recorded now (its recording time was not kept): retention by age
   * deletes it one retention period from now, never earlier. */
  #migrate(version: 1 | 2 | 3): void {
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      if (version === 1) db.exec(HOLES_SQL);
      db.exec(RECORDED_SQL);
      const now = this.#nowUs();
      STREAMS.forEach((s, ring) => {
        const high = (db.prepare(`SELECT max(seq) AS v FROM ${s}`).get() as { v: number | null }).v;
        if (high !== null) {
          db.prepare('INSERT OR REPLACE INTO recorded (stream, since, seq, at) VALUES (?, ?, ?, ?)').run(
            ring,
            now,
            high,
            now,
          );
        }
      });
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw wrapFull(err);
    }
  }

  /** Creates the key indexes this store keeps and drops one it no longer keeps (a change of
   * `parameterKeyIndex`); a no-op once the file matches. Building reads the whole stream. */
  #keyIndexes(opts: ArchiveStoreOptions): void {
    const db = this.#db;
    const existing = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const sql: string[] = [];
    for (const s of STREAMS) {
      const want = keyIndexed(s, opts);
      if (want && !existing.has(`${s}_key`)) sql.push(keyIndexSql(s));
      if (!want && existing.has(`${s}_key`)) sql.push(`DROP INDEX ${s}_key;`);
    }
    if (sql.length === 0) return;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const q of sql) db.exec(q);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw wrapFull(err);
    }
  }

  /** The highest seq ever archived for `stream` (kept after retention deleted it), 0 for none:
   * the acquisition continues with lastSeq + 1 after a restart. */
  lastSeq(stream: Stream): number {
    const ring = ringOf(stream);
    const inTable = (this.#maxSeq[ring]!.get() as { v: number | null }).v ?? 0;
    const deleted = (this.#state.get(stream) as { v: number } | undefined)?.v ?? 0;
    return Math.max(inTable, deleted);
  }

  lastSeqs(): Record<Stream, number> {
    return Object.fromEntries(STREAMS.map((s) => [s, this.lastSeq(s)])) as Record<Stream, number>;
  }

  /** Mirrors the connection's state without a native call per record (the recorder asks per record). */
  #tx = false;

  get inTransaction(): boolean {
    return this.#tx;
  }

  begin(): void {
    if (this.#tx) {
      throw new ArchiveError(ArchiveErrorCode.ERR_NO_TRANSACTION, 'begin() inside a transaction');
    }
    this.#db.exec('BEGIN IMMEDIATE');
    this.#tx = true;
  }

  /**
   * Adds one record of ring `ring` (STREAMS order) to the open transaction. `payload` is copied.
   * Throws ERR_ARCHIVE_FULL when the disk is full: the transaction is then rolled back.
   */
  append(ring: number, meta: RecordMeta, payload: Uint8Array): void {
    if (!this.#tx) {
      throw new ArchiveError(ArchiveErrorCode.ERR_NO_TRANSACTION, 'append() outside a transaction');
    }
    const st = this.#staging[ring];
    if (st === undefined) throw new ArchiveError(ArchiveErrorCode.ERR_BAD_QUERY, `no stream ${ring}`);
    if (payload.length > st.stride) this.#widen(st, payload.length);
    const at = st.rows * st.stride;
    st.stage.set(payload, at);
    const o = st.rows * COLUMNS;
    const args = st.args;
    args[o] = meta.seq;
    args[o + 1] = meta.ert;
    args[o + 2] = meta.scet;
    args[o + 3] = meta.key1;
    args[o + 4] = meta.key2;
    args[o + 5] = meta.quality;
    args[o + 6] = st.stage.subarray(at, at + payload.length);
    this.#txHigh[ring] = meta.seq;
    if (++st.rows < ROWS) return;
    this.#guard(() => st.many.run(...(args as number[])));
    st.rows = 0;
  }

  /** Notes, in the open transaction, that the record `seq` of `ring` follows a hole in seq holding
   * `lost` records that were never archived (the rest of the hole is a seq jump). */
  noteHole(ring: number, seq: number, lost: number): void {
    this.#guard(() => this.#hole.run(ring, seq, lost));
  }

  /** Writes the staged rows and commits. Throws ERR_ARCHIVE_FULL (rolled back) on a full disk. */
  commit(): void {
    if (!this.#tx) {
      throw new ArchiveError(ArchiveErrorCode.ERR_NO_TRANSACTION, 'commit() outside a transaction');
    }
    this.#guard(() => {
      for (const st of this.#staging) this.#flush(st);
      this.#markWindows();
      this.#db.exec('COMMIT');
    });
    this.#tx = false;
  }

  /** Notes, in the committing transaction, when the records it appended were recorded. */
  #markWindows(): void {
    const now = this.#nowUs();
    for (let ring = 0; ring < STREAMS.length; ring++) {
      const high = this.#txHigh[ring]!;
      if (high === 0) continue;
      this.#txHigh[ring] = 0;
      if (!(now - this.#window[ring]! < MARK_WINDOW_US)) this.#window[ring] = now;
      this.#markRecorded.run(ring, this.#window[ring]!, high, now);
    }
  }

  /** Drops the open transaction and every staged row (a no-op outside a transaction). */
  rollback(): void {
    for (const st of this.#staging) st.rows = 0;
    this.#txHigh.fill(0);
    this.#tx = false;
    if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
  }

  /** Bytes of pages holding data (the file minus its free pages): what retention by size bounds. */
  usedBytes(): number {
    return (this.#pragma('page_count') - this.#pragma('freelist_count')) * PAGE_BYTES;
  }

  /** Sets (or with null removes) the hard ceiling on the file size; see ArchiveStoreOptions. */
  setMaxFileBytes(bytes: number | null): void {
    // SQLite's own maximum is 2^32 - 2 pages; it never lowers the ceiling below the current size.
    const pages = bytes === null ? 0xfffffffe : Math.max(1, Math.floor(bytes / PAGE_BYTES));
    this.#db.exec(`PRAGMA max_page_count = ${pages}`);
  }

  /** The smallest ERT archived for `ring`, undefined when it holds nothing. */
  oldestErt(ring: number): number | undefined {
    return (this.#minErt[ring]!.get() as { v: number | null }).v ?? undefined;
  }

  /** Deletes, in a transaction of its own, up to `maxRows` of the lowest seqs of `ring`; returns how many. */
  deleteOldest(ring: number, maxRows: number): number {
    return this.#delete(ring, this.#highOfOldest[ring]!, [maxRows], (high) =>
      this.#deleteUpTo[ring]!.run(high),
    );
  }

  /**
   * Deletes, in a transaction of its own, up to `maxRows` of the lowest seqs of `ring` among the
   * records recorded before `atUs` (µs, wall clock; not their ERT: a replayed old pass is as new
   * as its recording); returns how many.
   */
  deleteRecordedBefore(ring: number, atUs: number, maxRows: number): number {
    const upTo = (this.#recordedBefore.get(ring, atUs, atUs) as { v: number } | undefined)?.v;
    if (upTo === undefined) return 0;
    return this.#delete(ring, this.#highOfRecorded[ring]!, [upTo, maxRows], (high) =>
      this.#deleteUpTo[ring]!.run(high),
    );
  }

  close(): void {
    if (!this.#db.isOpen) return;
    this.rollback();
    this.#db.close();
  }

  #delete(
    ring: number,
    high: StatementSync,
    args: number[],
    run: (high: number) => { changes: number | bigint },
  ): number {
    this.begin();
    try {
      const v = (high.get(...args) as { v: number | null }).v;
      const deleted = v === null ? 0 : Number(run(v).changes);
      if (v !== null) {
        this.#raiseState.run(STREAMS[ring]!, v);
        this.#dropHoles.run(ring, v);
        this.#dropMarks.run(ring, v);
      }
      this.#db.exec('COMMIT');
      this.#tx = false;
      return deleted;
    } catch (err) {
      this.rollback();
      throw wrapFull(err);
    }
  }

  #flush(st: Staging): void {
    const args = st.args;
    for (let r = 0; r < st.rows; r++) {
      const o = r * COLUMNS;
      st.one.run(
        args[o] as number,
        args[o + 1] as number,
        args[o + 2] as number,
        args[o + 3] as number,
        args[o + 4] as number,
        args[o + 5] as number,
        args[o + 6] as Uint8Array,
      );
    }
    st.rows = 0;
  }

  /** Makes room for payloads of `length` bytes, writing the staged rows first (they point into the stage). */
  #widen(st: Staging, length: number): void {
    this.#guard(() => this.#flush(st));
    st.stride = 2 ** Math.ceil(Math.log2(length));
    st.stage = new Uint8Array(ROWS * st.stride);
  }

  /** Runs a write; on a full disk rolls back (SQLite may already have) and throws ERR_ARCHIVE_FULL. */
  #guard(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.rollback();
      throw wrapFull(err);
    }
  }

  #pragma(name: 'page_count' | 'freelist_count'): number {
    return (this.#db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]!;
  }
}

function wrapFull(err: unknown): unknown {
  return isSqliteFull(err)
    ? new ArchiveError(ArchiveErrorCode.ERR_ARCHIVE_FULL, 'archive disk full', { cause: err })
    : err;
}

export function ringOf(stream: string): number {
  const ring = STREAMS.indexOf(stream as Stream);
  if (ring < 0) throw new ArchiveError(ArchiveErrorCode.ERR_BAD_QUERY, `no stream ${stream}`);
  return ring;
}
