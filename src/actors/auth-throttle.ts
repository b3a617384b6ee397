// Failed authentications per source address, so one host guessing tokens cannot spend
// the process's scrypt capacity (and every honest login's time) on wrong guesses.

/** Failures from one address within WINDOW_MS before its attempts are refused unverified. */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 10_000;
const MAX_ADDRESSES = 10_000;

export class AuthThrottle {
  readonly #failures = new Map<string, { count: number; sinceMs: number }>();

  /** True while `ip` has failed too often recently: refuse without verifying. */
  blocked(ip: string, nowMs: number): boolean {
    const f = this.#failures.get(ip);
    if (f === undefined) return false;
    if (nowMs - f.sinceMs >= WINDOW_MS) {
      this.#failures.delete(ip);
      return false;
    }
    return f.count >= MAX_FAILURES;
  }

  failed(ip: string, nowMs: number): void {
    const f = this.#failures.get(ip);
    if (f !== undefined && nowMs - f.sinceMs < WINDOW_MS) {
      f.count++;
      return;
    }
    // Bounded: under a scan from very many addresses, forget the oldest entry.
    if (this.#failures.size >= MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(ip, { count: 1, sinceMs: nowMs });
  }
}
