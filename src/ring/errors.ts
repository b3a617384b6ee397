import { CodedError } from '../util/coded-error.ts';

export const RingErrorCode = {
  /** A ring spec or value table size is not valid (slots not a power of two, sizes not positive…). */
  ERR_BAD_SPEC: 'ERR_BAD_SPEC',
  /** Shared buffers handed to a reader or writer do not match their declared sizes. */
  ERR_BAD_BUFFERS: 'ERR_BAD_BUFFERS',
  /** A ring index outside the ring set. */
  ERR_NO_SUCH_RING: 'ERR_NO_SUCH_RING',
  /** A payload larger than the ring's slotBytes or the value table's entryBytes. */
  ERR_RECORD_TOO_LARGE: 'ERR_RECORD_TOO_LARGE',
  /** The destination of a read has less than slotBytes of room at the offset. */
  ERR_DST_TOO_SMALL: 'ERR_DST_TOO_SMALL',
  /** A value table index outside the table. */
  ERR_BAD_INDEX: 'ERR_BAD_INDEX',
} as const;
export type RingErrorCode = (typeof RingErrorCode)[keyof typeof RingErrorCode];

export class RingError extends CodedError<RingErrorCode> {}
