// TM (CCSDS 132.0-B) and AOS (CCSDS 732.0-B) transfer frame layout: primary header fields, data
// field bounds, the frame error control field (CRC-16-CCITT), the operational control field and
// the CLCW it carries (CCSDS 232.0-B), and idle frame detection.
import { crc16Ccitt } from '../acquisition/crc16.ts';
import { CcsdsError, CcsdsErrorCode } from './errors.ts';

export const FrameType = { TM: 'tm', AOS: 'aos' } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const PRIMARY_HEADER_BYTES = 6;
export const FECF_BYTES = 2;
export const OCF_BYTES = 4;
/** AOS M_PDU header: 5 spare bits and the 11-bit first header pointer. */
export const MPDU_HEADER_BYTES = 2;
/** First header pointer: no packet starts in this frame's data field. */
export const FHP_NO_HEADER = 0x7ff;
/** First header pointer: the data field holds only idle data. */
export const FHP_IDLE_ONLY = 0x7fe;
export const TM_VERSION = 0;
export const AOS_VERSION = 1;
export const MAX_VCID = { tm: 7, aos: 63 } as const;
export const MAX_SCID = { tm: 0x3ff, aos: 0xff } as const;
/** The AOS idle virtual channel (732.0-B 4.1.2.3). */
export const AOS_IDLE_VCID = 63;
/** The VC that TM missions conventionally reserve for idle (OID) frames. */
export const TM_IDLE_VCID = 7;
/** Largest transfer frame either book allows. */
export const MAX_FRAME_LENGTH = 2048;

export interface FrameLayoutConfig {
  type: FrameType;
  /** Transfer frame length in bytes (fixed per physical channel). */
  frameLength: number;
  /** A frame error control field (CRC-16) ends each frame. */
  fecf: boolean;
  /** Expected spacecraft id; frames of any other are header errors. Omit to accept any. */
  scid?: number;
  /** AOS: an operational control field precedes the FECF (TM signals it in the header). */
  ocf?: boolean;
  /** AOS: the 2-byte frame header error control is present (skipped, not decoded). */
  fhec?: boolean;
  /** AOS: insert zone length in bytes. */
  insertZone?: number;
  /** TM: the VC carrying idle frames, or null when none is reserved. Default 7. */
  idleVcid?: number | null;
}

/** The fields of one frame, rewritten in place by FrameLayout.parse to avoid an allocation per frame. */
export interface FrameHeader {
  version: number;
  scid: number;
  vcid: number;
  /** TM master channel frame count; -1 for AOS, which has none. */
  mcfc: number;
  /** Virtual channel frame count (TM 8 bits; AOS 24 bits, 28 with the frame count cycle in use). */
  vcfc: number;
  /** The count wraps at this value. */
  vcfcModulus: number;
  /** AOS replay flag; false for TM. */
  replay: boolean;
  /** TM: a secondary header follows the primary header. */
  secondaryHeader: boolean;
  /** TM: the data field is not packets (synchronisation flag set). */
  syncFlag: boolean;
  firstHeaderPointer: number;
  /** Packet zone bounds within the frame. */
  dataStart: number;
  dataEnd: number;
  /** Offset of the operational control field, or -1 when the frame has none. */
  ocfOffset: number;
}

