// Freshness of a feed (ICD §7), driven by what arrives on the connection and by the
// injected clock, so that tests move time by hand.
import type { Clock } from '../util/clock.ts';
import { Freshness } from './types.ts';

export class FreshnessTracker {
  readonly #clock: Clock;
  readonly #onChange: (state: Freshness, previous: Freshness) => void;
  #state: Freshness = Freshness.LOST;
  #heartbeatMs = 0;
  #staleTimer: unknown;
  #lostTimer: unknown;
  #held = false;

  constructor(clock: Clock, onChange: (state: Freshness, previous: Freshness) => void) {
    this.#clock = clock;
    this.#onChange = onChange;
  }

  get state(): Freshness {
    return this.#state;
  }

  /** ACK received: the server is there, no DATA yet on this connection. */
  connected(heartbeatMs: number): void {
    this.#heartbeatMs = heartbeatMs;
    this.#set(Freshness.STALE);
    this.#armLost();
  }

  /** DATA arrived; `live` false: all its records are catch-up (older than the ACK). */
  data(live: boolean): void {
    if (this.#heartbeatMs <= 0) return;
    this.#set(live ? Freshness.LIVE : Freshness.CATCHING_UP);
    this.#clock.clearTimeout(this.#staleTimer);
    this.#staleTimer = this.#clock.setTimeout(() => this.#set(Freshness.STALE), this.#heartbeatMs);
    this.#armLost();
  }

  /** The server only sends HEARTBEAT after heartbeatMs without DATA: what we hold is not current. */
  heartbeat(): void {
    if (this.#heartbeatMs <= 0) return;
    this.#clock.clearTimeout(this.#staleTimer);
    this.#set(Freshness.STALE);
    this.#armLost();
  }

  /** Any other message: the server is alive, the data is as fresh as it was. */
  heard(): void {
    if (this.#heartbeatMs > 0) this.#armLost();
  }

  /**
   * While the user has a full backlog unread the socket is not read (back-pressure), so
   * silence is the user's doing, not the server's: the lost timer is suspended. The stale
   * timer keeps running, as what the user reads meanwhile grows old.
   */
  hold(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    if (this.#heartbeatMs > 0 && this.#state !== Freshness.LOST) this.#armLost();
  }

  disconnected(): void {
    this.#clearTimers();
    this.#heartbeatMs = 0;
    this.#held = false;
    this.#set(Freshness.LOST);
  }

  #armLost(): void {
    this.#clock.clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
    if (this.#held) return;
    this.#lostTimer = this.#clock.setTimeout(
      () => {
        this.#clock.clearTimeout(this.#staleTimer);
        this.#set(Freshness.LOST);
      },
      2 * this.#heartbeatMs + 1000,
    );
  }

  #clearTimers(): void {
    this.#clock.clearTimeout(this.#staleTimer);
    this.#clock.clearTimeout(this.#lostTimer);
    this.#staleTimer = undefined;
    this.#lostTimer = undefined;
  }

  #set(state: Freshness): void {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.#onChange(state, previous);
  }
}
