// What a subcommand gets instead of `process`: the lead's src/cli.ts passes process (plus
// an AbortSignal for SIGINT if it likes); tests pass captured streams.
import { CliError, CliErrorCode } from './errors.ts';

export interface OutStream {
  write(chunk: string): boolean;
  once?(event: 'drain' | 'error', listener: () => void): unknown;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  stdin?: NodeJS.ReadableStream;
  /** Environment for defaults such as SCS_TOKEN (default process.env). */
  env?: Record<string, string | undefined>;
  /** Aborting ends a long-running command cleanly, exit 0 (e.g. wired to SIGINT). */
  signal?: AbortSignal;
}

/**
 * Writes and, when the stream's buffer is full, waits for it to drain: a slow pipe slows
 * us down (and, through TCP, the server's sending to us). A stream that fails never
 * drains, so its error ends the wait too.
 */
export async function writeOut(out: OutStream, text: string): Promise<void> {
  if (out.write(text) || out.once === undefined) return;
  await new Promise<void>((resolve) => {
    out.once?.('drain', resolve);
    out.once?.('error', resolve);
  });
}

/** One line on stderr, newlines flattened, prefixed with the command. */
export function errorLine(io: CliIo, command: string, message: string): void {
  io.stderr.write(`scs ${command}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

export function usage(message: string): CliError {
  return new CliError(CliErrorCode.USAGE, message);
}

/**
 * The reader of our stdout went away (`scs export … | head`): EPIPE, possibly wrapped as the
 * cause of an output error. Like standard Unix tools, that ends the command quietly, exit 0.
 */
export function isBrokenPipe(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if ((e as { code?: unknown }).code === 'EPIPE') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** parseArgs throws TypeErrors coded ERR_PARSE_ARGS_*: those are usage errors too. */
export function isUsageError(err: unknown): boolean {
  if (err instanceof CliError) return err.code === CliErrorCode.USAGE;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export function wholeNumber(name: string, v: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw usage(`--${name} must be a whole number ${min} … ${max}, got '${v}'`);
  return n;
}