export function newFrameHeader(): FrameHeader {
  return {
    version: 0,
    scid: 0,
    vcid: 0,
    mcfc: 0,
    vcfc: 0,
    vcfcModulus: 256,
    replay: false,
    secondaryHeader: false,
    syncFlag: false,
    firstHeaderPointer: 0,
    dataStart: 0,
    dataEnd: 0,
    ocfOffset: -1,
  };
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export class FrameLayout {
  readonly type: FrameType;
  readonly frameLength: number;
  readonly fecf: boolean;
  readonly scid: number | undefined;
  readonly idleVcid: number | null;
  readonly #aosOcf: boolean;
  /** AOS: where the M_PDU header starts (after the header, FHEC and insert zone). */
  readonly #aosMpdu: number;

  constructor(config: FrameLayoutConfig) {
    const { type, frameLength } = config;
    if (
      config.scid !== undefined &&
      !(Number.isInteger(config.scid) && config.scid >= 0 && config.scid <= MAX_SCID[type])
    ) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_SPACECRAFT_ID,
        `spacecraft id ${config.scid} does not fit ${type}`,
      );
    }
    const insertZone = config.insertZone ?? 0;
    if (
      type === FrameType.TM &&
      (config.insertZone !== undefined || config.fhec !== undefined || config.ocf !== undefined)
    ) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_FRAME_LAYOUT,
        'insert zone, FHEC and OCF presence are AOS settings',
      );
    }
    if (!Number.isInteger(insertZone) || insertZone < 0) {
      throw new CcsdsError(CcsdsErrorCode.ERR_FRAME_LAYOUT, `insert zone length ${insertZone} is invalid`);
    }
    const idleVcid =
      type === FrameType.AOS ? AOS_IDLE_VCID : config.idleVcid === undefined ? TM_IDLE_VCID : config.idleVcid;
    if (idleVcid !== null && !(Number.isInteger(idleVcid) && idleVcid >= 0 && idleVcid <= MAX_VCID[type])) {
      throw new CcsdsError(CcsdsErrorCode.ERR_VCID, `idle VCID ${idleVcid} does not fit ${type}`);
    }
    this.#aosOcf = config.ocf ?? false;
    this.#aosMpdu = PRIMARY_HEADER_BYTES + (config.fhec ? 2 : 0) + insertZone;
    const trailer = (config.fecf ? FECF_BYTES : 0) + (type === FrameType.TM || this.#aosOcf ? OCF_BYTES : 0);
    const minimum =
      (type === FrameType.TM ? PRIMARY_HEADER_BYTES : this.#aosMpdu + MPDU_HEADER_BYTES) + trailer + 1;
    if (!Number.isInteger(frameLength) || frameLength < minimum || frameLength > MAX_FRAME_LENGTH) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_FRAME_LENGTH,
        `${type} frame length ${frameLength} is outside ${minimum}..${MAX_FRAME_LENGTH}`,
      );
    }
    this.type = type;
    this.frameLength = frameLength;
    this.fecf = config.fecf;
    this.scid = config.scid;
    this.idleVcid = idleVcid;
  }

  /**
   * Fills `h` from `frame`. Returns false on a header error: wrong length, version or spacecraft
   * id, a secondary header that overruns the frame, or a first header pointer outside the data
   * field. `h` holds what could be read either way (zeros for a frame shorter than a header).
   */
  parse(frame: Uint8Array, h: FrameHeader): boolean {
    if (frame.length < PRIMARY_HEADER_BYTES) {
      h.version = 0;
      h.scid = 0;
      h.vcid = 0;
      h.vcfc = 0;
      h.mcfc = 0;
      h.dataStart = 0;
      h.dataEnd = 0;
      h.ocfOffset = -1;
      return false;
    }
    const w0 = u16(frame, 0);
    h.version = w0 >>> 14;
    let ok = frame.length === this.frameLength;
    const end = frame.length - (this.fecf ? FECF_BYTES : 0);
    if (this.type === FrameType.TM) {
      h.scid = (w0 >>> 4) & 0x3ff;
      h.vcid = (w0 >>> 1) & 7;
      const ocf = (w0 & 1) === 1;
      h.mcfc = frame[2]!;
      h.vcfc = frame[3]!;
      h.vcfcModulus = 256;
      h.replay = false;
      const status = u16(frame, 4);
      h.secondaryHeader = (status & 0x8000) !== 0;
      h.syncFlag = (status & 0x4000) !== 0;
      h.firstHeaderPointer = status & 0x7ff;
      h.dataStart =
        PRIMARY_HEADER_BYTES + (h.secondaryHeader ? (frame[PRIMARY_HEADER_BYTES]! & 0x3f) + 1 : 0);
      h.ocfOffset = ocf ? end - OCF_BYTES : -1;
      h.dataEnd = ocf ? end - OCF_BYTES : end;
      ok &&= h.version === TM_VERSION;
    } else {
      h.scid = (w0 >>> 6) & 0xff;
      h.vcid = w0 & 0x3f;
      h.mcfc = -1;
      const signal = frame[5]!;
      h.replay = (signal & 0x80) !== 0;
      // The VC frame count cycle extends the count by 4 bits when its usage flag is set.
      const count = (frame[2]! << 16) | (frame[3]! << 8) | frame[4]!;
      const cycleInUse = (signal & 0x40) !== 0;
      h.vcfc = cycleInUse ? (signal & 0x0f) * 0x1000000 + count : count;
      h.vcfcModulus = cycleInUse ? 0x10000000 : 0x1000000;
      h.secondaryHeader = false;
      h.syncFlag = false;
      const mpdu = this.#aosMpdu;
      h.firstHeaderPointer =
        frame.length >= mpdu + MPDU_HEADER_BYTES ? u16(frame, mpdu) & 0x7ff : FHP_NO_HEADER;
      h.dataStart = mpdu + MPDU_HEADER_BYTES;
      h.ocfOffset = this.#aosOcf ? end - OCF_BYTES : -1;
      h.dataEnd = this.#aosOcf ? end - OCF_BYTES : end;
      ok &&= h.version === AOS_VERSION;
    }
    if (this.scid !== undefined) ok &&= h.scid === this.scid;
    if (h.dataStart > h.dataEnd) {
      h.dataStart = h.dataEnd;
      ok = false;
    }
    if (h.ocfOffset >= 0 && h.ocfOffset < PRIMARY_HEADER_BYTES) h.ocfOffset = -1;
    const fhp = h.firstHeaderPointer;
    if (!h.syncFlag && fhp !== FHP_NO_HEADER && fhp !== FHP_IDLE_ONLY && fhp >= h.dataEnd - h.dataStart)
      ok = false;
    return ok;
  }

  /** True when the FECF matches the CRC-16-CCITT of the rest of the frame (call only with `fecf`). */
  checkFecf(frame: Uint8Array): boolean {
    const n = frame.length;
    return n >= FECF_BYTES && crc16Ccitt(frame, 0, n - FECF_BYTES) === u16(frame, n - FECF_BYTES);
  }

  isIdle(h: FrameHeader): boolean {
    return h.vcid === this.idleVcid;
  }
}

