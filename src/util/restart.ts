// Backoff for restarting a worker thread that died (acquisition, archive recorder).

export const RESTART_BACKOFF = {
  firstMs: 500,
  maxMs: 30_000,
  /** A thread that ran this long before ending starts the backoff over. */
  stableMs: 60_000,
} as const;

/**
 * The delay before restart attempt `attempt` (0 first): the capped exponential ceiling, drawn in
 * [½, 1] of it by `random` (in [0, 1)), so restarts do not fall in step with whatever keeps failing.
 */
export function restartDelayMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(RESTART_BACKOFF.maxMs, RESTART_BACKOFF.firstMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}
