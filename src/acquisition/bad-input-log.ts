// Logs a link's bad input (garbage bytes, bad frames, skipped file bytes) once per burst.
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Bad input (garbage bytes, bad frames, undecodable file bytes) less than this long after the
 * previous is the same burst: one log line when a burst begins and one when it is over.
 */
export const BAD_INPUT_QUIET_MS = 2000;

/** The link's bad input totals. */
export interface BadInputCounts {
  garbageBytes: number;
  badFrames: number;
  skippedBytes: number;
}

/** A burst of bad input: when it began and was last seen, and the counts before it began. */
interface BadInputBurst extends BadInputCounts {
  sinceMs: number;
  lastMs: number;
}

export class BadInputLog {
  readonly #log: Pick<Logger, 'warn' | 'info'>;
  readonly #clock: Clock;
  readonly #linkId: string;
  readonly #station: string;
  #burst: BadInputBurst | null = null;
  /** Bad input counts as of the last look: a change is new bad input. */
  readonly #seen: BadInputCounts = { garbageBytes: 0, badFrames: 0, skippedBytes: 0 };

  constructor(log: Pick<Logger, 'warn' | 'info'>, clock: Clock, linkId: string, station: string) {
    this.#log = log;
    this.#clock = clock;
    this.#linkId = linkId;
    this.#station = station;
  }

  /**
   * A look at the totals: a warning when a burst begins, a summary when BAD_INPUT_QUIET_MS pass
   * without more (checked at the next look, which comes with each delivery or publication).
   */
  follow(garbageBytes: number, badFrames: number, skippedBytes: number): void {
    const now = this.#clock.monoMs();
    const seen = this.#seen;
    if (
      garbageBytes === seen.garbageBytes &&
      badFrames === seen.badFrames &&
      skippedBytes === seen.skippedBytes
    ) {
      if (this.#burst !== null && now - this.#burst.lastMs >= BAD_INPUT_QUIET_MS) this.end('input clean');
      return;
    }
    if (this.#burst === null) {
      this.#burst = { sinceMs: now, lastMs: now, ...seen };
      this.#log.warn(
        {
          link: this.#linkId,
          station: this.#station,
          garbageBytes: garbageBytes - seen.garbageBytes,
          badFrames: badFrames - seen.badFrames,
          skippedBytes: skippedBytes - seen.skippedBytes,
        },
        `bad input on link ${this.#linkId} (${this.#station}): burst began`,
      );
    }
    this.#burst.lastMs = now;
    seen.garbageBytes = garbageBytes;
    seen.badFrames = badFrames;
    seen.skippedBytes = skippedBytes;
  }

  /** Ends the burst in progress, if any, with its summary. */
  end(why: string): void {
    const b = this.#burst;
    if (b === null) return;
    this.#burst = null;
    const seen = this.#seen;
    this.#log.info(
      {
        link: this.#linkId,
        station: this.#station,
        garbageBytes: seen.garbageBytes - b.garbageBytes,
        badFrames: seen.badFrames - b.badFrames,
        skippedBytes: seen.skippedBytes - b.skippedBytes,
        durationMs: b.lastMs - b.sinceMs,
      },
      `bad input on link ${this.#linkId} (${this.#station}): burst over (${why})`,
    );
  }
}
