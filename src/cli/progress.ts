// A one-line progress bar on a terminal's stderr, for exports: the share of the time range
// done (records arrive in time order), records, bytes and the time reached. Nothing at all
// when stderr is not a terminal, so logs and pipes stay clean.
import type { OutStream } from './io.ts';
import { isoUs } from './tail-format.ts';

export interface ProgressState {
  records: number;
  bytes: number;
  /** µs on the export's time axis. */
  time: number;
}

/** A terminal stream as far as the bar needs one. */
export interface TtyLike extends OutStream {
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;
const BAR_CELLS = 24;

/** A size in MiB, as every size the export commands print is (0.01 MiB and up: 2 decimals below 10). */
export function formatMiB(n: number): string {
  const mib = n / 1_048_576;
  return `${mib.toFixed(mib < 10 ? 2 : 1)} MiB`;
}

/** The bar's text for `state` within [from, to), cut to `columns`. */
export function progressLine(state: ProgressState, from: number, to: number, columns = 80): string {
  const share = to > from ? Math.min(1, Math.max(0, (state.time - from) / (to - from))) : 1;
  const filled = Math.round(share * BAR_CELLS);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}]`;
  const pct = `${Math.floor(share * 100)}%`.padStart(4);
  const line = `${bar} ${pct}  ${state.records.toLocaleString('en-US')} records  ${formatMiB(state.bytes)}  ${isoUs(state.time).slice(0, 19)}Z`;
  return line.slice(0, Math.max(10, columns - 1));
}

export class ProgressBar {
  readonly #out: TtyLike;
  readonly #from: number;
  readonly #to: number;
  readonly #nowMs: () => number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(out: TtyLike, from: number, to: number, nowMs: () => number = Date.now) {
    this.#out = out;
    this.#from = from;
    this.#to = to;
    this.#nowMs = nowMs;
  }

  /** Redraws at most every 100 ms. */
  update(state: ProgressState): void {
    const now = this.#nowMs();
    if (now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#drawn = true;
    // A pseudo-terminal may report 0 columns.
    const columns = this.#out.columns || 80;
    this.#out.write(`\r\x1b[K${progressLine(state, this.#from, this.#to, columns)}`);
  }

  /** Erases the bar (the caller then prints its summary line). */
  clear(): void {
    if (this.#drawn) this.#out.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** A bar on `err` when it is a terminal, else null. */
export function progressBar(err: TtyLike, from: number, to: number): ProgressBar | null {
  return err.isTTY === true ? new ProgressBar(err, from, to) : null;
}
