// Time source injected everywhere timing matters, so tests drive time with FakeClock.

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  nowMs(): number;
  /** Wall-clock microseconds since the epoch, an integer (ICD times). */
  nowUs(): number;
  /** Monotonic milliseconds (arbitrary origin): for intervals, immune to wall-clock steps. */
  monoMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

// Date.now() has millisecond resolution; performance.now() has microseconds but is
// monotonic and drifts from the wall clock (NTP steps, suspend). The monotonic clock is
// anchored to the wall clock and re-anchored whenever the two disagree by a millisecond
// or more, so readings keep µs resolution and never stray from wall time.
let anchorMs = Date.now() - performance.now();

function wallUs(): number {
  const mono = performance.now();
  const wall = Date.now();
  let ms = anchorMs + mono;
  if (ms < wall || ms >= wall + 1) {
    anchorMs = wall - mono;
    ms = wall;
  }
  return Math.floor(ms * 1000);
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowUs: wallUs,
  monoMs: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

interface FakeTimer {
  id: number;
  due: number;
  /** Repeat period in ms for intervals, 0 for one-shot timeouts. */
  period: number;
  fn: () => void;
}

/** A manual clock: time moves only through advance(), which fires due timers in time order. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, FakeTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  nowMs(): number {
    return this.#now;
  }

  nowUs(): number {
    return Math.round(this.#now * 1000);
  }

  /** A fake clock has no wall-clock steps: its monotonic time is its time. */
  monoMs(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.#add(fn, ms, 0);
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  setInterval(fn: () => void, ms: number): unknown {
    // Like Node, a zero or negative interval repeats every millisecond (never a busy loop).
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: unknown): void {
    this.clearTimeout(handle);
  }

  /** Number of timers not yet fired or cleared. */
  pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by ms, firing every timer that falls due on the way, earliest
   * first (ties in creation order), with the clock set to each timer's due time while it
   * runs. Timers created or cleared by a callback take effect within the same advance.
   */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      const next = this.#earliest(target);
      if (next === undefined) break;
      // A timer overdue after stall() runs late, at the current time, as on a real event loop.
      this.#now = Math.max(this.#now, next.due);
      // Like Node, an interval's next run counts from when this one ran, so a late interval
      // does not fire a burst to catch up.
      if (next.period > 0) next.due = this.#now + next.period;
      else this.#timers.delete(next.id);
      next.fn();
    }
    this.#now = target;
  }

  /**
   * Moves time forward by ms without firing anything, as a blocked event loop would; the
   * timers that fell due meanwhile fire, late, at the next advance() (advance(0) will do).
   */
  stall(ms: number): void {
    this.#now += Math.max(0, ms);
  }

  #add(fn: () => void, ms: number, period: number): number {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : period;
    this.#timers.set(id, { id, due: this.#now + delay, period, fn });
    return id;
  }

  #earliest(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers.values()) {
      if (
        t.due <= limit &&
        (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id))
      ) {
        best = t;
      }
    }
    return best;
  }
}
