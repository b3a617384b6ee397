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

const COLUMNS: Record<Stream, readonly string[]> = {
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

function fields(stream: Stream, r: AnyRecord): unknown[] {
  switch (stream) {
    case 'frames': {
      const f = r as FrameRecord;
      return [
        f.seq,
        f.ert,
        isoUs(f.ert),
        f.station,
        f.scid,
        f.vcid,
        f.vcfc,
        f.quality,
        f.data.byteLength,
        f.data,
      ];
    }
    case 'packets': {
      const p = r as PacketRecord;
      return [
        p.seq,
        p.ert,
        isoUs(p.ert),
        p.scet,
        isoUs(p.scet),
        p.station,
        p.scid,
        p.vcid,
        p.apid,
        p.ssc,
        p.quality,
        p.data.byteLength,
        p.data,
      ];
    }
    case 'parameters': {
      const p = r as ParameterRecord;
      return [
        p.seq,
        p.name,
        p.scet,
        isoUs(p.scet),
        p.ert,
        isoUs(p.ert),
        p.raw,
        p.eng,
        p.unit,
        p.limit,
        p.quality,
      ];
    }
    default: {
      const e = r as EventRecord;
      return [e.seq, e.time, isoUs(e.time), e.severity, e.source, e.type, e.message, e.parameter, e.value];
    }
  }
}

/** One CSV line (with its CRLF) for a record of `stream`. */
export function csvRow(stream: Stream, r: AnyRecord): string {
  return `${fields(stream, r).map(cell).join(',')}\r\n`;
}
