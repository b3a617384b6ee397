// Reconnect pacing: rounds over the server list, exponential backoff between rounds with
// jitter so that many clients cut off by one server restart do not return in step.
import type { ReconnectOptions } from './types.ts';

export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
  maxRounds: number;
}

export function backoffOptions(opts: ReconnectOptions | false | undefined): Backoff {
  if (opts === false) return { initialDelayMs: 0, maxDelayMs: 0, maxRounds: 0 };
  return {
    initialDelayMs: opts?.initialDelayMs ?? 250,
    maxDelayMs: opts?.maxDelayMs ?? 30_000,
    maxRounds: opts?.maxRounds ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * Delay before round `round` (0 = the first attempt after a loss, at once). From round 1
 * on: initial × 2^(round − 1), capped, then scaled into [½, 1) of itself by `random`.
 */
export function backoffDelay(b: Backoff, round: number, random: () => number): number {
  if (round <= 0) return 0;
  const base = Math.min(b.maxDelayMs, b.initialDelayMs * 2 ** Math.min(round - 1, 30));
  return Math.round(base * (0.5 + 0.5 * random()));
}
