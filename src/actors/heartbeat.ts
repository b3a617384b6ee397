// ICD §7: HEARTBEAT after `heartbeatMs` without DATA, and again every `heartbeatMs`
// while no DATA flows.
import { HeartbeatState } from '../../protocol/constants.ts';
import type { Clock } from '../util/clock.ts';

/**
 * Intervals are measured on the monotonic clock: a wall-clock step must not delay a
 * heartbeat past the client's loss watchdog. Lazy re-arm: DATA only records its time, and the timer, when it fires, re-arms for
 * what is left. A session sending 1000 DATA/s costs no timer churn.
 */
export class HeartbeatTimer {
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #fire: () => void;
  #lastActivityMs = 0;
  #handle: unknown = undefined;

  constructor(clock: Clock, periodMs: number, fire: () => void) {
    this.#clock = clock;
    this.#periodMs = periodMs;
    this.#fire = fire;
  }

  start(): void {
    this.stop();
    this.#lastActivityMs = this.#clock.monoMs();
    this.#arm(this.#periodMs);
  }

  dataSent(): void {
    this.#lastActivityMs = this.#clock.monoMs();
  }

  stop(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(ms: number): void {
    this.#handle = this.#clock.setTimeout(() => this.#due(), ms);
  }

  #due(): void {
    const idle = this.#clock.monoMs() - this.#lastActivityMs;
    if (idle >= this.#periodMs) {
      this.#lastActivityMs = this.#clock.monoMs();
      this.#arm(this.#periodMs);
      this.#fire();
    } else {
      this.#arm(this.#periodMs - idle);
    }
  }
}

/**
 * DATA_BREAK when the link is down or silent (nothing acquired for a heartbeat period),
 * BUFFER_WAIT when data flows but none matches the session, IDLE after an archive END.
 */
export function heartbeatState(opts: {
  linkUp: boolean;
  nowUs: number;
  lastAcquisitionUs: number;
  heartbeatMs: number;
  archiveEnded: boolean;
  /** An archive replay in progress waits on its own pacing, not on the live link. */
  archiveReplaying?: boolean;
}): HeartbeatState {
  if (opts.archiveEnded) return HeartbeatState.IDLE;
  if (opts.archiveReplaying) return HeartbeatState.BUFFER_WAIT;
  if (!opts.linkUp || opts.nowUs - opts.lastAcquisitionUs > opts.heartbeatMs * 1000)
    return HeartbeatState.DATA_BREAK;
  return HeartbeatState.BUFFER_WAIT;
}
