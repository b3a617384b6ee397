// Messages between the main thread and the recorder thread (discriminated on `kind`).
import type { Stream } from '../../protocol/constants.ts';
import type { RingSetBuffers } from '../ring/ring.ts';
import type { ArchiveCountersBuffers } from './counters.ts';
import type { RecorderCounters, RecorderEvent, RecorderOptions } from './recorder.ts';
import type { ArchiveStoreOptions } from './store.ts';

export interface RecorderWorkerData {
  rings: RingSetBuffers;
  /** The archive file; created with its schema when missing. */
  path: string;
  store?: ArchiveStoreOptions;
  recorder?: RecorderOptions;
  /** A pino level name; default 'info'. */
  logLevel?: string;
  /** Totals and ring positions shared with the main and acquisition threads. */
  counters?: ArchiveCountersBuffers;
}

export type ToRecorder = { kind: 'counters' } | { kind: 'stop' };

export type FromRecorder =
  /** The archive is open and recording. Start the acquisition with `initialSeq = lastSeq + 1`. */
  | { kind: 'ready'; lastSeq: Record<Stream, number> }
  /** Every recorder event but `committed` (one per transaction: too frequent to post). */
  | { kind: 'event'; event: Exclude<RecorderEvent, { kind: 'committed' }> }
  /** The reply to `counters`. */
  | { kind: 'counters'; counters: RecorderCounters }
  /** The reply to `stop`: the last batch is committed and the file closed; the thread ends. */
  | { kind: 'stopped'; counters: RecorderCounters }
  /** Sent just before the thread ends on an error; `code` is the error's code when it has one. */
  | { kind: 'fatal'; message: string; code?: string };
