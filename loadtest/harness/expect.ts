// Checks a run against its scenario's `expect` list; each check gives PASS/FAIL with what
// was observed, so a CI log says why a run failed.
import type { MergedGroup } from './aggregate.ts';
import { newHistogram } from './latency.ts';
import type { Expectation } from './scenario.ts';

export interface CheckResult {
  check: string;
  pass: boolean;
  observed: string;
}

interface Bounds {
  equals?: number;
  min?: number;
  max?: number;
}

function within(value: number, b: Bounds): boolean {
  if (b.equals !== undefined) return value === b.equals;
  return (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max);
}

function boundsText(b: Bounds): string {
  if (b.equals !== undefined) return `= ${b.equals}`;
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`≥ ${b.min}`);
  if (b.max !== undefined) parts.push(`≤ ${b.max}`);
  return parts.join(' and ');
}

function sum(groups: readonly MergedGroup[], value: (g: MergedGroup) => number): number {
  return groups.reduce((n, g) => n + value(g), 0);
}

function over(e: Expectation): string {
  return e.groups === undefined ? 'all groups' : e.groups.join(', ');
}

function evaluate(e: Expectation, groups: readonly MergedGroup[]): CheckResult {
  const covered = groups.filter((g) => e.groups === undefined || e.groups.includes(g.name));
  switch (e.check) {
    case 'count': {
      const n = sum(covered, (g) => g.counters[e.metric]);
      return {
        check: `${e.metric} over ${over(e)} ${boundsText(e)}`,
        pass: within(n, e),
        observed: String(n),
      };
    }
    case 'naks': {
      const n = sum(covered, (g) => g.naks[e.code] ?? 0);
      return {
        check: `NAK ${e.code} over ${over(e)} ${boundsText(e)}`,
        pass: within(n, e),
        observed: String(n),
      };
    }
    case 'byes': {
      const n = sum(covered, (g) => g.byes[e.reason] ?? 0);
      return {
        check: `BYE ${e.reason} over ${over(e)} ${boundsText(e)}`,
        pass: within(n, e),
        observed: String(n),
      };
    }
    case 'latency': {
      const h = newHistogram();
      for (const g of covered) h.add(g.latency);
      const check = `p${e.percentile} latency over ${over(e)} ≤ ${e.maxMs} ms`;
      if (h.totalCount === 0) return { check, pass: false, observed: 'no realtime records' };
      const ms = h.getValueAtPercentile(e.percentile) / 1000;
      return { check, pass: ms <= e.maxMs, observed: `${ms.toFixed(1)} ms of ${h.totalCount} records` };
    }
    case 'heartbeat': {
      const intervals = covered.flatMap((g) => g.heartbeatIntervalsMs);
      const lo = e.intervalMs * (1 - e.tolerancePct / 100);
      const hi = e.intervalMs * (1 + e.tolerancePct / 100);
      const outside = intervals.filter((ms) => ms < lo || ms > hi);
      const need = e.minIntervals ?? 1;
      const check = `heartbeat spacing over ${over(e)} ${e.intervalMs} ms ± ${e.tolerancePct} % (≥ ${need} intervals)`;
      if (intervals.length === 0) return { check, pass: need === 0, observed: 'no heartbeat intervals' };
      const observed = `${intervals.length} intervals, ${Math.min(...intervals)}–${Math.max(...intervals)} ms, ${outside.length} outside`;
      return { check, pass: intervals.length >= need && outside.length === 0, observed };
    }
  }
}

export function checkExpectations(
  expect: readonly Expectation[],
  groups: readonly MergedGroup[],
): CheckResult[] {
  return expect.map((e) => evaluate(e, groups));
}
