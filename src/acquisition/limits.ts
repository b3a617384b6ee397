// Limit checking of calibrated values, and the ring key of a limit state.
import { Limit } from '../../protocol/constants.ts';
import type { ParameterInfo } from './source.ts';

const LIMIT_INDEX: ReadonlyMap<Limit, number> = new Map(
  Object.values(Limit).map((limit, index) => [limit, index]),
);

/** Index of a limit state in the key order of the `Limit` object: the parameters ring's key2. */
export function limitIndex(limit: Limit): number {
  return LIMIT_INDEX.get(limit) ?? -1;
}

/**
 * Limit state of a calibrated value: alarm limits win over warning limits; a parameter
 * without numeric limits, or a non-numeric value, is UNCHECKED.
 */
export function limitOf(info: ParameterInfo, eng: number | string | boolean): Limit {
  const l = info.limits;
  if (l === undefined || typeof eng !== 'number') return Limit.UNCHECKED;
  if (l.alarmLow !== undefined && eng < l.alarmLow) return Limit.ALARM_LOW;
  if (l.alarmHigh !== undefined && eng > l.alarmHigh) return Limit.ALARM_HIGH;
  if (l.warnLow !== undefined && eng < l.warnLow) return Limit.WARN_LOW;
  if (l.warnHigh !== undefined && eng > l.warnHigh) return Limit.WARN_HIGH;
  return Limit.OK;
}
