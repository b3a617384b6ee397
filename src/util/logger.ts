// JSON logs (pino), one line per event, for the ground segment's log collector.
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** A pino level name (`fatal` … `trace`) or `silent`; pino rejects anything else. */
  level: string;
  name?: string;
  /** Defaults to stdout. */
  destination?: DestinationStream;
}

/** Agency secrets must never reach the logs, whichever object they are logged inside. */
const REDACT_PATHS = ['token', '*.token', '*.*.token'];

export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level,
    name: opts.name,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
