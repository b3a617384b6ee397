// Session client ids `${bootId}-${n}` (ICD §4.3: never reused, also not across restarts).
// n restarts at 1 with every process, so the boot id must differ between any two boots:
// it is max(previous + 1, now) persisted before the server admits anyone, which stays
// strictly increasing even when the wall clock steps back between restarts.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type Clock as FullClock, systemClock } from '../util/clock.ts';
import { AdmissionError, AdmissionErrorCode } from './errors.ts';

const BOOT_FILE = 'boot.json';

/** Only wall-clock milliseconds are needed here. */
type Clock = Pick<FullClock, 'nowMs'>;

function readPrevious(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AdmissionError(AdmissionErrorCode.STATE_DIR, `cannot read ${file}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AdmissionError(AdmissionErrorCode.BOOT_FILE, `${file} is not valid JSON`, { cause: err });
  }
  const value =
    typeof parsed === 'object' && parsed !== null ? (parsed as { bootId?: unknown }).bootId : undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AdmissionError(AdmissionErrorCode.BOOT_FILE, `${file} has no valid "bootId"`);
  }
  return value;
}

/** Durable replace: the file is either the old or the new boot id after a crash, never empty. */
function writeDurably(dir: string, file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  // The rename itself lives in the directory; without this a power cut could bring
  // back the previous boot id and with it the previous boot's client ids.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Reserves this process's boot id in `<stateDir>/boot.json` and returns it in base 36. */
export function bootId(stateDir: string, clock: Clock = systemClock): string {
  const file = join(stateDir, BOOT_FILE);
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (err) {
    throw new AdmissionError(AdmissionErrorCode.STATE_DIR, `cannot create state directory ${stateDir}`, {
      cause: err,
    });
  }
  const previous = readPrevious(file);
  const now = Math.floor(clock.nowMs());
  const id = previous === undefined ? now : Math.max(previous + 1, now);
  try {
    writeDurably(stateDir, file, `${JSON.stringify({ bootId: id })}\n`);
  } catch (err) {
    throw new AdmissionError(AdmissionErrorCode.STATE_DIR, `cannot write ${file}`, { cause: err });
  }
  return id.toString(36);
}

export function formatClientId(boot: string, n: number): string {
  return `${boot}-${n}`;
}
