// A parameter record (ICD §6, as the parameters ring and the archive carry it) as an Open MCT
// telemetry point: the seed's fields (timestamp, flags, name, raw_value, raw_type) plus the
// engineering value, and `value`, the number Open MCT plots (a state's index for enumerations).
import { isGoodQuality } from '../../protocol/constants.ts';
import { unpack } from '../../protocol/msgpack.ts';
import type { ParameterInfo } from '../acquisition/source.ts';

export type RawType = 'int' | 'float' | 'string' | 'bool' | 'binary';
type Scalar = number | string | boolean;

export interface OpenMctPoint {
  /** The parameter name: the telemetry point's key in Open MCT. */
  id: string;
  name: string;
  /** ERT, ms since the epoch (Open MCT's utc time system). */
  timestamp: number;
  /** SCET, ms since the epoch. */
  scet: number;
  value: number | string;
  /** The engineering value as the record carries it (state text for states). */
  eng: Scalar;
  raw_value: Scalar;
  raw_type: RawType;
  /** The record's quality bits. */
  flags: number;
  /** `good` or `bad`, by the one definition of good data (isGoodQuality: no error bit set). */
  quality: 'good' | 'bad';
  limit: string;
  seq: number;
  unit?: string;
}

interface ParameterRecordIn {
  seq: number;
  name: string;
  scet: number;
  ert: number;
  raw: Scalar | Uint8Array;
  eng: Scalar | Uint8Array;
  unit?: string;
  limit: string;
  quality: number;
}

function isRecord(v: unknown): v is ParameterRecordIn {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.seq === 'number' &&
    typeof r.name === 'string' &&
    typeof r.ert === 'number' &&
    typeof r.scet === 'number' &&
    typeof r.limit === 'string' &&
    typeof r.quality === 'number' &&
    r.raw !== undefined &&
    r.eng !== undefined
  );
}

function scalar(v: Scalar | Uint8Array): Scalar {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}

function rawType(v: Scalar | Uint8Array): RawType {
  if (v instanceof Uint8Array) return 'binary';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** The plotted value: a number for numbers, the index of a state or 0/1 for a flag (Open MCT enumerations). */
function plotted(eng: Scalar, info: ParameterInfo | undefined): number | string {
  if (typeof eng === 'boolean') return eng ? 1 : 0;
  if (info?.type === 'state' && info.states !== undefined) {
    const i = info.states.indexOf(String(eng));
    return i >= 0 ? i : String(eng);
  }
  return eng;
}

/** The point of one msgpack-encoded parameter record; null when the bytes are not one. */
export function decodePoint(payload: Uint8Array, info: ParameterInfo | undefined): OpenMctPoint | null {
  let rec: unknown;
  try {
    rec = unpack(payload);
  } catch {
    return null;
  }
  if (!isRecord(rec)) return null;
  const eng = scalar(rec.eng);
  const point: OpenMctPoint = {
    id: rec.name,
    name: rec.name,
    timestamp: rec.ert / 1000,
    scet: rec.scet / 1000,
    value: plotted(eng, info),
    eng,
    raw_value: scalar(rec.raw),
    raw_type: rawType(rec.raw),
    flags: rec.quality,
    quality: isGoodQuality(rec.quality) ? 'good' : 'bad',
    limit: rec.limit,
    seq: rec.seq,
  };
  if (typeof rec.unit === 'string') point.unit = rec.unit;
  return point;
}
