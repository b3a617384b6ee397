// Retry pacing of a link (reconnect, re-listen, re-bind): the SDK's doubling backoff with jitter,
// on the injected clock so tests drive it with FakeClock.
import { type Backoff, backoffDelay } from '../sdk/backoff.ts';
import type { Clock } from '../util/clock.ts';
import type { RetryConfig } from './config.ts';

export class Retry {
  readonly #backoff: Backoff;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** Failures since the last good attempt. */
  #round = 0;
  #timer: unknown = null;

  constructor(cfg: RetryConfig, clock: Clock, random: () => number = Math.random) {
    this.#backoff = {
      initialDelayMs: cfg.initialDelayMs,
      maxDelayMs: Math.max(cfg.initialDelayMs, cfg.maxDelayMs),
      maxRounds: Number.POSITIVE_INFINITY,
    };
    this.#clock = clock;
    this.#random = random;
  }

  /**
   * Runs `fn` after the next backoff delay. Round 1 at least: even after a good connection a
   * retry waits, so a peer that accepts and drops at once cannot make a tight loop.
   */
  schedule(fn: () => void): number {
    this.cancel();
    this.#round++;
    const delay = backoffDelay(this.#backoff, this.#round, this.#random);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      fn();
    }, delay);
    return delay;
  }

  /** The last attempt succeeded: the next delay starts again from the initial one. */
  reset(): void {
    this.#round = 0;
  }

  cancel(): void {
    if (this.#timer === null) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
