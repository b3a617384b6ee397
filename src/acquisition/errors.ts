import { CodedError } from '../util/coded-error.ts';

export const AcquisitionErrorCode = {
  /** A sample names a parameter index outside the source's dictionary. */
  ERR_UNKNOWN_PARAMETER: 'ERR_UNKNOWN_PARAMETER',
  /** The value table has fewer entries than the source's dictionary has parameters. */
  ERR_VALUE_TABLE_SIZE: 'ERR_VALUE_TABLE_SIZE',
  /** The simulator configuration cannot produce valid frames. */
  ERR_SIMULATOR_CONFIG: 'ERR_SIMULATOR_CONFIG',
  /** A downlink link's configuration cannot work (beyond what the config schema checks). */
  ERR_LINK_CONFIG: 'ERR_LINK_CONFIG',
  /** The test source options are inconsistent. */
  ERR_TEST_SOURCE_OPTIONS: 'ERR_TEST_SOURCE_OPTIONS',
  /** The source specification names no known kind of source. */
  ERR_SOURCE_SPEC: 'ERR_SOURCE_SPEC',
  /** A source was started twice, or after it was stopped. */
  ERR_SOURCE_STATE: 'ERR_SOURCE_STATE',
  /** A control request reached no running acquisition thread, or the thread ended before replying. */
  ERR_ACQUISITION_NOT_RUNNING: 'ERR_ACQUISITION_NOT_RUNNING',
  /** A control request needs a mission database, and the running source has none. */
  ERR_NO_MDB: 'ERR_NO_MDB',
  /** The acquisition thread ended, or failed to start, without an error code of its own. */
  ERR_ACQUISITION_FAILED: 'ERR_ACQUISITION_FAILED',
  /** The control handler failed without a code of its own. */
  ERR_CONTROL_FAILED: 'ERR_CONTROL_FAILED',
  /** The acquisition worker received a message it does not understand. */
  ERR_WORKER_MESSAGE: 'ERR_WORKER_MESSAGE',
} as const;
export type AcquisitionErrorCode = (typeof AcquisitionErrorCode)[keyof typeof AcquisitionErrorCode];

export class AcquisitionError extends CodedError<AcquisitionErrorCode> {}

/** A control request the acquisition thread refused: `code` is the handler's own code (e.g. an MDB error's). */
export class ControlError extends CodedError<string> {}
