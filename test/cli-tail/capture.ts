// Captured stdout/stderr for calling a subcommand's run() in-process.
import type { CliIo } from '../../src/cli/io.ts';

export interface Captured {
  io: CliIo;
  out: string[];
  err: string[];
}

/** `onStderr` sees every stderr write, e.g. to inject records once tail says it is connected. */
export function capture(env: Record<string, string> = {}, onStderr?: (text: string) => void): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s) => out.push(s) > 0 },
    stderr: {
      write: (s) => {
        err.push(s);
        onStderr?.(s);
        return true;
      },
    },
    env,
  };
  return { io, out, err };
}

export const lines = (chunks: string[]) =>
  chunks
    .join('')
    .split('\n')
    .filter((l) => l !== '');
