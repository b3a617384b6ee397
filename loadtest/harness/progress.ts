// The progress line on stderr: rewritten in place with `\r` on a terminal, a plain line
// every few seconds otherwise (CI logs).
import type { Tick } from './ipc.ts';

const LINE_EVERY_MS = 5000;

export class Progress {
  readonly #tty: boolean;
  readonly #out: NodeJS.WriteStream;
  #lastLineMs = 0;
  #lastRecords = 0;
  #lastAtMs = 0;
  #rate = 0;
  #shown = false;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  update(latest: Iterable<Tick>, durationSec: number): void {
    let connected = 0;
    let records = 0;
    let elapsedMs = 0;
    const naks: Record<string, number> = {};
    for (const t of latest) {
      connected += t.connected;
      records += t.records;
      elapsedMs = Math.max(elapsedMs, t.elapsedMs);
      for (const [code, n] of Object.entries(t.naks)) naks[code] = (naks[code] ?? 0) + n;
    }
    const now = performance.now();
    if (now - this.#lastAtMs >= 900) {
      this.#rate = this.#lastAtMs === 0 ? 0 : ((records - this.#lastRecords) * 1000) / (now - this.#lastAtMs);
      this.#lastRecords = records;
      this.#lastAtMs = now;
    }
    const nakTotal = Object.values(naks).reduce((a, b) => a + b, 0);
    const byCode = Object.entries(naks)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    const line =
      `[${(elapsedMs / 1000).toFixed(0).padStart(4)}/${durationSec}s] clients ${connected}` +
      `  records/s ${Math.round(this.#rate)}  NAKs ${nakTotal}${byCode ? ` (${byCode})` : ''}`;
    if (this.#tty) {
      this.#out.write(`\r\x1b[2K${line}`);
      this.#shown = true;
    } else if (now - this.#lastLineMs >= LINE_EVERY_MS) {
      this.#lastLineMs = now;
      this.#out.write(`${line}\n`);
    }
  }

  /** Ends the rewritten line so later output starts on its own line. */
  done(): void {
    if (this.#tty && this.#shown) this.#out.write('\n');
    this.#shown = false;
  }
}
