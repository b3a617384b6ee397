// One server per state directory (issue 11): two servers sharing one archive interleave their
// seqs. `scs.lock` in the directory holds the owner's pid, created exclusively (O_EXCL). A lock
// whose pid is no longer running is a crashed owner's: it is taken over, so a restart after a
// crash or kill -9 is never blocked. Within one process (tests start several servers) the
// directories held are remembered, so a second server there is refused as well.
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError } from '../util/coded-error.ts';

export const LOCK_FILE = 'scs.lock';
export const ERR_STATE_DIR_IN_USE = 'ERR_STATE_DIR_IN_USE';

/** Directories (real paths) this process holds. */
const held = new Set<string>();

export class StateDirInUse extends CodedError<typeof ERR_STATE_DIR_IN_USE> {
  readonly pid: number;
  constructor(dir: string, pid: number) {
    super(
      ERR_STATE_DIR_IN_USE,
      `state directory ${dir} is in use by another SCS server (pid ${pid}; ${LOCK_FILE})`,
    );
    this.pid = pid;
  }
}

export interface StateLock {
  readonly path: string;
  /** Removes the lock (idempotent). */
  release(): void;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the state directory (creating it); throws StateDirInUse when a running server holds it. */
export function lockStateDir(dir: string): StateLock {
  mkdirSync(dir, { recursive: true });
  const real = realpathSync(dir);
  const path = join(real, LOCK_FILE);
  if (held.has(real)) throw new StateDirInUse(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(path);
      // Our own pid in a lock this process does not hold: left by an earlier process that had it.
      const alive = pid !== undefined && pid !== process.pid && running(pid);
      if (alive || attempt > 0) throw new StateDirInUse(dir, pid ?? 0);
      // A crashed owner's lock (or a half-written one): take it over, once.
      unlinkSync(path);
    }
  }
  held.add(real);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      held.delete(real);
      if (holder(path) === process.pid) unlinkSync(path);
    },
  };
}
