// Decommutation: the mission database compiled into one decoder per APID. Each entry carries the
// closures that read and convert its parameter, so decoding a packet does no lookup by name.
import { bytesReader, endByte, numberReader, stringReader } from './bits.ts';
import { type NumericCalibrator, numericCalibrator, stateTable } from './calibration.ts';
import type { ExtractedParam, Mdb } from './model.ts';
import { ParamQuality } from './quality.ts';

export const EntryKind = { NUMBER: 0, STATE: 1, BOOLEAN: 2, STRING: 3, BYTES: 4 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export type SampleValue = number | string | boolean | Uint8Array;

export interface DecodeEntry {
  readonly param: number;
  readonly kind: EntryKind;
  /** Bytes the packet must have for this parameter to be present. */
  readonly endByte: number;
  readonly read: (b: Uint8Array, v: DataView) => number | string | Uint8Array;
  /** NUMBER: raw → engineering value (identity when uncalibrated). */
  readonly calibrate: NumericCalibrator;
  /** STATE: raw → state text, undefined when the raw value has none. */
  readonly state: (raw: number) => string | undefined;
  /** Raw and engineering value of a sample whose bits lie beyond the packet's end. */
  readonly missing: SampleValue;
}

export interface Decoder {
  readonly apid: number;
  readonly container: string;
  readonly entries: readonly DecodeEntry[];
  /** Derived parameters to recompute after this packet, in dependency order. */
  readonly derived: readonly number[];
}

/** The result of decoding one entry; reused, so the hot path allocates no wrapper per sample. */
export interface Decoded {
  raw: SampleValue;
  eng: SampleValue;
  quality: number;
}

export const APID_COUNT = 2048;

const identity: NumericCalibrator = (x) => x;
const noState = (): string | undefined => undefined;

/** One decoder per APID that the database defines a container for (array index = APID). */
export function compileDecoders(mdb: Mdb): readonly (Decoder | undefined)[] {
  const decoders = new Array<Decoder | undefined>(APID_COUNT).fill(undefined);
  for (const c of mdb.containers) {
    const entries: DecodeEntry[] = c.entries.map((e) => {
      // Resolution admits only extracted parameters into containers.
      const p = mdb.parameters[e.param] as ExtractedParam;
      const { encoding, calibration } = p;
      const first = e.fields[0]!;
      const base = { param: e.param, endByte: endByte(e.fields), calibrate: identity, state: noState };
      if (encoding.type === 'string') {
        return {
          ...base,
          kind: EntryKind.STRING,
          read: stringReader(first.bitOffset, encoding.bits),
          missing: '',
        };
      }
      if (encoding.type === 'bytes') {
        const read = bytesReader(first.bitOffset, encoding.bits);
        return { ...base, kind: EntryKind.BYTES, read, missing: new Uint8Array(0) };
      }
      const read = numberReader(encoding, e.fields);
      if (calibration === undefined) return { ...base, kind: EntryKind.NUMBER, read, missing: Number.NaN };
      switch (calibration.type) {
        case 'enumeration':
          return { ...base, kind: EntryKind.STATE, read, state: stateTable(calibration).lookup, missing: '' };
        case 'boolean':
          return { ...base, kind: EntryKind.BOOLEAN, read, missing: false };
        default:
          return {
            ...base,
            kind: EntryKind.NUMBER,
            read,
            calibrate: numericCalibrator(calibration),
            missing: Number.NaN,
          };
      }
    });
    decoders[c.apid] = Object.freeze({
      apid: c.apid,
      container: c.name,
      entries: Object.freeze(entries),
      derived: Object.freeze(affectedDerived(mdb, new Set(entries.map((e) => e.param)))),
    });
  }
  return Object.freeze(decoders);
}

/** Derived parameters whose inputs include one of `changed`, directly or through other derived ones. */
function affectedDerived(mdb: Mdb, changed: Set<number>): number[] {
  const out: number[] = [];
  for (const d of mdb.derivedOrder) {
    const p = mdb.parameters[d]!;
    if (p.kind === 'derived' && p.expression.inputs.some((i) => changed.has(i))) {
      changed.add(d);
      out.push(d);
    }
  }
  return out;
}

/** Decodes one entry of `packet` into `out`: never throws; problems are quality bits. */
export function decodeEntry(e: DecodeEntry, packet: Uint8Array, view: DataView, out: Decoded): void {
  if (e.endByte > packet.length) {
    out.raw = e.missing;
    out.eng = e.missing;
    out.quality = ParamQuality.OUT_OF_PACKET;
    return;
  }
  const raw = e.read(packet, view);
  out.raw = raw;
  out.quality = 0;
  switch (e.kind) {
    case EntryKind.NUMBER: {
      const eng = e.calibrate(raw as number);
      out.eng = eng;
      // eng - eng is NaN exactly for NaN and ±Infinity: one test for "not finite".
      if (eng - eng !== 0) out.quality = ParamQuality.INVALID_VALUE;
      return;
    }
    case EntryKind.STATE: {
      const text = e.state(raw as number);
      if (text === undefined) {
        out.eng = String(raw);
        out.quality = ParamQuality.UNKNOWN_STATE;
      } else out.eng = text;
      return;
    }
    case EntryKind.BOOLEAN:
      out.eng = raw !== 0;
      return;
    default:
      out.eng = raw;
  }
}
