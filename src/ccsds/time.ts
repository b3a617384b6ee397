// CCSDS time codes (CCSDS 301.0-B-4) in packets: the Unsegmented Time Code (CUC, section 3.2), a
// binary count of seconds (coarse time, 1..7 octets) and binary fractions of a second (fine time,
// 0..10 octets), and the Day Segmented Time Code (CDS, section 3.3), a count of days (16 or 24
// bits), of milliseconds of the day (32 bits) and optionally of µs (16 bits) or ps (32 bits) of the
// millisecond. Each is described by a P-field that is either implicit (configured per APID) or
// carried in the packet before the T-field.
//
// The pure API (no state, no allocation): parsePField / parseCucPField / parseCdsPField read a
// P-field; decodeTimeField / decodeCuc / decodeCds read a T-field at an offset of a Uint8Array
// with a described format; timeFieldLength gives its octet count.
import { CcsdsError, CcsdsErrorCode } from './errors.ts';

/** 1958-01-01T00:00:00 (the CCSDS level-1 epoch, TAI) in µs since 1970-01-01. */
export const EPOCH_1958_US = -378_691_200_000_000;
/** Time code ids of a P-field: level 1 (1958 TAI epoch) and level 2 (agency-defined epoch). */
export const CUC_LEVEL1 = 0b001;
export const CUC_LEVEL2 = 0b010;

/** Octet counts of a T-field; a P-field can describe at most 7 coarse and 10 fine octets. */
export interface CucFormat {
  coarseOctets: number;
  fineOctets: number;
}

/** Decodes a P-field at `offset`; null when it is not a CUC P-field or runs past the bytes. */
export function parseCucPField(bytes: Uint8Array, offset = 0): { format: CucFormat; length: number } | null {
  if (offset >= bytes.length) return null;
  const p1 = bytes[offset]!;
  const id = (p1 >>> 4) & 7;
  if (id !== CUC_LEVEL1 && id !== CUC_LEVEL2) return null;
  let coarseOctets = ((p1 >>> 2) & 3) + 1;
  let fineOctets = p1 & 3;
  if ((p1 & 0x80) === 0) return { format: { coarseOctets, fineOctets }, length: 1 };
  if (offset + 1 >= bytes.length) return null;
  const p2 = bytes[offset + 1]!;
  // A second extension octet is not defined for CUC.
  if (p2 & 0x80) return null;
  coarseOctets += (p2 >>> 5) & 3;
  fineOctets += (p2 >>> 2) & 7;
  return { format: { coarseOctets, fineOctets }, length: 2 };
}

/** Time code id of a CDS P-field (301.0-B-4 3.3.2: bits 1-3 = 100). */
export const CDS_ID = 0b100;
export const DAY_US = 86_400_000_000;

/**
 * A CDS T-field: a day count of 2 or 3 octets, 4 octets of milliseconds of the day, then 0, 2
 * (µs of the millisecond) or 4 (ps of the millisecond) octets.
 */
export interface CdsFormat {
  dayOctets: 2 | 3;
  subMsOctets: 0 | 2 | 4;
}

/**
 * Decodes a CDS P-field (one octet: 0 | 100 | epoch | day length | sub-ms) at `offset`; null when
 * it is not a CDS P-field, uses the reserved sub-ms code 11, or runs past the bytes. `agencyEpoch`
 * is the epoch bit: a level 2 code, whose epoch the mission defines (level 1 is 1958-01-01).
 */
export function parseCdsPField(
  bytes: Uint8Array,
  offset = 0,
): { format: CdsFormat; agencyEpoch: boolean; length: 1 } | null {
  if (offset >= bytes.length) return null;
  const p = bytes[offset]!;
  if (p & 0x80 || ((p >>> 4) & 7) !== CDS_ID) return null;
  const sub = p & 3;
  if (sub === 3) return null;
  return {
    format: { dayOctets: p & 4 ? 3 : 2, subMsOctets: sub === 0 ? 0 : sub === 1 ? 2 : 4 },
    agencyEpoch: (p & 8) !== 0,
    length: 1,
  };
}

