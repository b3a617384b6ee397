// The bad-frame file: every frame with a quality problem appended, one text line per frame, to a
// file an operator can read with less, grep and awk; rotated by size. Format: src/files/README.md.
import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import { Quality } from '../../protocol/constants.ts';
import type { EventIn, FrameIn } from '../acquisition/source.ts';
import type { Clock } from '../util/clock.ts';
import { noticeEvent, WriteQueue, type WriteQueueStats } from './write-queue.ts';

export interface BadFrameFileConfig {
  /** The current file; rotated ones get `.1` (newest) to `.<keepFiles>`. */
  readonly path: string;
  /** Rotate before a line would take the file past this size. */
  readonly maxFileBytes: number;
  /** Rotated files kept; 0 keeps none (the current file is truncated at rotation). */
  readonly keepFiles: number;
  readonly maxQueueBytes: number;
}

export interface BadFrameFileStats extends WriteQueueStats {
  /** Frames recorded (queued for writing). */
  frames: number;
  rotations: number;
}

/** Quality bits that make a frame "bad" here: all but "FECF present", which good frames carry too. */
export const BAD_FRAME_QUALITY = 0xffff & ~Quality.FRAME_ECF_PRESENT;

const QUALITY_NAMES = Object.entries(Quality) as [keyof typeof Quality, number][];

/** The names of the ICD §6 quality bits set in `quality` ('-' when none), joined by '|'. */
export function qualityNames(quality: number): string {
  const names: string[] = QUALITY_NAMES.filter(([, bit]) => (quality & bit) !== 0).map(([name]) => name);
  const known = QUALITY_NAMES.reduce((m, [, bit]) => m | bit, 0);
  const unknown = quality & ~known;
  if (unknown !== 0) names.push(`0x${unknown.toString(16)}`);
  return names.length === 0 ? '-' : names.join('|');
}

/** ISO 8601 UTC with microseconds. */
function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${micro}Z`);
}

/** One line of the file (with its newline). */
export function formatBadFrame(f: FrameIn): string {
  const hex = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length).toString('hex');
  return (
    `${isoUs(f.ert)} station=${f.station} scid=${f.scid} vcid=${f.vcid} vcfc=${f.vcfc}` +
    ` quality=0x${f.quality.toString(16).padStart(4, '0')} ${qualityNames(f.quality)}` +
    ` length=${f.data.length} data=${hex}\n`
  );
}

export class BadFrameFile {
  readonly #cfg: BadFrameFileConfig;
  readonly #clock: Clock;
  readonly #onEvent: (e: EventIn) => void;
  readonly #queue: WriteQueue<string>;
  #handle: FileHandle | null = null;
  /** Size of the current file, known once it is open. */
  #size = 0;
  #frames = 0;
  #rotations = 0;
  #closed = false;

  constructor(cfg: BadFrameFileConfig, clock: Clock, onEvent: (e: EventIn) => void) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#onEvent = onEvent;
    this.#queue = new WriteQueue<string>({
      maxQueueBytes: cfg.maxQueueBytes,
      write: (lines) => this.#write(lines),
      notify: (n) => this.#onEvent(noticeEvent('bad-frame-file', cfg.path, n, this.#clock.nowUs())),
    });
  }

  /** Records `f` if its quality has a bad bit (BAD_FRAME_QUALITY); never waits for the disk. */
  frame(f: FrameIn): void {
    if ((f.quality & BAD_FRAME_QUALITY) === 0 || this.#closed) return;
    const line = formatBadFrame(f);
    if (this.#queue.push(line, Buffer.byteLength(line))) this.#frames++;
  }

  stats(): BadFrameFileStats {
    return { ...this.#queue.stats, frames: this.#frames, rotations: this.#rotations };
  }

  /** Resolves once the frames recorded so far are written (or lost to a write error). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Writes what is queued, then closes the file. Frames after close() are ignored. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.idle();
    await this.#handle?.close();
    this.#handle = null;
  }

  async #write(lines: string[]): Promise<void> {
    try {
      await this.#writeLines(lines);
    } catch (err) {
      // Reopen for the next batch: the file may have been moved or removed under us.
      const handle = this.#handle;
      this.#handle = null;
      await handle?.close().catch(() => {});
      throw err;
    }
  }

  async #writeLines(lines: string[]): Promise<void> {
    let pending = '';
    let pendingBytes = 0;
    for (const line of lines) {
      const handle = await this.#open();
      const bytes = Buffer.byteLength(line);
      const before = this.#size + pendingBytes;
      if (before + bytes > this.#cfg.maxFileBytes && before > 0) {
        await this.#append(handle, pending, pendingBytes);
        pending = '';
        pendingBytes = 0;
        await this.#rotate();
      }
      pending += line;
      pendingBytes += bytes;
    }
    if (pending !== '') await this.#append(await this.#open(), pending, pendingBytes);
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== null) return this.#handle;
    const handle = await open(this.#cfg.path, 'a');
    this.#size = (await handle.stat()).size;
    this.#handle = handle;
    return handle;
  }

  async #append(handle: FileHandle, text: string, bytes: number): Promise<void> {
    if (text === '') return;
    await handle.write(text);
    this.#size += bytes;
  }

  async #rotate(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
    const { path, keepFiles } = this.#cfg;
    if (keepFiles === 0) {
      await open(path, 'w').then((h) => h.close());
    } else {
      for (let i = keepFiles - 1; i >= 1; i--) {
        if (await exists(`${path}.${i}`)) await rename(`${path}.${i}`, `${path}.${i + 1}`);
      }
      await rename(path, `${path}.1`);
    }
    this.#rotations++;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
