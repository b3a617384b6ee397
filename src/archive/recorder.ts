// Follows every ring as one more lock-free reader and appends each record to the archive in
// batched transactions. It never slows the acquisition: a recorder that falls a whole ring behind
// loses positions (counted, logged once per burst) and goes on from the oldest readable one.
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import { ReadStatus, type RecordMeta, type RingSetBuffers, RingSetReader } from '../ring/ring.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { ArchiveCounters, type ArchiveCountersBuffers } from './counters.ts';
import { ArchiveError, ArchiveErrorCode } from './errors.ts';
import { Retention, type RetentionPolicy } from './retention.ts';
import type { ArchiveStore } from './store.ts';

const IDLE_WAIT_MS = 1000;

export interface RecorderOptions {
  /** Longest a recorded record waits in the open transaction before it is committed: what a
   * kill -9 can lose at most (plus records not yet read from the ring). Default 200. */
  commitMs?: number;
  /** Most records per transaction. Default 16384. */
  maxBatch?: number;
  retention?: RetentionPolicy;
  /** How often the retention limits are checked. Default 10 000. */
  retentionEveryMs?: number;
  /** While the disk is full, how often a write is tried again. Default 1000. */
  fullRetryMs?: number;
}

export type RecorderEvent =
  /** A transaction committed: `lastSeq` (STREAMS order) is now durable against a process kill. */
  | { kind: 'committed'; records: number; lastSeq: readonly number[] }
  /** The first loss of a burst: the ring overwrote `positions` records before they were archived. */
  | { kind: 'lost'; stream: Stream; positions: number }
  /** Records are no longer archived: the disk is full. The ring keeps them while it can. */
  | { kind: 'disk-full' }
  /** A write succeeded again after `disk-full`. */
  | { kind: 'resumed'; pausedMs: number }
  /** A retention pass ended with the archive within its limits, after deleting `deleted` records. */
  | { kind: 'retained'; deleted: number };

export interface RecorderCounters {
  /** Records committed to the archive. */
  records: Record<Stream, number>;
  /** Ring positions overwritten before the recorder archived them. */
  lost: Record<Stream, number>;
  /** Records skipped because their seq was not above the archive's last (a seq that went back). */
  duplicates: Record<Stream, number>;
  commits: number;
  /** How many times the disk filled up (each pause counts once). */
  diskFull: number;
  paused: boolean;
  /** Records deleted by retention. */
  retained: number;
  /** Per ring, the position after the last committed record: a ring head minus this is the
   * records acquired and not yet durable in the archive (the commit lag). */
  committedPos: Record<Stream, number>;
  /** Records deleted by retention, per stream. */
  deleted: Record<Stream, number>;
}

export interface RecorderDeps {
  store: ArchiveStore;
  rings: RingSetBuffers;
  clock: Clock;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  onEvent?: (event: RecorderEvent) => void;
  /** Totals and ring positions shared with the other threads (src/archive/counters.ts). */
  counters?: ArchiveCountersBuffers;
}

/** Per-ring progress, snapshotted at the start of a transaction so a rollback rewinds it. */
interface Progress {
  /** Next ring position to read. */
  pos: number[];
  /** Highest seq appended (committed or in the open transaction). */
  lastSeq: number[];
  lost: number[];
  duplicates: number[];
  /** Positions lost since the last appended record: noted with the next record after a seq hole. */
  unarchived: number[];
}

const copy = (p: Progress): Progress => ({
  pos: [...p.pos],
  lastSeq: [...p.lastSeq],
  lost: [...p.lost],
  duplicates: [...p.duplicates],
  unarchived: [...p.unarchived],
});

const byStream = (values: readonly number[]) =>
  Object.fromEntries(STREAMS.map((s, i) => [s, values[i]!])) as Record<Stream, number>;