/**
 * The CDS T-field at `offset` in µs since 1970 (`epochUs` is day 0, 00:00); picoseconds are
 * rounded to the µs. 0 when it runs past the bytes or a field is out of range (ms of day beyond
 * 86 400 999, the last ms of a leap second; µs of ms beyond 999; ps of ms beyond 999 999 999).
 * A leap second's ms (86 400 000 ..) read as the first second of the next day.
 */
export function decodeCds(bytes: Uint8Array, offset: number, format: CdsFormat, epochUs: number): number {
  const end = offset + format.dayOctets + 4 + format.subMsOctets;
  if (offset < 0 || end > bytes.length) return 0;
  let i = offset;
  let day = bytes[i++]! * 256 + bytes[i++]!;
  if (format.dayOctets === 3) day = day * 256 + bytes[i++]!;
  const ms = bytes[i++]! * 0x100_0000 + bytes[i++]! * 0x1_0000 + bytes[i++]! * 0x100 + bytes[i++]!;
  if (ms > 86_400_999) return 0;
  let subUs = 0;
  if (format.subMsOctets === 2) {
    subUs = bytes[i++]! * 256 + bytes[i++]!;
    if (subUs > 999) return 0;
  } else if (format.subMsOctets === 4) {
    const ps = bytes[i++]! * 0x100_0000 + bytes[i++]! * 0x1_0000 + bytes[i++]! * 0x100 + bytes[i++]!;
    if (ps > 999_999_999) return 0;
    subUs = Math.round(ps / 1e6);
  }
  return epochUs + day * DAY_US + ms * 1000 + subUs;
}

/** A described T-field: CUC or CDS. */
export type TimeFormat = ({ code: 'cuc' } & CucFormat) | ({ code: 'cds' } & CdsFormat);

/** Octets of a T-field of `format`. */
export function timeFieldLength(format: TimeFormat): number {
  return format.code === 'cuc'
    ? format.coarseOctets + format.fineOctets
    : format.dayOctets + 4 + format.subMsOctets;
}

/** Decodes a CUC or CDS P-field at `offset`; null when it is neither (or runs past the bytes). */
export function parsePField(bytes: Uint8Array, offset = 0): { format: TimeFormat; length: number } | null {
  const cuc = parseCucPField(bytes, offset);
  if (cuc !== null) return { format: { code: 'cuc', ...cuc.format }, length: cuc.length };
  const cds = parseCdsPField(bytes, offset);
  if (cds !== null) return { format: { code: 'cds', ...cds.format }, length: cds.length };
  return null;
}

/** The T-field of `format` at `offset` in µs since 1970 (`epochUs` is its time zero); 0 when unreadable. */
export function decodeTimeField(
  bytes: Uint8Array,
  offset: number,
  format: TimeFormat,
  epochUs: number,
): number {
  return format.code === 'cuc'
    ? decodeCuc(bytes, offset, format, epochUs)
    : decodeCds(bytes, offset, format, epochUs);
}

/** A CCSDS time code (CUC or CDS, chosen by its P-field) in a packet. */
export interface PFieldTimeConfig {
  /** The implicit P-field (CUC: 1 or 2 octets, CDS: 1 octet); ignored when `explicit`, whose packets carry their own. */
  pField?: readonly number[];
  /** The P-field precedes the T-field in the packet. */
  explicit?: boolean;
  /** Time zero of the code in µs since 1970 (EPOCH_1958_US for level 1). */
  epochUs: number;
  /** Seconds subtracted after decoding, e.g. TAI - UTC (37 since 2017) for a TAI clock. Default 0. */
  leapSeconds?: number;
  /** Where the time field starts in the packet. Default 6, the first octet of the secondary header. */
  offset?: number;
}

/** Decodes a packet's CUC or CDS time code with an implicit (configured) or explicit (carried) P-field. */
export class PFieldTimeDecoder {
  readonly #format: TimeFormat | null;
  readonly #explicit: boolean;
  readonly #baseUs: number;
  readonly #offset: number;

