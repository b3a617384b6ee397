import { CodedError } from '../util/coded-error.ts';

export const ArchiveErrorCode = {
  /** The archive file cannot be opened (missing, unreadable, not a database). */
  ERR_ARCHIVE_OPEN: 'ERR_ARCHIVE_OPEN',
  /** The file is an archive of another schema version (or not an archive at all). */
  ERR_ARCHIVE_SCHEMA: 'ERR_ARCHIVE_SCHEMA',
  /** The disk (or the configured page ceiling) is full: the write was rolled back. */
  ERR_ARCHIVE_FULL: 'ERR_ARCHIVE_FULL',
  /** A query that cannot be run (unknown stream, a time axis the stream lacks, bad bounds). */
  ERR_BAD_QUERY: 'ERR_BAD_QUERY',
  /** Recorder or retention options out of range. */
  ERR_BAD_OPTIONS: 'ERR_BAD_OPTIONS',
  /** append() or commit() outside a transaction, begin() inside one. */
  ERR_NO_TRANSACTION: 'ERR_NO_TRANSACTION',
  /** A request on an archive query that was closed (its client left) or whose pool thread ended. */
  ERR_QUERY_CLOSED: 'ERR_QUERY_CLOSED',
  /** The recorder thread got a message it does not understand. */
  ERR_WORKER_MESSAGE: 'ERR_WORKER_MESSAGE',
  /** The recorder thread ended on its own (crashed, killed, or failed to start) with no coded error. */
  ERR_RECORDER_EXITED: 'ERR_RECORDER_EXITED',
} as const;
export type ArchiveErrorCode = (typeof ArchiveErrorCode)[keyof typeof ArchiveErrorCode];

export class ArchiveError extends CodedError<ArchiveErrorCode> {}

/** SQLite's primary result code for "database or disk is full". */
export const SQLITE_FULL = 13;

/** True when `err` is node:sqlite's error for a full disk or a reached max_page_count. */
export function isSqliteFull(err: unknown): boolean {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  // Extended result codes keep the primary code in the low byte.
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_FULL;
}
