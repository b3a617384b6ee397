// Messages between an actor and its archive query running in the query pool
// (workers/archive-query.ts). One MessageChannel per query: the actor keeps one end, the pool
// task the other. The actor asks for one page at a time, so the client's reading paces the
// pool (flow control), and closing its end ends the pool task (cancellation).
import type { MessagePort } from 'node:worker_threads';
import type { Stream } from '../../protocol/constants.ts';
import type { ParameterInfo } from '../acquisition/source.ts';
import type { ArchiveFilter, ArchiveQuery, PageCursor, TimeBy } from './query.ts';
import type { RateGate } from './rate-gate.ts';

/** Actor → the pool's owner (main thread, `process.on('workerMessage')`): run a query on `port`. */
export interface QueryOpen {
  kind: 'archive-query-open';
  /** Which pool (several servers may share a process, e.g. in tests). */
  pool: string;
  port: MessagePort;
}

/** Where an actor finds the pool: handed to it in ActorInit. */
export interface QueryPoolAddress {
  threadId: number;
  pool: string;
}

/** How a page is cut into DATA bodies (ICD §2, §6). */
export interface EncodeOptions {
  stream: Stream;
  maxDataBytes: number;
  maxRecordsPerData: number;
  /** Paced replay: a body spans at most this much record time (µs) on `timeBy`; 0 = no cut. */
  sliceUs: number;
  timeBy: TimeBy;
}

export type QueryRequest =
  /** One page of a time-range query (`mode: archive`). */
  | {
      kind: 'page';
      id: number;
      query: ArchiveQuery;
      after: PageCursor | null;
      maxRows: number;
      encode: EncodeOptions;
      /** `rateHz` of a parameters session: rows it does not keep are left out (rate-gate.ts). */
      rate?: RateGate;
    }
  /**
   * One step of a `since` backfill: the records with afterSeq < seq < beforeSeq matching `filter`,
   * at most `maxRows` of them, scanning at most `scanRows` archived records.
   */
  | {
      kind: 'since';
      id: number;
      afterSeq: number;
      beforeSeq: number;
      scanRows: number;
      maxRows: number;
      filter: ArchiveFilter;
      /** Unfiltered: a hole in seq before a row is reported as that body's `skipped`. */
      gaps: boolean;
      encode: EncodeOptions;
      /** As for pages; a gated replay reports no gaps (like a filtered one). */
      rate?: RateGate;
    };

/** One DATA body's shared part (data-body.ts SharedData) as a view into the reply's buffer. */
export interface EncodedBody {
  offset: number;
  length: number;
  crc: number;
  shift: number;
  count: number;
  lastSeq: number;
  firstErt: number;
  lastErt: number;
  /** First and last record time > 0 on the query's axis (0 when none): the pacing. */
  firstTime: number;
  lastTime: number;
  /** Records lost before this body's first (unfiltered `since` only). */
  skipped: number;
}

export type QueryReply =
  | { kind: 'page'; id: number; buffer: ArrayBuffer; bodies: EncodedBody[]; next: PageCursor | null }
  | {
      kind: 'since';
      id: number;
      buffer: ArrayBuffer;
      bodies: EncodedBody[];
      /** The highest seq this step covered; afterSeq when the archive holds nothing in range yet. */
      through: number;
      /** The archive's highest seq now. */
      lastSeq: number;
    }
  | { kind: 'error'; id: number; code: string; message: string };

export function isQueryOpen(v: unknown): v is QueryOpen {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'archive-query-open';
}

/**
 * A display history read (src/web/history.ts), run as one pool task: the parameter's rows in
 * [fromUs, toUs) of ERT, cut down as `mode` says (src/web/history-scan.ts).
 */
export interface HistoryRequest {
  param: number;
  /** Decodes the rows into Open MCT points. */
  info: ParameterInfo;
  fromUs: number;
  toUs: number;
  mode: HistoryMode;
  /** The reply's limit: rows of a range, buckets × 2 of min/max; the scan reads 10 × this at most. */
  maxRows: number;
}

/** Every row of the range (the newest `maxRows` when more), its newest `count`, or Open MCT's min/max in `buckets` slices. */
export type HistoryMode =
  | { kind: 'raw' }
  | { kind: 'newest'; count: number }
  | { kind: 'minmax'; buckets: number };

export interface HistoryReply {
  /** The points as a JSON array. */
  json: string;
  /** Raw: more rows matched than maxRows (the newest maxRows are returned). Min/max: a bucket
   * held more rows than its share of the scan (its extremes are those of its first rows). */
  truncated: boolean;
}
