// Field extraction from a packet: one reader closure per parameter location, chosen at load time
// so the common byte-aligned widths go straight to DataView and only odd fields walk bits.
import type { EncodingDef, FieldDef } from './schema.ts';

export type NumberReader = (b: Uint8Array, v: DataView) => number;

/** Unsigned big-endian value of `bits` (≤ 53) bits starting `bitOffset` bits into `b`. */
export function readBits(b: Uint8Array, bitOffset: number, bits: number): number {
  let byte = bitOffset >>> 3;
  const lead = bitOffset & 7;
  const end = lead + bits;
  if (end <= 8) return (b[byte]! >>> (8 - end)) & ((1 << bits) - 1);
  // Leading bits of the first byte and trailing bits of the last are dropped as they are read,
  // so the accumulator never holds more than `bits` (≤ 53) significant bits: exact in a double.
  let acc = b[byte]! & (0xff >>> lead);
  let remaining = end - 8;
  byte++;
  while (remaining >= 8) {
    acc = acc * 256 + b[byte++]!;
    remaining -= 8;
  }
  if (remaining > 0) acc = acc * (1 << remaining) + (b[byte]! >>> (8 - remaining));
  return acc;
}

/** Unsigned little-endian value of `bytes` (≤ 6) whole bytes at `offset`. */
function readLittle(b: Uint8Array, offset: number, bytes: number): number {
  let acc = 0;
  for (let i = bytes - 1; i >= 0; i--) acc = acc * 256 + b[offset + i]!;
  return acc;
}

function signed(read: NumberReader, bits: number): NumberReader {
  const half = 2 ** (bits - 1);
  const full = 2 ** bits;
  return (b, v) => {
    const x = read(b, v);
    return x >= half ? x - full : x;
  };
}

const scratch = new DataView(new ArrayBuffer(8));

function unsignedReader(bitOffset: number, bits: number, little: boolean): NumberReader {
  const o = bitOffset >>> 3;
  if ((bitOffset & 7) === 0 && bits % 8 === 0) {
    if (bits === 8) return (b) => b[o]!;
    if (bits === 16) return (_, v) => v.getUint16(o, little);
    if (bits === 32) return (_, v) => v.getUint32(o, little);
    if (little) return (b) => readLittle(b, o, bits / 8);
  }
  return (b) => readBits(b, bitOffset, bits);
}

function signedReader(bitOffset: number, bits: number, little: boolean): NumberReader {
  const o = bitOffset >>> 3;
  if ((bitOffset & 7) === 0) {
    if (bits === 8) return (_, v) => v.getInt8(o);
    if (bits === 16) return (_, v) => v.getInt16(o, little);
    if (bits === 32) return (_, v) => v.getInt32(o, little);
  }
  return signed(unsignedReader(bitOffset, bits, little), bits);
}

function floatReader(bitOffset: number, bits: number, little: boolean): NumberReader {
  const o = bitOffset >>> 3;
  if ((bitOffset & 7) === 0) {
    return bits === 32 ? (_, v) => v.getFloat32(o, little) : (_, v) => v.getFloat64(o, little);
  }
  // Unaligned IEEE values (big-endian only, checked at load): reassemble the bit pattern.
  if (bits === 32) {
    return (b) => {
      scratch.setUint32(0, readBits(b, bitOffset, 32));
      return scratch.getFloat32(0);
    };
  }
  return (b) => {
    scratch.setUint32(0, readBits(b, bitOffset, 32));
    scratch.setUint32(4, readBits(b, bitOffset + 32, 32));
    return scratch.getFloat64(0);
  };
}

/** A value concatenated from noncontiguous fields, the first field holding the most significant bits. */
function concatenatedReader(fields: readonly FieldDef[]): NumberReader {
  const offsets = fields.map((f) => f.bitOffset);
  const widths = fields.map((f) => f.bits);
  const scales = widths.map((w) => 2 ** w);
  const n = fields.length;
  return (b) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc = acc * scales[i]! + readBits(b, offsets[i]!, widths[i]!);
    return acc;
  };
}

/**
 * Reader of a numeric parameter at its location: one field of `encoding.bits` bits, or several
 * fields whose widths add up to it (uint/int only, checked at load).
 */
export function numberReader(encoding: EncodingDef, fields: readonly FieldDef[]): NumberReader {
  const little = encoding.byteOrder === 'little';
  const { bits } = encoding;
  if (fields.length > 1) {
    const read = concatenatedReader(fields);
    return encoding.type === 'int' ? signed(read, bits) : read;
  }
  const at = fields[0]!.bitOffset;
  switch (encoding.type) {
    case 'int':
      return signedReader(at, bits, little);
    case 'float':
      return floatReader(at, bits, little);
    default:
      return unsignedReader(at, bits, little);
  }
}

const utf8 = new TextDecoder('utf-8');

/** Fixed-length UTF-8 text at a byte-aligned offset; it ends at the first NUL (padding). */
export function stringReader(bitOffset: number, bits: number): (b: Uint8Array) => string {
  const start = bitOffset >>> 3;
  const end = start + bits / 8;
  return (b) => {
    let stop = start;
    while (stop < end && b[stop] !== 0) stop++;
    return utf8.decode(b.subarray(start, stop));
  };
}

/** Raw bytes at a byte-aligned offset, copied: the packet buffer may be reused by the caller. */
export function bytesReader(bitOffset: number, bits: number): (b: Uint8Array) => Uint8Array {
  const start = bitOffset >>> 3;
  const end = start + bits / 8;
  return (b) => b.slice(start, end);
}

/** Bytes a packet needs to hold every bit of these fields. */
export function endByte(fields: readonly FieldDef[]): number {
  let end = 0;
  for (const f of fields) end = Math.max(end, f.bitOffset + f.bits);
  return Math.ceil(end / 8);
}
