// Errors and exit codes of the subcommands in this folder. Scripts branch on the exit code.
import { CodedError } from '../util/coded-error.ts';

export const ExitCode = {
  OK: 0,
  /** Anything not listed below (a bad answer from the server, an unhealthy server for status). */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The server refused the request (NAK: AUTH_FAILED, FORBIDDEN, …). */
  REFUSED: 3,
  /** No server reachable, or the connection was lost for good. */
  LOST: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const CliErrorCode = {
  USAGE: 'ERR_USAGE',
  /** The server could not be reached (status: the ops endpoint). */
  UNREACHABLE: 'ERR_UNREACHABLE',
  /** The server answered something unusable. */
  BAD_ANSWER: 'ERR_BAD_ANSWER',
  /** Ctrl-C at a prompt. */
  INTERRUPTED: 'ERR_INTERRUPTED',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends CodedError<CliErrorCode> {}
