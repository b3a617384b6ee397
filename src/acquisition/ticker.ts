// Fixed-rate scheduling on an injected Clock. Tick k falls due at start + k × period; each
// wake-up runs every tick due since the last one, so timer lateness never accumulates into
// drift. After a stall longer than `maxCatchUp` ticks the oldest due ticks are skipped (a
// gap, as a real link would show) instead of replaying a burst the readers cannot use.
import type { Clock } from '../util/clock.ts';

/**
 * Called with the first due tick index, how many ticks are due (≥ 1), and how many due ticks
 * before `first` were skipped (0 unless the ticker fell more than `maxCatchUp` behind).
 */
export type TickHandler = (first: number, count: number, skipped: number) => void;

export class Ticker {
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #maxCatchUp: number;
  readonly #onTicks: TickHandler;
  #startMs = 0;
  #next = 0;
  #timer: unknown;
  #running = false;
  #skipped = 0;

  constructor(
    clock: Clock,
    rateHz: number,
    onTicks: TickHandler,
    maxCatchUp = Math.max(1, Math.ceil(rateHz)),
  ) {
    this.#clock = clock;
    this.#periodMs = 1000 / rateHz;
    this.#maxCatchUp = maxCatchUp;
    this.#onTicks = onTicks;
  }

  /** Starts with tick 0 due now. */
  start(): void {
    this.#running = true;
    this.#startMs = this.#clock.nowMs();
    this.#next = 0;
    this.#timer = this.#clock.setTimeout(() => this.#wake(), 0);
  }

  stop(): void {
    this.#running = false;
    this.#clock.clearTimeout(this.#timer);
  }

  /** Ticks skipped since start, over all stalls. */
  get skipped(): number {
    return this.#skipped;
  }

  #wake(): void {
    // The small epsilon keeps a wake-up at exactly the due time (as a fake clock delivers)
    // from rounding down to the previous tick.
    const due = Math.floor((this.#clock.nowMs() - this.#startMs) / this.#periodMs + 1e-6) + 1;
    let first = this.#next;
    let skipped = 0;
    if (due - first > this.#maxCatchUp) {
      skipped = due - this.#maxCatchUp - first;
      first = due - this.#maxCatchUp;
      this.#skipped += skipped;
    }
    if (due > first) {
      this.#next = due;
      this.#onTicks(first, due - first, skipped);
    }
    if (!this.#running) return;
    const delay = this.#startMs + this.#next * this.#periodMs - this.#clock.nowMs();
    this.#timer = this.#clock.setTimeout(() => this.#wake(), Math.max(0, delay));
  }
}
