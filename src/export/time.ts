// Times and durations as people write them on a command line or in a config file.
import { parseTimeUs } from '../actors/request.ts';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(s|m|h|d)$/;

/** '90s', '15m', '24h', '7d' → milliseconds; undefined for anything else (or zero). */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A time argument → µs: an integer (µs since the epoch), an ISO-8601 date-time with its zone
 * (ICD §5), `now`, or `now-<duration>` (e.g. `now-24h`). Undefined when it is none of these.
 */
export function parseTimeArg(text: string, nowUs: number): number | undefined {
  if (/^\d+$/.test(text)) return parseTimeUs(Number(text));
  if (text === 'now') return nowUs;
  if (text.startsWith('now-')) {
    const ms = parseDurationMs(text.slice(4));
    return ms === undefined || ms * 1000 > nowUs ? undefined : nowUs - ms * 1000;
  }
  return parseTimeUs(text);
}
