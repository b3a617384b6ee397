// ICD §5.1 (rev B): which REQUEST field applies to which stream and mode. A field that does
// not apply is INVALID_REQUEST naming it, never silently ignored.

/** Streams a REQUEST may name (ICD §5); `commands` is checked but not served yet (SPEC §6). */
export const REQUEST_STREAMS = ['frames', 'packets', 'parameters', 'events', 'commands'] as const;
export type RequestStream = (typeof REQUEST_STREAMS)[number];

/** The `filter` keys each stream takes (ICD §5.1, first table). */
const STREAM_FILTERS: Record<RequestStream, readonly string[]> = {
  frames: ['vcids'],
  packets: ['vcids', 'apids'],
  parameters: ['parameters'],
  events: ['severity'],
  commands: ['apids', 'names', 'sources'],
};

/** Top-level fields that apply to one mode only (ICD §5.1, second table). */
const MODE_FIELDS: Record<'realtime' | 'archive', readonly string[]> = {
  realtime: ['delivery', 'since'],
  archive: ['from', 'to', 'timeBy', 'speed'],
};

/** The reason for the first field of `b` that does not apply to its stream or mode; undefined: all apply. */
export function inapplicable(b: Record<string, unknown>): string | undefined {
  const stream = b.stream as RequestStream;
  const mode = b.mode as 'realtime' | 'archive';
  for (const key of Object.keys((b.filter as Record<string, unknown> | undefined) ?? {})) {
    if (!STREAM_FILTERS[stream].includes(key)) return `filter.${key}: not applicable to stream ${stream}`;
  }
  const other = mode === 'realtime' ? 'archive' : 'realtime';
  for (const key of MODE_FIELDS[other]) {
    if (b[key] !== undefined) return `${key}: applies to mode ${other} only`;
  }
  if (b.rateHz !== undefined && stream !== 'parameters') return 'rateHz: applies to stream parameters only';
  if (b.timeBy === 'scet' && stream !== 'packets' && stream !== 'parameters') {
    return `timeBy: scet applies to packets and parameters (${stream} have no spacecraft time)`;
  }
  return undefined;
}
