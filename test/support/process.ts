// Runs a command (by default the `scs` CLI, src/cli.ts) as a child process without blocking the
// event loop, so the test's own server, clients and mocha's timers keep working meanwhile.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SCS_CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface ProcessRun {
  /** null when the process could not be started (stderr then says why) or died by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** The reader of stdout is gone before the first write, like `scs … | head -0`. */
  closedStdout?: boolean;
  /** Called with all of stderr so far, after each chunk of it. */
  onStderr?: (stderr: string) => void;
}

/** Resolves once the process has exited and its output is all read. */
export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    if (opts.closedStdout) child.stdout.destroy();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // e.g. a command that is not installed (`script`, from util-linux)
    child.once('error', (err) => resolve({ code: null, stdout, stderr: err.message }));
  });
}

/** `scs <args>` run by this Node. */
export function scs(args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
  return runProcess(process.execPath, [SCS_CLI, ...args], opts);
}