  constructor(config: PFieldTimeConfig) {
    this.#explicit = config.explicit ?? false;
    this.#offset = config.offset ?? 6;
    if (!Number.isInteger(this.#offset) || this.#offset < 0) {
      throw new CcsdsError(CcsdsErrorCode.ERR_TIME_FORMAT, `time field offset ${this.#offset} is invalid`);
    }
    if (!Number.isFinite(config.epochUs) || !Number.isFinite(config.leapSeconds ?? 0)) {
      throw new CcsdsError(CcsdsErrorCode.ERR_TIME_FORMAT, 'epoch and leap seconds must be finite');
    }
    this.#baseUs = config.epochUs - (config.leapSeconds ?? 0) * 1e6;
    if (this.#explicit) {
      this.#format = null;
      return;
    }
    const p = config.pField ?? [];
    const parsed = p.every((o) => Number.isInteger(o) && o >= 0 && o <= 0xff)
      ? parsePField(Uint8Array.from(p))
      : null;
    if (parsed === null || parsed.length !== p.length) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_TIME_FORMAT,
        `P-field [${p.join(', ')}] is not a CUC or CDS P-field`,
      );
    }
    this.#format = parsed.format;
  }

  /** The packet's time in µs since 1970, or 0 when the packet is too short or its P-field invalid. */
  decode(packet: Uint8Array): number {
    let at = this.#offset;
    let format = this.#format;
    if (format === null) {
      const parsed = parsePField(packet, at);
      if (parsed === null) return 0;
      format = parsed.format;
      at += parsed.length;
    }
    return decodeTimeField(packet, at, format, this.#baseUs);
  }
}

/** The T-field at `offset` in µs since 1970 (`epochUs` is its time zero); 0 when it runs past the bytes. */
export function decodeCuc(bytes: Uint8Array, offset: number, format: CucFormat, epochUs: number): number {
  const end = offset + format.coarseOctets + format.fineOctets;
  if (end > bytes.length) return 0;
  let seconds = 0;
  let i = offset;
  for (const stop = offset + format.coarseOctets; i < stop; i++) seconds = seconds * 256 + bytes[i]!;
  let fraction = 0;
  let scale = 1 / 256;
  for (; i < end; i++, scale /= 256) fraction += bytes[i]! * scale;
  return epochUs + seconds * 1e6 + Math.round(fraction * 1e6);
}

/**
 * A plain binary count of time units (not CUC), as some flight software writes: `octets`
 * big-endian octets counting `unitUs` µs from `epochUs`. The demo spacecraft writes 8 octets of µs
 * since 1970.
 */
export interface CounterTimeConfig {
  counter: { octets: number; unitUs: number };
  epochUs: number;
  /** Where the count starts in the packet. Default 6. */
  offset?: number;
}

export type TimeCodeConfig = PFieldTimeConfig | CounterTimeConfig;

export interface TimeDecoder {
  /** The packet's time in µs since 1970, or 0 when the packet is too short. */
  decode(packet: Uint8Array): number;
}

class CounterDecoder implements TimeDecoder {
  readonly #octets: number;
  readonly #unitUs: number;
  readonly #epochUs: number;
  readonly #offset: number;

  constructor(config: CounterTimeConfig) {
    const { octets, unitUs } = config.counter;
    this.#offset = config.offset ?? 6;
    if (!Number.isInteger(octets) || octets < 1 || octets > 8 || !(unitUs > 0) || !Number.isFinite(unitUs)) {
      throw new CcsdsError(CcsdsErrorCode.ERR_TIME_FORMAT, `time counter of ${octets} octets × ${unitUs} µs`);
    }
    if (!Number.isInteger(this.#offset) || this.#offset < 0 || !Number.isFinite(config.epochUs)) {
      throw new CcsdsError(CcsdsErrorCode.ERR_TIME_FORMAT, 'time counter offset or epoch is invalid');
    }
    this.#octets = octets;
    this.#unitUs = unitUs;
    this.#epochUs = config.epochUs;
  }

  decode(packet: Uint8Array): number {
    const end = this.#offset + this.#octets;
    if (end > packet.length) return 0;
    let count = 0;
    for (let i = this.#offset; i < end; i++) count = count * 256 + packet[i]!;
    return this.#epochUs + count * this.#unitUs;
  }
}

export function createTimeDecoder(config: TimeCodeConfig): TimeDecoder {
  return 'counter' in config ? new CounterDecoder(config) : new PFieldTimeDecoder(config);
}
