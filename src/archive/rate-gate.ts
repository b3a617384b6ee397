// `rateHz` (ICD rev B §5): at most rateHz samples per second per parameter, in every part of a
// session: live, the `since` catch-up and archive mode, by one rule. Time is cut into intervals
// of 1/rateHz s aligned to 1970-01-01T00:00:00Z on the session's time axis (ERT; SCET for an
// archive request by SCET); of each parameter, the first sample in the session's order that
// falls in an interval later than the last one kept is kept, the others of that interval are not.
//
// The state (per parameter, the interval of the last sample kept) lives in a SharedArrayBuffer:
// the actor gates live and ring records, the query pool gates archive rows, one after the other
// (the actor awaits each pool step), so a catch-up that moves between archive, ring and live
// never keeps two samples of one interval.

export interface RateGate {
  /** Interval length, µs. */
  periodUs: number;
  axis: 'ert' | 'scet';
  /** Per parameter index: the interval of the last sample kept (-Infinity: none yet). Shared memory. */
  last: Float64Array;
}

export function createRateGate(rateHz: number, parameters: number, axis: 'ert' | 'scet'): RateGate {
  const last = new Float64Array(new SharedArrayBuffer(parameters * Float64Array.BYTES_PER_ELEMENT));
  last.fill(Number.NEGATIVE_INFINITY);
  return { periodUs: 1e6 / rateHz, axis, last };
}

/** True when the sample of parameter `index` at these times is kept (and then counts as the interval's). */
export function rateKeep(gate: RateGate, index: number, ert: number, scet: number): boolean {
  const interval = Math.floor((gate.axis === 'ert' ? ert : scet) / gate.periodUs);
  if (!(interval > gate.last[index]!)) return false;
  gate.last[index] = interval;
  return true;
}

/** Marks a sample as sent without the gate (the first DATA's value snapshot). */
export function rateSent(gate: RateGate, index: number, ert: number): void {
  const interval = Math.floor(ert / gate.periodUs);
  if (interval > gate.last[index]!) gate.last[index] = interval;
}
