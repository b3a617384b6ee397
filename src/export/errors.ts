// Errors of exports and standing orders. Callers (the CLI, the standing-order runner) branch on `code`.
import { CodedError } from '../util/coded-error.ts';

export const ExportErrorCode = {
  /** The export asked for is not possible: bad time range, filter, or a format the stream has not. */
  ERR_EXPORT_SPEC: 'ERR_EXPORT_SPEC',
  /** The output could not be written (file, directory). */
  ERR_EXPORT_OUTPUT: 'ERR_EXPORT_OUTPUT',
  /** A delivery attempt of a standing order failed (endpoint refused, unreachable, bad HTTP status). */
  ERR_DELIVERY: 'ERR_DELIVERY',
  /** The export thread failed or sent something it should not. */
  ERR_EXPORT_WORKER: 'ERR_EXPORT_WORKER',
} as const;
export type ExportErrorCode = (typeof ExportErrorCode)[keyof typeof ExportErrorCode];

export class ExportError extends CodedError<ExportErrorCode> {}
