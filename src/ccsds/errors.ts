// Configuration and API-misuse errors of the CCSDS downlink library. Bad telemetry is never an
// error: it is counted and flagged in the quality bits.
import { CodedError } from '../util/coded-error.ts';

export const CcsdsErrorCode = {
  /** The frame length does not fit the frame type, the trailer or the Reed-Solomon code. */
  ERR_FRAME_LENGTH: 'ERR_FRAME_LENGTH',
  /** An optional frame field (insert zone, secondary header) is configured out of range. */
  ERR_FRAME_LAYOUT: 'ERR_FRAME_LAYOUT',
  /** The Reed-Solomon interleave depth is not 1 to 5. */
  ERR_RS_INTERLEAVE: 'ERR_RS_INTERLEAVE',
  /** A Reed-Solomon code block or codeword has the wrong length for its configuration. */
  ERR_RS_BLOCK: 'ERR_RS_BLOCK',
  /** The frame synchroniser's flywheel or marker tolerance is out of range. */
  ERR_SYNC_CONFIG: 'ERR_SYNC_CONFIG',
  /** The spacecraft id does not fit the frame type. */
  ERR_SPACECRAFT_ID: 'ERR_SPACECRAFT_ID',
  /** A virtual channel id does not fit the frame type. */
  ERR_VCID: 'ERR_VCID',
  /** The packet size cap is out of range. */
  ERR_PACKET_CAP: 'ERR_PACKET_CAP',
  /** A CCSDS time code format (CUC or CDS P-field, octet counts, epoch) is invalid. */
  ERR_TIME_FORMAT: 'ERR_TIME_FORMAT',
  /** A per-APID swap correction is not one of the known kinds. */
  ERR_SWAP: 'ERR_SWAP',
  /** An APID is outside 0 to 2047. */
  ERR_APID: 'ERR_APID',
} as const;
export type CcsdsErrorCode = (typeof CcsdsErrorCode)[keyof typeof CcsdsErrorCode];

export class CcsdsError extends CodedError<CcsdsErrorCode> {}