export class Recorder {
  readonly #store: ArchiveStore;
  readonly #reader: RingSetReader;
  readonly #clock: Clock;
  readonly #log: RecorderDeps['log'];
  readonly #emit: (event: RecorderEvent) => void;
  readonly #commitMs: number;
  readonly #maxBatch: number;
  readonly #retentionEveryMs: number;
  readonly #fullRetryMs: number;
  readonly #retention: Retention;
  readonly #meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  readonly #scratch: Uint8Array;
  readonly #stop = Promise.withResolvers<void>();
  #p: Progress;
  /** Progress when the open transaction began. */
  #txStart: Progress;
  #txRecords = 0;
  /** Per ring: records appended in the open transaction. */
  readonly #txCounts: number[] = STREAMS.map(() => 0);
  #txSince = 0;
  /** Per ring: inside a burst of losses, which was logged once. */
  readonly #losing: boolean[] = STREAMS.map(() => false);
  readonly #records: number[] = STREAMS.map(() => 0);
  #commits = 0;
  #diskFull = 0;
  #pausedSince: number | undefined;
  #retained = 0;
  #committedPos: number[] = [];
  readonly #deleted: number[] = STREAMS.map(() => 0);
  readonly #shared: ArchiveCounters | null;
  /** Records deleted by the retention pass under way. */
  #passDeleted = 0;
  #nextRetention = 0;
  #firstRing = 0;
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(deps: RecorderDeps, opts: RecorderOptions = {}) {
    this.#commitMs = positive('commitMs', opts.commitMs ?? 200);
    this.#maxBatch = Math.ceil(positive('maxBatch', opts.maxBatch ?? 16_384));
    this.#retentionEveryMs = positive('retentionEveryMs', opts.retentionEveryMs ?? 10_000);
    this.#fullRetryMs = positive('fullRetryMs', opts.fullRetryMs ?? 1000);
    this.#store = deps.store;
    this.#reader = new RingSetReader(deps.rings);
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#emit = deps.onEvent ?? (() => undefined);
    this.#retention = new Retention(deps.store, opts.retention ?? {}, deps.clock);
    this.#shared = deps.counters === undefined ? null : new ArchiveCounters(deps.counters);
    this.#scratch = new Uint8Array(Math.max(...STREAMS.map((_, ring) => this.#reader.maxRecordBytes(ring))));
    const lastSeq = STREAMS.map((s) => deps.store.lastSeq(s));
    this.#p = {
      pos: lastSeq.map((seq, ring) => this.#firstAfter(ring, seq)),
      lastSeq,
      lost: STREAMS.map(() => 0),
      duplicates: STREAMS.map(() => 0),
      unarchived: STREAMS.map(() => 0),
    };
    for (let ring = 0; ring < STREAMS.length; ring++) {
      const start = this.#p.pos[ring]!;
      const missed = this.#overwrittenSince(ring, lastSeq[ring]!);
      if (missed === 0) continue;
      // Counted (and reported) as an overrun up to the start position: the first record notes the hole.
      this.#p.pos[ring] = start - missed;
      this.#skipLost(ring, start);
    }
    this.#txStart = copy(this.#p);
    this.#committedPos = [...this.#p.pos];
    this.#shared?.progress(this.#p.pos);
  }

