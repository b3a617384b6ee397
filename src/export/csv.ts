// CSV (RFC 4180) rows of each stream: µs times as integers and as ISO-8601 UTC, bytes as hex.
import type { Stream } from '../../protocol/constants.ts';
import type {
  AnyRecord,
  EventRecord,
  FrameRecord,
  PacketRecord,
  ParameterRecord,
} from '../../protocol/types.ts';
import { isoUs } from '../cli/tail-format.ts';

/** A record field, a µs time field as ISO-8601 UTC (`<field>_iso`), or the byte length of `data`. */
type Column<R> = (keyof R & string) | `${keyof R & string}_iso` | 'length';

// The header names the columns and the rows follow it: one list per stream, checked against the
// record type, so the two cannot drift apart.
const COLUMNS = {
  frames: ['seq', 'ert', 'ert_iso', 'station', 'scid', 'vcid', 'vcfc', 'quality', 'length', 'data'],
  packets: [
    'seq',
    'ert',
    'ert_iso',
    'scet',
    'scet_iso',
    'station',
    'scid',
    'vcid',
    'apid',
    'ssc',
    'quality',
    'length',
    'data',
  ],
  parameters: ['seq', 'name', 'scet', 'scet_iso', 'ert', 'ert_iso', 'raw', 'eng', 'unit', 'limit', 'quality'],
  events: ['seq', 'time', 'time_iso', 'severity', 'source', 'type', 'message', 'parameter', 'value'],
} as const satisfies {
  frames: readonly Column<FrameRecord>[];
  packets: readonly Column<PacketRecord>[];
  parameters: readonly Column<ParameterRecord>[];
  events: readonly Column<EventRecord>[];
};

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = v instanceof Uint8Array ? hex(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The header line of `stream`'s CSV, with its line end. */
export function csvHeader(stream: Stream): string {
  return `${COLUMNS[stream].join(',')}\r\n`;
}

function value(r: Readonly<Record<string, unknown>>, column: string): unknown {
  if (column === 'length') return (r.data as Uint8Array).byteLength;
  if (column.endsWith('_iso')) return isoUs(r[column.slice(0, -'_iso'.length)] as number);
  return r[column];
}

/** One CSV line (with its CRLF) for a record of `stream`. */
export function csvRow(stream: Stream, r: AnyRecord): string {
  const fields = r as unknown as Readonly<Record<string, unknown>>;
  return `${COLUMNS[stream].map((c) => cell(value(fields, c))).join(',')}\r\n`;
}
