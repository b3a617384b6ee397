// Errors of the load-test harness (npm run loadtest).
import { CodedError } from '../../src/util/coded-error.ts';

export const HarnessErrorCode = {
  /** Bad command-line flag or value. */
  ERR_HARNESS_ARGS: 'ERR_HARNESS_ARGS',
  /** The scenario file is missing, not JSON, or breaks the scenario schema or its cross-references. */
  ERR_HARNESS_SCENARIO: 'ERR_HARNESS_SCENARIO',
  /** A child process (server or clients) did not answer within its deadline. */
  ERR_HARNESS_TIMEOUT: 'ERR_HARNESS_TIMEOUT',
  /** A child process exited or reported a fatal error before its job was done. */
  ERR_HARNESS_CHILD: 'ERR_HARNESS_CHILD',
  /** --target: nothing accepts a connection there. */
  ERR_HARNESS_CONNECT: 'ERR_HARNESS_CONNECT',
} as const;
export type HarnessErrorCode = (typeof HarnessErrorCode)[keyof typeof HarnessErrorCode];

export class HarnessError extends CodedError<HarnessErrorCode> {}
