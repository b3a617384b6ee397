// Annotated packet files (HESSI ITOS→SOC style): each record is a fixed big-endian annotation
// header followed by the CCSDS source packet. Byte layout: src/files/README.md "Packet files".
import { crc32 } from '../../protocol/crc32.ts';
import type { PacketIn } from '../acquisition/source.ts';
import { CodedError } from '../util/coded-error.ts';

/** 'SCSP' */
export const PACKET_FILE_MAGIC = 0x53435350;
export const PACKET_FILE_VERSION = 1;
/** Header length written by this version; a reader accepts longer headers and skips the rest. */
export const PACKET_HEADER_BYTES = 60;
/** Largest CCSDS source packet: 6 header bytes + 65 536 data bytes. */
export const MAX_PACKET_BYTES = 65_542;
/** Bytes of the station field (UTF-8, NUL-padded). */
export const STATION_BYTES = 16;

const FLAG_VCFC = 0x01;
/** Bytes needed to know a record's header and packet lengths. */
const PREFIX_BYTES = 16;
const MAGIC_BYTES = [0x53, 0x43, 0x53, 0x50] as const;
const TWO_32 = 2 ** 32;
/** A µs time's high word above this is beyond Number.MAX_SAFE_INTEGER. */
const MAX_HIGH_WORD = 0x1fffff;

export const PacketFileErrorCode = {
  /** encodePacketRecord: a field out of its range (named in the message). */
  ERR_PACKET_FIELD: 'ERR_PACKET_FIELD',
  /** Bytes that are not a record: bad magic, version, header length, field, size or CRC. */
  ERR_PACKET_FILE_CORRUPT: 'ERR_PACKET_FILE_CORRUPT',
  /** The input ended inside a record. */
  ERR_PACKET_FILE_TRUNCATED: 'ERR_PACKET_FILE_TRUNCATED',
  /** push()/end() after the decoder threw (strict mode) or after end(). */
  ERR_PACKET_FILE_CLOSED: 'ERR_PACKET_FILE_CLOSED',
} as const;
export type PacketFileErrorCode = (typeof PacketFileErrorCode)[keyof typeof PacketFileErrorCode];

export class PacketFileError extends CodedError<PacketFileErrorCode> {
  /** Byte offset in the decoded stream of the record (or candidate) at fault; -1 for the encoder. */
  readonly offset: number;

  constructor(code: PacketFileErrorCode, message: string, offset = -1) {
    super(code, offset >= 0 ? `${message} at byte ${offset}` : message);
    this.offset = offset;
  }
}

/** A packet with the virtual channel frame count of the frame that carried its first byte, when known. */
export interface PacketFileRecord extends PacketIn {
  vcfc?: number;
}

function field(name: string, v: number, max: number): number {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new PacketFileError(
      PacketFileErrorCode.ERR_PACKET_FIELD,
      `${name} ${v} is not an integer 0 … ${max}`,
    );
  }
  return v;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** One record (header + packet bytes) for `p`. Pure; throws ERR_PACKET_FIELD for a field out of range. */
export function encodePacketRecord(p: PacketFileRecord): Uint8Array {
  const length = field('packet length', p.data.length, MAX_PACKET_BYTES);
  const station = utf8.encode(p.station);
  if (station.length > STATION_BYTES || station.includes(0)) {
    throw new PacketFileError(
      PacketFileErrorCode.ERR_PACKET_FIELD,
      `station '${p.station}' is not at most ${STATION_BYTES} UTF-8 bytes without NUL`,
    );
  }
  const out = new Uint8Array(PACKET_HEADER_BYTES + length);
  const v = new DataView(out.buffer);
  v.setUint32(0, PACKET_FILE_MAGIC);
  v.setUint8(8, PACKET_FILE_VERSION);
  v.setUint8(9, PACKET_HEADER_BYTES);
  v.setUint16(10, field('quality', p.quality, 0xffff));
  v.setUint32(12, length);
  setTime(v, 16, field('ert', p.ert, Number.MAX_SAFE_INTEGER));
  setTime(v, 24, field('scet', p.scet, Number.MAX_SAFE_INTEGER));
  v.setUint16(32, field('scid', p.scid, 0xffff));
  v.setUint16(34, field('apid', p.apid, 0x7ff));
  v.setUint16(36, field('ssc', p.ssc, 0x3fff));
  v.setUint8(38, field('vcid', p.vcid, 63));
  if (p.vcfc !== undefined) {
    v.setUint8(39, FLAG_VCFC);
    v.setUint32(40, field('vcfc', p.vcfc, 0xffffffff));
  }
  out.set(station, 44);
  out.set(p.data, PACKET_HEADER_BYTES);
  v.setUint32(4, crc32(out.subarray(8)));
  return out;
}