  /** Starts recording (once); the promise settles when stop() has flushed, or rejects on an
   * error other than a full disk (the archive file is then unusable: restart the thread). */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Records what the rings hold, commits and ends run(). The store stays open (the caller closes it). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stop.resolve();
    await this.#running;
  }

  counters(): RecorderCounters {
    return {
      records: byStream(this.#records),
      lost: byStream(this.#p.lost),
      duplicates: byStream(this.#p.duplicates),
      commits: this.#commits,
      diskFull: this.#diskFull,
      paused: this.#pausedSince !== undefined,
      retained: this.#retained,
      committedPos: byStream(this.#committedPos),
      deleted: byStream(this.#deleted),
    };
  }

  async #loop(): Promise<void> {
    const control = this.#reader.control;
    while (!this.#stopping) {
      // Read before scanning the heads: a commit after this read changes the doorbell, so the
      // wait below returns at once instead of sleeping through it.
      const bell = control.doorbell();
      if (this.#pausedSince !== undefined) {
        await this.#sleep(this.#fullRetryMs);
        if (this.#stopping) break;
      }
      let more = false;
      try {
        more = this.#drain() && !this.#stopping;
        const now = this.#clock.monoMs();
        if (
          this.#store.inTransaction &&
          (more || this.#pausedSince !== undefined || now - this.#txSince >= this.#commitMs)
        ) {
          this.#commit();
        }
        if (!this.#store.inTransaction && now >= this.#nextRetention) more = this.#retain(now) || more;
      } catch (err) {
        if (!(err instanceof ArchiveError && err.code === ArchiveErrorCode.ERR_ARCHIVE_FULL)) throw err;
        this.#full();
        continue;
      }
      if (more) continue;
      const now = this.#clock.monoMs();
      const until = this.#store.inTransaction ? this.#txSince + this.#commitMs : this.#nextRetention;
      // Capped so a wait left pending by stop() ends soon (a pending waitAsync keeps a thread alive).
      const timeout = Math.min(IDLE_WAIT_MS, Math.max(0, until - now));
      await Promise.race([control.waitDoorbell(bell, timeout), this.#stop.promise]);
    }
    this.#finish();
  }

  /** Appends what the rings hold, up to the batch limit; true when it stopped at that limit. */
  #drain(): boolean {
    let budget = this.#maxBatch - this.#txRecords;
    // A different ring goes first each time, so a flooded ring cannot starve the others.
    for (let k = 0; k < STREAMS.length && budget > 0; k++) {
      budget -= this.#drainRing((this.#firstRing + k) % STREAMS.length, budget);
    }
    this.#firstRing = (this.#firstRing + 1) % STREAMS.length;
    // Read (copied into the transaction's staging): a file replay may write on (recorder-pace.ts).
    this.#shared?.progress(this.#p.pos);
    return budget <= 0;
  }

  #drainRing(ring: number, budget: number): number {
    const p = this.#p;
    const reader = this.#reader;
    let lost = this.#skipLost(ring, reader.oldest(ring));
    let n = 0;
    while (n < budget) {
      const pos = p.pos[ring]!;
      const len = reader.read(ring, pos, this.#meta, this.#scratch, 0);
      if (len === ReadStatus.EMPTY) break;
      if (len === ReadStatus.OVERRUN) {
        // The slot was overwritten under us; the published head may not show it yet, so move on
        // by at least this record.
        lost = this.#skipLost(ring, Math.max(pos + 1, reader.oldest(ring))) || lost;
        continue;
      }
      if (this.#meta.seq <= p.lastSeq[ring]!) {
        p.pos[ring] = pos + 1;
        this.#shared?.add('duplicates', ring, 1);
        if (p.duplicates[ring]++ === 0) {
          this.#log.warn(
            { stream: STREAMS[ring], seq: this.#meta.seq, lastSeq: p.lastSeq[ring] },
            'record seq not above the archive: skipping such records',
          );
        }
        continue;
      }
      // Begun before the position moves: the snapshot a rollback rewinds to includes this record.
      if (!this.#store.inTransaction) this.#begin();
      p.pos[ring] = pos + 1;
      // A seq hole is lost records, a seq jump (a restart after a crash), or both: the backfill
      // reports only the lost ones as skipped.
      if ((p.lastSeq[ring]! > 0 || p.unarchived[ring]! > 0) && this.#meta.seq !== p.lastSeq[ring]! + 1)
        this.#store.noteHole(ring, this.#meta.seq, p.unarchived[ring]!);
      this.#store.append(ring, this.#meta, this.#scratch.subarray(0, len));
      p.lastSeq[ring] = this.#meta.seq;
      p.unarchived[ring] = 0;
      this.#txRecords++;
      this.#txCounts[ring]!++;
      n++;
    }
    if (!lost) this.#losing[ring] = false;
    return n;
  }

  /** Moves ring's position up to `oldest` if it fell behind it; true when positions were lost. */
  #skipLost(ring: number, oldest: number): boolean {
    const p = this.#p;
    const positions = oldest - p.pos[ring]!;
    if (positions <= 0) return false;
    p.lost[ring]! += positions;
    p.unarchived[ring]! += positions;
    this.#shared?.add('lost', ring, positions);
    p.pos[ring] = oldest;
    if (!this.#losing[ring]) {
      this.#losing[ring] = true;
      const stream = STREAMS[ring]!;
      this.#log.warn({ stream, positions }, 'archive recorder overrun by the ring: records lost');
      this.#emit({ kind: 'lost', stream, positions });
    }
    return true;
  }

  #begin(): void {
    this.#store.begin();
    this.#txStart = copy(this.#p);
    this.#txRecords = 0;
    this.#txSince = this.#clock.monoMs();
  }

  #commit(): void {
    this.#store.commit();
    for (let ring = 0; ring < STREAMS.length; ring++) {
      this.#records[ring]! += this.#txCounts[ring]!;
      this.#shared?.add('records', ring, this.#txCounts[ring]!);
      this.#txCounts[ring] = 0;
    }
    this.#commits++;
    this.#committedPos = [...this.#p.pos];
    const records = this.#txRecords;
    this.#txRecords = 0;
    this.#emit({ kind: 'committed', records, lastSeq: [...this.#p.lastSeq] });
    if (this.#pausedSince !== undefined) {
      const pausedMs = this.#clock.monoMs() - this.#pausedSince;
      this.#pausedSince = undefined;
      this.#log.info({ pausedMs }, 'archive disk has room again: recording resumed');
      this.#emit({ kind: 'resumed', pausedMs });
    }
  }

  /** One retention step when due; true while there is more to delete. */
  #retain(now: number): boolean {
    if (!this.#retention.enabled) {
      this.#nextRetention = Number.POSITIVE_INFINITY;
      return false;
    }
    const { ring, deleted } = this.#retention.step();
    this.#retained += deleted;
    if (deleted > 0) {
      this.#deleted[ring]! += deleted;
      this.#shared?.add('deleted', ring, deleted);
    }
    this.#passDeleted += deleted;
    if (deleted > 0) return true;
    this.#nextRetention = now + this.#retentionEveryMs;
    if (this.#passDeleted > 0) {
      this.#log.info({ deleted: this.#passDeleted }, 'archive retention deleted old records');
      this.#emit({ kind: 'retained', deleted: this.#passDeleted });
      this.#passDeleted = 0;
    }
    return false;
  }

  /** The disk is full: the store rolled back; rewind to the transaction's start so the records
   * are read again from the ring (still there unless it overran meanwhile) once space returns. */
  #full(): void {
    this.#p = copy(this.#txStart);
    this.#txRecords = 0;
    this.#txCounts.fill(0);
    // Deleting old records may make room (retention by size): try it on the next turn.
    this.#nextRetention = 0;
    if (this.#pausedSince !== undefined) return;
    this.#pausedSince = this.#clock.monoMs();
    this.#diskFull++;
    this.#log.error('archive disk full: recording paused, live distribution goes on');
    this.#emit({ kind: 'disk-full' });
  }

  /** On stop: records what the rings still hold (stop the acquisition first to lose nothing). */
  #finish(): void {
    try {
      if (this.#pausedSince === undefined) {
        while (this.#drain()) this.#commit();
      }
      if (this.#store.inTransaction) this.#commit();
    } catch (err) {
      if (!(err instanceof ArchiveError && err.code === ArchiveErrorCode.ERR_ARCHIVE_FULL)) throw err;
      this.#full();
      this.#log.error('archive disk full at shutdown: the last batch was not recorded');
    }
  }

  #sleep(ms: number): Promise<void> {
    const done = Promise.withResolvers<void>();
    const timer = this.#clock.setTimeout(done.resolve, ms);
    return Promise.race([done.promise, this.#stop.promise]).finally(() => this.#clock.clearTimeout(timer));
  }

  /**
   * Positions the ring wrote after the archive's last record `seq` and overwrote before this
   * recorder could read them: a recorder thread restarted while the acquisition went on. The
   * rings only hold this server run's records, numbered one apart, so the loss is the seq gap
   * up to the first readable record, at most the positions before it (the rest of the gap is
   * the seq jump of a restart after a crash). A readable record just before it means the gap
   * is a seq jump inside the ring, nothing lost.
   */
  #overwrittenSince(ring: number, seq: number): number {
    const pos = this.#p.pos[ring]!;
    if (pos === 0 || this.#reader.readMeta(ring, pos, this.#meta) < 0) return 0;
    const gap = this.#meta.seq - seq - 1;
    if (gap <= 0 || this.#reader.readMeta(ring, pos - 1, this.#meta) >= 0) return 0;
    return Math.min(pos, gap);
  }

  /** The first ring position whose record has seq > `seq` (the ring's seqs increase with position),
   * so a restarted recorder neither re-records nor skips what the ring still holds. */
  #firstAfter(ring: number, seq: number): number {
    let lo = this.#reader.oldest(ring);
    let hi = this.#reader.head(ring);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      // An unreadable (overwritten) record is older than every readable one: search above it.
      if (this.#reader.readMeta(ring, mid, this.#meta) < 0 || this.#meta.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function positive(name: string, v: number): number {
  if (!(v > 0 && Number.isFinite(v))) {
    throw new ArchiveError(ArchiveErrorCode.ERR_BAD_OPTIONS, `recorder ${name} must be a positive number`);
  }
  return v;
}
