// CCSDS Unsegmented Time Code (CUC, CCSDS 301.0-B section 3.2): a binary count of seconds (coarse
// time, 1..7 octets) and binary fractions of a second (fine time, 0..10 octets) from an epoch,
// described by a P-field that is either implicit (configured per APID) or carried in the packet.
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

export interface CucConfig {
  /** The implicit P-field (1 or 2 octets); ignored when `explicit`, whose packets carry their own. */
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

export class CucDecoder {
  readonly #format: CucFormat | null;
  readonly #explicit: boolean;
  readonly #baseUs: number;
  readonly #offset: number;

  constructor(config: CucConfig) {
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
      ? parseCucPField(Uint8Array.from(p))
      : null;
    if (parsed === null || parsed.length !== p.length) {
      throw new CcsdsError(CcsdsErrorCode.ERR_TIME_FORMAT, `P-field [${p.join(', ')}] is not a CUC P-field`);
    }
    this.#format = parsed.format;
  }

  /** The packet's time in µs since 1970, or 0 when the packet is too short or its P-field invalid. */
  decode(packet: Uint8Array): number {
    let at = this.#offset;
    let format = this.#format;
    if (format === null) {
      const parsed = parseCucPField(packet, at);
      if (parsed === null) return 0;
      format = parsed.format;
      at += parsed.length;
    }
    return decodeCuc(packet, at, format, this.#baseUs);
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

export type TimeCodeConfig = CucConfig | CounterTimeConfig;

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
  return 'counter' in config ? new CounterDecoder(config) : new CucDecoder(config);
}
