import { CodedError } from '../util/coded-error.ts';

export const AcquisitionErrorCode = {
  /** A sample names a parameter index outside the source's dictionary. */
  ERR_UNKNOWN_PARAMETER: 'ERR_UNKNOWN_PARAMETER',
  /** The value table has fewer entries than the source's dictionary has parameters. */
  ERR_VALUE_TABLE_SIZE: 'ERR_VALUE_TABLE_SIZE',
  /** The simulator configuration cannot produce valid frames. */
  ERR_SIMULATOR_CONFIG: 'ERR_SIMULATOR_CONFIG',
  /** The test source options are inconsistent. */
  ERR_TEST_SOURCE_OPTIONS: 'ERR_TEST_SOURCE_OPTIONS',
  /** The source specification names no known kind of source. */
  ERR_SOURCE_SPEC: 'ERR_SOURCE_SPEC',
  /** A source was started twice, or after it was stopped. */
  ERR_SOURCE_STATE: 'ERR_SOURCE_STATE',
  /** The acquisition worker received a message it does not understand. */
  ERR_WORKER_MESSAGE: 'ERR_WORKER_MESSAGE',
} as const;
export type AcquisitionErrorCode = (typeof AcquisitionErrorCode)[keyof typeof AcquisitionErrorCode];

export class AcquisitionError extends CodedError<AcquisitionErrorCode> {}
