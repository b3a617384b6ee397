// Refused connections are logged per source address and interval, not one by one (issue 12:
// ≈ 430 bytes of info log per refused connection, 205 MB for a 476 k-connection fuzz run).
// The first refusal of an (address, code) in an interval is logged at once with its reason, so a
// single failed login still shows up promptly; the rest are counted and logged as one summary
// line when the interval ends. Bounded: past MAX_KEYS pairs, refusals are counted in one
// "other addresses" line. No timer runs while nothing is refused.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export const REFUSAL_LOG_INTERVAL_MS = 10_000;
const MAX_KEYS = 1024;
const OTHER = '(other addresses)';

interface Entry {
  remote: string;
  code: string;
  reason: string;
  more: number;
}

export class RefusalLog {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  #timer: unknown;

  constructor(log: Logger, clock: Clock) {
    this.#log = log;
    this.#clock = clock;
  }

  /** A connection from `remote` (an address, no port) refused with `code`; `agency`: the one its REQUEST named. */
  note(remote: string, code: string, reason: string, agency?: string): void {
    let key = `${remote}\0${code}`;
    let entry = this.#entries.get(key);
    if (entry === undefined && this.#entries.size >= MAX_KEYS) {
      key = `${OTHER}\0${code}`;
      entry = this.#entries.get(key);
      remote = OTHER;
    }
    if (entry !== undefined) {
      entry.more++;
      return;
    }
    this.#entries.set(key, { remote, code, reason, more: 0 });
    this.#log.info({ remote, code, reason, ...(agency === undefined ? {} : { agency }) }, 'refused');
    this.#timer ??= this.#clock.setTimeout(() => this.flush(), REFUSAL_LOG_INTERVAL_MS);
  }

  /** Logs the interval's summaries and starts a new interval. */
  flush(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const e of this.#entries.values()) {
      if (e.more === 0) continue;
      this.#log.info(
        {
          remote: e.remote,
          code: e.code,
          refused: e.more,
          intervalMs: REFUSAL_LOG_INTERVAL_MS,
          lastReason: e.reason,
        },
        'refused, more of the same',
      );
    }
    this.#entries.clear();
  }
}
