import { CodedError } from '../util/coded-error.ts';

export const AdmissionErrorCode = {
  /** Caps or table size passed to createAdmission are not valid. */
  CONFIG: 'ERR_ADMISSION_CONFIG',
  /** A slot or agency index outside the shared tables. */
  RANGE: 'ERR_ADMISSION_RANGE',
  /** tryAdmit on a slot that already holds another agency's admission. */
  SLOT_BUSY: 'ERR_SLOT_BUSY',
  /** The state directory cannot be created, read or written. */
  STATE_DIR: 'ERR_STATE_DIR',
  /** boot.json exists but does not hold a valid boot id. */
  BOOT_FILE: 'ERR_BOOT_FILE',
} as const;
export type AdmissionErrorCode = (typeof AdmissionErrorCode)[keyof typeof AdmissionErrorCode];

export class AdmissionError extends CodedError<AdmissionErrorCode> {}
