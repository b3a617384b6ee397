// How `scs tail` prints a record: one human-readable line, or one JSON object (JSON Lines).
import type { Stream } from '../../protocol/constants.ts';
import type { EventRecord, FrameRecord, PacketRecord, ParameterRecord } from '../../protocol/types.ts';
import type { RecordOf } from '../sdk/index.ts';

/** An ICD time (µs since the epoch) as ISO-8601 UTC with microseconds. */
export function isoUs(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(Math.floor(us) % 1000).padStart(3, '0')}Z`;
}

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function value(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${hex(v)}`;
  // Calibrated floats carry binary noise (33.544000000000004): 12 significant digits is
  // beyond any telemetry's precision and reads as the operator expects. JSON Lines keeps all.
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(12)));
  return String(v);
}

const quality = (q: number) => (q === 0 ? '' : ` quality=0x${q.toString(16)}`);

function frameLine(r: FrameRecord): string {
  return `${isoUs(r.ert)} frame ${r.station} scid=${r.scid} vc=${r.vcid} vcfc=${r.vcfc} ${r.data.byteLength} B${quality(r.quality)} seq=${r.seq}`;
}

function packetLine(r: PacketRecord): string {
  return `${isoUs(r.ert)} packet ${r.station} scid=${r.scid} vc=${r.vcid} apid=${r.apid} ssc=${r.ssc} ${r.data.byteLength} B${quality(r.quality)} seq=${r.seq}`;
}

function parameterLine(r: ParameterRecord): string {
  const unit = r.unit ? ` ${r.unit}` : '';
  return `${isoUs(r.ert)} ${r.name} = ${value(r.eng)}${unit} ${r.limit} raw=${value(r.raw)}${quality(r.quality)} seq=${r.seq}`;
}

function eventLine(r: EventRecord): string {
  const about = r.parameter === undefined ? '' : ` (${r.parameter}=${value(r.value)})`;
  return `${isoUs(r.time)} ${r.severity} ${r.source}/${r.type}: ${r.message}${about} seq=${r.seq}`;
}

export function humanLine<S extends Stream>(stream: S, record: RecordOf<S>): string {
  switch (stream) {
    case 'frames':
      return frameLine(record as FrameRecord);
    case 'packets':
      return packetLine(record as PacketRecord);
    case 'parameters':
      return parameterLine(record as ParameterRecord);
    default:
      return eventLine(record as EventRecord);
  }
}

/** The record as one JSON line; bytes (`data`, binary values) as base64. Records are flat maps. */
export function jsonLine(record: object): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    out[k] =
      v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
  }
  return JSON.stringify(out);
}
