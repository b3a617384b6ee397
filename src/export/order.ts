// Standing orders (ESA DDS): a filtered export of the last period, pushed on a fixed schedule.
// This file is the pure part: the configured shape, the schedule and the window of each run.
import type { Stream } from '../../protocol/constants.ts';
import type { TimeBy } from '../archive/query.ts';
import { ExportError, ExportErrorCode } from './errors.ts';
import { checkSpec, type ExportFilter, type ExportFormat, type ExportSpec } from './spec.ts';
import { parseDurationMs } from './time.ts';

/** Where a standing order delivers its file. */
export type OrderTarget = { readonly dir: string } | { readonly tcp: string } | { readonly http: string };

/** One entry of the config's `standingOrders` (config/README.md). */
export interface StandingOrderConfig {
  readonly id: string;
  /** Period: '24h', '15m', … or whole seconds. Runs fire at multiples of it since 1970-01-01T00:00Z. */
  readonly every: string | number;
  /** The exported period, ending at the run's tick (default: `every`). */
  readonly window?: string | number;
  /** How long after the tick the run starts, so the recorder has committed the window (default '10s'). */
  readonly lag?: string | number;
  readonly stream: Stream;
  readonly by?: TimeBy;
  readonly filter?: ExportFilter;
  readonly format: ExportFormat;
  readonly to: OrderTarget;
  /** First retry delay, doubled on each next one (default 10 000 ms; at most 6 retries). */
  readonly retryDelayMs?: number;
}

/** Retries after the first attempt (ESA DDS: "up to 6 retries"). */
export const MAX_RETRIES = 6;
/** Longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 600_000;
const DEFAULT_RETRY_DELAY_MS = 10_000;
const DEFAULT_LAG_MS = 10_000;

/** A duration from the config: '24h' style text, or whole seconds. */
export function durationMs(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value);
  if (ms === undefined || !(Number.isSafeInteger(ms) && ms >= 0)) {
    throw new ExportError(
      ExportErrorCode.ERR_EXPORT_SPEC,
      `${field}: '${value}' is not a duration (90s, 15m, 24h, 7d, or seconds)`,
    );
  }
  return ms;
}

export interface Schedule {
  everyMs: number;
  windowMs: number;
  lagMs: number;
  retryDelayMs: number;
}

export function scheduleOf(order: StandingOrderConfig): Schedule {
  const everyMs = durationMs(order.every, `${order.id}.every`);
  if (everyMs === 0)
    throw new ExportError(ExportErrorCode.ERR_EXPORT_SPEC, `${order.id}.every must be above 0`);
  return {
    everyMs,
    windowMs: order.window === undefined ? everyMs : durationMs(order.window, `${order.id}.window`),
    lagMs: order.lag === undefined ? DEFAULT_LAG_MS : durationMs(order.lag, `${order.id}.lag`),
    retryDelayMs: order.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
  };
}

/** The first tick (ms) whose run starts after `nowMs`. */
export function nextTickMs(s: Schedule, nowMs: number): number {
  return (Math.floor((nowMs - s.lagMs) / s.everyMs) + 1) * s.everyMs;
}

/** Wait before retry `retry` (1 …): the first delay doubled each time, capped. */
export function retryDelay(s: Schedule, retry: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, s.retryDelayMs * 2 ** (retry - 1));
}

/** The export of the run at `tickMs`: the window that ends at the tick. */
export function windowSpec(order: StandingOrderConfig, s: Schedule, tickMs: number): ExportSpec {
  const to = tickMs * 1000;
  return {
    stream: order.stream,
    from: Math.max(0, to - s.windowMs * 1000),
    to,
    timeBy: order.by ?? 'ert',
    filter: order.filter ?? {},
    format: order.format,
  };
}

/**
 * Throws ERR_EXPORT_SPEC for a target no attempt can reach (a TCP port outside 1..65535, an HTTP
 * URL that does not parse): otherwise every window would fail all its retries, at run time only.
 */
export function checkTarget(order: StandingOrderConfig): void {
  const to = order.to;
  const refuse = (what: string) => {
    throw new ExportError(ExportErrorCode.ERR_EXPORT_SPEC, `${order.id}.to: ${what}`);
  };
  if ('tcp' in to) {
    const port = Number(to.tcp.slice(to.tcp.lastIndexOf(':') + 1));
    if (!(Number.isInteger(port) && port >= 1 && port <= 65_535)) refuse(`'${to.tcp}' has no port 1 … 65535`);
  } else if ('http' in to) {
    let url: URL | undefined;
    try {
      url = new URL(to.http);
    } catch {
      refuse(`'${to.http}' is not a URL`);
    }
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') refuse(`'${to.http}' is not an http(s) URL`);
  }
}

/** A standing order that can never run, by its index in the config's `standingOrders`. */
export interface OrderProblem {
  index: number;
  message: string;
}

/**
 * What StandingOrders refuses at server start (duplicate ids, bad durations, a format or filter
 * the stream has not, scet on frames or events), found without starting anything: for the
 * configuration check, so that `scs check-config` reports it too.
 */
export function orderProblems(orders: readonly StandingOrderConfig[]): OrderProblem[] {
  const problems: OrderProblem[] = [];
  const ids = new Set<string>();
  for (const [index, order] of orders.entries()) {
    if (ids.has(order.id)) problems.push({ index, message: `id '${order.id}' is used twice` });
    ids.add(order.id);
    try {
      const schedule = scheduleOf(order);
      checkSpec(windowSpec(order, schedule, schedule.everyMs * 2));
      checkTarget(order);
    } catch (err) {
      if (!(err instanceof ExportError)) throw err;
      problems.push({ index, message: err.message });
    }
  }
  return problems;
}
