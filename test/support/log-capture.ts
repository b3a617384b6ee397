import { createLogger } from '../../src/util/logger.ts';

/** A logger whose JSON lines are kept, with a promise for the next line matching. */
export class LogCapture<L extends { msg: string }> {
  readonly lines: L[] = [];
  readonly #waiters: { match: (l: L) => boolean; resolve: (l: L) => void }[] = [];
  readonly logger = createLogger({ level: 'info', destination: { write: (s: string) => this.#add(s) } });

  next(match: (l: L) => boolean): Promise<L> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  #add(text: string): void {
    const line = JSON.parse(text) as L;
    this.lines.push(line);
    for (const w of [...this.#waiters]) {
      if (!w.match(line)) continue;
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(line);
    }
  }
}
