// CRC-32 (ISO-HDLC: reflected, poly 0x04C11DB7, init and xorout 0xFFFFFFFF), the frame
// check of ICD §2. The byte-wise CRC is zlib's native one; the combination is a port of
// zlib 1.2.12+ (crc32_combine_gen / crc32_combine_op), which works in GF(2) modulo the
// CRC polynomial: appending len2 bytes to a message multiplies its CRC by x^(8·len2).
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Reflected CRC-32 polynomial. */
const POLY = 0xedb88320;

/** a·b modulo p(x), both reflected (bit 31 is x^0). */
function multmodp(a: number, b: number): number {
  if (a === 0) return 0;
  let m = 0x80000000;
  let p = 0;
  let bb = b;
  for (;;) {
    if (a & m) {
      p ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = bb & 1 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo p(x). */
const X2N = new Uint32Array(32);
{
  let p = 0x40000000; // x^1
  X2N[0] = p;
  for (let n = 1; n < 32; n++) {
    p = multmodp(p, p);
    X2N[n] = p;
  }
}

/** x^(n·2^k) modulo p(x); n is a non-negative integer (up to 2^53). */
function x2nmodp(n: number, k: number): number {
  let p = 0x80000000; // x^0
  let rest = n;
  let kk = k;
  while (rest > 0) {
    if (rest % 2 === 1) p = multmodp(X2N[kk & 31]!, p);
    rest = Math.floor(rest / 2);
    kk++;
  }
  return p;
}

/** Byte-wise table for short inputs (reflected). */
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[n] = c >>> 0;
}

/** Below this many bytes the JS table beats the native call's fixed cost (a DATA header and prefix). */
const NATIVE_FROM = 64;

/** CRC-32 of `data`; pass a previous result as `init` to continue over a following chunk. */
export function crc32(data: Uint8Array, init = 0): number {
  if (data.length >= NATIVE_FROM) return zlibCrc32(data, init) >>> 0;
  let c = ~init;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The operator that shifts a CRC past `len2` more bytes; compute once, apply with crc32Shift. */
export function crc32ShiftOperator(len2: number): number {
  if (!Number.isSafeInteger(len2) || len2 < 0) throw new RangeError(`bad length ${len2}`);
  return x2nmodp(len2, 3);
}

/** crc1 shifted by an operator from crc32ShiftOperator: O(32) whatever the length. */
export function crc32Shift(op: number, crc1: number): number {
  return multmodp(op, crc1 >>> 0);
}

/** CRC-32 of A‖B from crc1 = crc32(A), crc2 = crc32(B) and len2 = B's length. */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  return (crc32Shift(crc32ShiftOperator(len2), crc1) ^ crc2) >>> 0;
}
