// Per-IP connect-rate limit applied before any byte is read (token bucket, burst = rate).
import type { Clock } from '../util/clock.ts';

interface Bucket {
  tokens: number;
  atMs: number;
}

export class ConnectRateLimiter {
  readonly #rate: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();
  #sweepAtMs = 0;

  constructor(ratePerSecond: number, clock: Clock) {
    this.#rate = ratePerSecond;
    this.#clock = clock;
  }

  /** Takes one token for `ip`; false when its bucket is empty. */
  allow(ip: string): boolean {
    // Monotonic: a wall-clock step back would make refills negative.
    const now = this.#clock.monoMs();
    this.#sweep(now);
    const b = this.#buckets.get(ip) ?? { tokens: this.#rate, atMs: now };
    b.tokens = Math.min(this.#rate, b.tokens + ((now - b.atMs) / 1000) * this.#rate);
    b.atMs = now;
    this.#buckets.set(ip, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets full buckets now and then, so a scan from many addresses cannot grow the map forever. */
  #sweep(now: number): void {
    if (now < this.#sweepAtMs) return;
    this.#sweepAtMs = now + 10_000;
    for (const [ip, b] of this.#buckets) {
      if (b.tokens + ((now - b.atMs) / 1000) * this.#rate >= this.#rate) this.#buckets.delete(ip);
    }
  }
}