/** Communications Link Control Word (CCSDS 232.0-B 4.2), the type-1 report of the OCF. */
export interface Clcw {
  version: number;
  status: number;
  copInEffect: number;
  vcid: number;
  noRfAvailable: boolean;
  noBitLock: boolean;
  lockout: boolean;
  wait: boolean;
  retransmit: boolean;
  farmBCounter: number;
  reportValue: number;
}

/** The CLCW in the 4-byte OCF at `offset`, or null when the OCF holds a type-2 report. */
export function parseClcw(frame: Uint8Array, offset: number): Clcw | null {
  const b0 = frame[offset]!;
  if (b0 & 0x80) return null;
  const b1 = frame[offset + 1]!;
  const b2 = frame[offset + 2]!;
  return {
    version: (b0 >>> 5) & 3,
    status: (b0 >>> 2) & 7,
    copInEffect: b0 & 3,
    vcid: b1 >>> 2,
    noRfAvailable: (b2 & 0x80) !== 0,
    noBitLock: (b2 & 0x40) !== 0,
    lockout: (b2 & 0x20) !== 0,
    wait: (b2 & 0x10) !== 0,
    retransmit: (b2 & 0x08) !== 0,
    farmBCounter: (b2 >>> 1) & 3,
    reportValue: frame[offset + 3]!,
  };
}