function setTime(v: DataView, at: number, us: number): void {
  v.setUint32(at, Math.floor(us / TWO_32));
  v.setUint32(at + 4, us % TWO_32);
}

function getTime(b: Uint8Array, at: number): number {
  return readU32(b, at) * TWO_32 + readU32(b, at + 4);
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** What the bytes from a record's start allow: a whole record, more bytes needed, or not a record. */
type Inspection =
  | { kind: 'record'; total: number; headerBytes: number; station: string }
  | { kind: 'need'; total: number }
  | { kind: 'corrupt'; reason: string };

/** Checks the record starting at `b[p]` with `avail` bytes present, field by field as bytes allow,
 * so a bad start is rejected early and no packet is buffered past the size cap. */
function inspect(b: Uint8Array, p: number, avail: number, maxPacket: number): Inspection {
  for (let i = 0; i < 4 && i < avail; i++) {
    if (b[p + i] !== MAGIC_BYTES[i]) return { kind: 'corrupt', reason: 'no record magic' };
  }
  if (avail >= 9 && b[p + 8] !== PACKET_FILE_VERSION) {
    return { kind: 'corrupt', reason: `unsupported record version ${b[p + 8]}` };
  }
  if (avail < PREFIX_BYTES) return { kind: 'need', total: PACKET_HEADER_BYTES };
  const headerBytes = b[p + 9]!;
  if (headerBytes < PACKET_HEADER_BYTES) return { kind: 'corrupt', reason: `header length ${headerBytes}` };
  const length = readU32(b, p + 12);
  if (length > maxPacket) return { kind: 'corrupt', reason: `packet length ${length} above ${maxPacket}` };
  if (avail < headerBytes) return { kind: 'need', total: headerBytes };
  if (readU32(b, p + 16) > MAX_HIGH_WORD || readU32(b, p + 24) > MAX_HIGH_WORD) {
    return { kind: 'corrupt', reason: 'time beyond 2^53 µs' };
  }
  if (b[p + 38]! > 63 || readU16(b, p + 34) > 0x7ff || readU16(b, p + 36) > 0x3fff) {
    return { kind: 'corrupt', reason: 'vcid, apid or ssc out of range' };
  }
  const total = headerBytes + length;
  if (avail < total) return { kind: 'need', total };
  if (crc32(b.subarray(p + 8, p + total)) !== readU32(b, p + 4))
    return { kind: 'corrupt', reason: 'CRC mismatch' };
  const stationBytes = b.subarray(p + 44, p + 44 + STATION_BYTES);
  const nul = stationBytes.indexOf(0);
  try {
    const station = utf8Strict.decode(nul < 0 ? stationBytes : stationBytes.subarray(0, nul));
    return { kind: 'record', total, headerBytes, station };
  } catch {
    return { kind: 'corrupt', reason: 'station is not UTF-8' };
  }
}

/** The record at `b[p]` (already inspected); `data` is a view of `b`, not a copy. */
function recordAt(
  b: Uint8Array,
  p: number,
  seen: { headerBytes: number; total: number; station: string },
): PacketFileRecord {
  const { headerBytes, total, station } = seen;
  const record: PacketFileRecord = {
    ert: getTime(b, p + 16),
    scet: getTime(b, p + 24),
    station,
    scid: readU16(b, p + 32),
    vcid: b[p + 38]!,
    apid: readU16(b, p + 34),
    ssc: readU16(b, p + 36),
    quality: readU16(b, p + 10),
    data: b.subarray(p + headerBytes, p + total),
  };
  if (b[p + 39]! & FLAG_VCFC) record.vcfc = readU32(b, p + 40);
  return record;
}

export interface PacketFileDecoderOptions {
  /** Called for every record, in file order. */
  onRecord: (record: PacketFileRecord) => void;
  /**
   * Absent (strict): corrupt input throws ERR_PACKET_FILE_CORRUPT from push() and the decoder is
   * closed. Present (resync): called once per corrupt stretch, then the decoder scans forward for
   * the next record whose magic, fields and CRC check out, and goes on from there.
   */
  onCorrupt?: (err: PacketFileError) => void;
  /** Packets longer than this are corrupt input (checked before any byte is buffered). Default MAX_PACKET_BYTES. */
  maxPacketBytes?: number;
}

export interface PacketFileDecoderStats {
  records: number;
  /** Bytes skipped while resynchronising. */
  skippedBytes: number;
  /** Corrupt stretches met (each reported once to onCorrupt). */
  corrupt: number;
}

/**
 * Resumable decoder of a packet file fed in chunks of any size. Record `data` is a view of the
 * pushed chunk (no copy) unless the record spans chunks, when it is a view of a buffer of its own:
 * a caller that reuses a chunk's memory after push() must copy the records it keeps.
 */
export class PacketFileDecoder {
  readonly stats: PacketFileDecoderStats = { records: 0, skippedBytes: 0, corrupt: 0 };
  readonly #onRecord: (record: PacketFileRecord) => void;
  readonly #onCorrupt: ((err: PacketFileError) => void) | undefined;
  readonly #maxPacket: number;
  /** The start of a record split across chunks; `#carryLen` bytes of it are present. */
  #carry: Uint8Array | null = null;
  #carryLen = 0;
  #carryOffset = 0;
  /** Stream offset of the next byte push() will see. */
  #offset = 0;
  /** Resync mode, inside a corrupt stretch. */
  #scanning = false;
  #closed = false;

  constructor(options: PacketFileDecoderOptions) {
    this.#onRecord = options.onRecord;
    this.#onCorrupt = options.onCorrupt;
    this.#maxPacket = options.maxPacketBytes ?? MAX_PACKET_BYTES;
  }

  /** Bytes pushed so far. */
  get offset(): number {
    return this.#offset;
  }

  push(chunk: Uint8Array): void {
    if (this.#closed)
      throw new PacketFileError(PacketFileErrorCode.ERR_PACKET_FILE_CLOSED, 'decoder is closed');
    let buf = chunk;
    let base = this.#offset;
    this.#offset += chunk.length;
    let p = 0;
    if (this.#carry !== null) {
      // Complete the split record, taking from the chunk only the bytes it still needs.
      for (;;) {
        const carry: Uint8Array = this.#carry;
        const seen = inspect(carry, 0, this.#carryLen, this.#maxPacket);
        if (seen.kind === 'record') {
          this.#carry = null;
          this.#emit(recordAt(carry, 0, seen));
          break;
        }
        if (seen.kind === 'corrupt') {
          // Rare path: rescan the carried bytes after the bad start together with the chunk.
          this.#corrupt(seen.reason, this.#carryOffset);
          // The carry already holds chunk[0, p).
          const rest = new Uint8Array(this.#carryLen - 1 + chunk.length - p);
          rest.set(carry.subarray(1, this.#carryLen));
          rest.set(chunk.subarray(p), this.#carryLen - 1);
          this.stats.skippedBytes++;
          base = this.#carryOffset + 1;
          buf = rest;
          p = 0;
          this.#carry = null;
          break;
        }
        if (seen.total > carry.length) {
          const grown = new Uint8Array(seen.total);
          grown.set(carry.subarray(0, this.#carryLen));
          this.#carry = grown;
        }
        const take = Math.min(seen.total - this.#carryLen, chunk.length - p);
        if (take === 0) return;
        this.#carry!.set(chunk.subarray(p, p + take), this.#carryLen);
        this.#carryLen += take;
        p += take;
      }
    }
    this.#scan(buf, p, base);
  }

  /** The input is complete: a partial record left over is ERR_PACKET_FILE_TRUNCATED (thrown, or
   * reported to onCorrupt in resync mode). */
  end(): void {
    if (this.#closed)
      throw new PacketFileError(PacketFileErrorCode.ERR_PACKET_FILE_CLOSED, 'decoder is closed');
    this.#closed = true;
    if (this.#carry === null) return;
    const err = new PacketFileError(
      PacketFileErrorCode.ERR_PACKET_FILE_TRUNCATED,
      `input ends inside a record (${this.#carryLen} bytes)`,
      this.#carryOffset,
    );
    this.#carry = null;
    if (this.#onCorrupt === undefined) throw err;
    this.stats.corrupt++;
    this.stats.skippedBytes += this.#carryLen;
    this.#onCorrupt(err);
  }

  #scan(buf: Uint8Array, from: number, base: number): void {
    let p = from;
    while (p < buf.length) {
      if (this.#scanning) {
        const next = buf.indexOf(MAGIC_BYTES[0], p);
        const at = next < 0 ? buf.length : next;
        this.stats.skippedBytes += at - p;
        p = at;
        if (p === buf.length) return;
      }
      const seen = inspect(buf, p, buf.length - p, this.#maxPacket);
      if (seen.kind === 'record') {
        this.#emit(recordAt(buf, p, seen));
        p += seen.total;
      } else if (seen.kind === 'corrupt') {
        this.#corrupt(seen.reason, base + p);
        this.stats.skippedBytes++;
        p++;
      } else {
        const carry = new Uint8Array(seen.total);
        carry.set(buf.subarray(p));
        this.#carry = carry;
        this.#carryLen = buf.length - p;
        this.#carryOffset = base + p;
        return;
      }
    }
  }

  #emit(record: PacketFileRecord): void {
    this.#scanning = false;
    this.stats.records++;
    this.#onRecord(record);
  }

  #corrupt(reason: string, offset: number): void {
    const err = new PacketFileError(PacketFileErrorCode.ERR_PACKET_FILE_CORRUPT, reason, offset);
    if (this.#onCorrupt === undefined) {
      this.#closed = true;
      throw err;
    }
    if (this.#scanning) return;
    this.#scanning = true;
    this.stats.corrupt++;
    this.#onCorrupt(err);
  }
}

/** Every record of a whole file held in memory (strict). */
export function decodePacketFile(bytes: Uint8Array, maxPacketBytes?: number): PacketFileRecord[] {
  const out: PacketFileRecord[] = [];
  const decoder = new PacketFileDecoder({
    onRecord: (r) => out.push(r),
    ...(maxPacketBytes === undefined ? {} : { maxPacketBytes }),
  });
  decoder.push(bytes);
  decoder.end();
  return out;
}

const NAME = /^vc((?:\d+-)*\d+)?_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * `vc_yyyymmddhhmmss` (UTC start of collection, seconds truncated) for all virtual channels;
 * with a VC selection the ids go between `vc` and `_`, ascending, joined by `-`:
 * `vc0-3_20261121080000`.
 */
export function packetFileName(startUs: number, vcids?: readonly number[]): string {
  field('start time', startUs, Number.MAX_SAFE_INTEGER);
  const d = new Date(Math.floor(startUs / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(
    d.getUTCHours(),
  )}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
  const ids =
    vcids === undefined
      ? ''
      : [...new Set(vcids.map((v) => field('vcid', v, 63)))].sort((a, b) => a - b).join('-');
  return `vc${ids}_${stamp}`;
}

/** The start (µs, whole seconds) and VC selection of a packetFileName() name; undefined for any other name. */
export function parsePacketFileName(name: string): { startUs: number; vcids?: number[] } | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(2).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  const startUs = ms * 1000;
  return m[1] === undefined ? { startUs } : { startUs, vcids: m[1].split('-').map(Number) };
}
