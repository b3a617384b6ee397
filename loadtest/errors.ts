// Errors of the load-test harness.
import { CodedError } from '../src/util/coded-error.ts';

export const BenchErrorCode = {
  /** Bad command-line flag or value. */
  ERR_BENCH_ARGS: 'ERR_BENCH_ARGS',
  /** A child process did not answer (ready, report, listening) within its deadline. */
  ERR_BENCH_TIMEOUT: 'ERR_BENCH_TIMEOUT',
  /** A child process exited or reported a fatal error before its job was done. */
  ERR_BENCH_CHILD: 'ERR_BENCH_CHILD',
  /** Too few clients were admitted to measure the scenario. */
  ERR_BENCH_ADMISSION: 'ERR_BENCH_ADMISSION',
  /** nats-server is missing or did not start listening. */
  ERR_BENCH_NATS: 'ERR_BENCH_NATS',
} as const;
export type BenchErrorCode = (typeof BenchErrorCode)[keyof typeof BenchErrorCode];

export class BenchError extends CodedError<BenchErrorCode> {}
