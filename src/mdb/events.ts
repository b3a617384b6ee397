// Events raised by limit checking: a violation (or a change between violation levels) and the
// return to nominal. Shaped like the acquisition side's EventIn.
import { Limit, type Severity } from '../../protocol/constants.ts';
import type { EventIn } from '../acquisition/source.ts';
import type { Value } from './expr.ts';
import { isViolation, LIMITS } from './limits.ts';

export const EVENT_SOURCE = 'mdb';

export const LimitEventType = {
  LIMIT_VIOLATION: 'LIMIT_VIOLATION',
  STATE_ALARM: 'STATE_ALARM',
  RETURN_TO_NOMINAL: 'RETURN_TO_NOMINAL',
} as const;
export type LimitEventType = (typeof LimitEventType)[keyof typeof LimitEventType];

const SEVERITY: Readonly<Record<Limit, Severity>> = {
  OK: 'INFO',
  UNCHECKED: 'INFO',
  WARN_LOW: 'WARNING',
  WARN_HIGH: 'WARNING',
  ALARM_LOW: 'ALARM',
  ALARM_HIGH: 'ALARM',
  STATE_ALARM: 'ALARM',
};

export function severityOf(limit: Limit): Severity {
  return SEVERITY[limit];
}

/**
 * The event of a change of reported limit state from `previous` to `current` (LIMITS indices),
 * or null when the change is not one: entering or changing a violation, or leaving one.
 */
export function limitEvent(
  parameter: string,
  unit: string | undefined,
  previous: number,
  current: number,
  value: Value,
  time: number,
): EventIn | null {
  if (previous === current) return null;
  const shown = unit === undefined ? String(value) : `${String(value)} ${unit}`;
  if (isViolation(current)) {
    const limit = LIMITS[current]!;
    const type = limit === Limit.STATE_ALARM ? LimitEventType.STATE_ALARM : LimitEventType.LIMIT_VIOLATION;
    return {
      time,
      severity: SEVERITY[limit],
      source: EVENT_SOURCE,
      type,
      message: `${parameter} ${limit}: ${shown}`,
      parameter,
      value,
    };
  }
  if (!isViolation(previous)) return null;
  return {
    time,
    severity: 'INFO',
    source: EVENT_SOURCE,
    type: LimitEventType.RETURN_TO_NOMINAL,
    message: `${parameter} back within limits (was ${LIMITS[previous]}): ${shown}`,
    parameter,
    value,
  };
}
