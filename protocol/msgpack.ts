// The one MessagePack profile of ICD-001: plain maps (no msgpackr record extension),
// integers stay integers on the wire (a 64-bit time is uint64, never float64), and
// 64-bit integers decode to numbers.
import { Packr, Unpackr } from 'msgpackr';

const packr = new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

const TWO_32 = 2 ** 32;
const MINUS_TWO_31 = -(2 ** 31);
/** Deepest container nesting accepted (ICD bodies nest 3 deep); bounds the decoder's recursion. */
export const MAX_DEPTH = 32;

// msgpackr writes integers outside 32 bits as float64; clients in C, Go or Java read
// ICD times as integers, so such numbers are passed to msgpackr as BigInt (→ int64/uint64).
// ICD rev B §2.1: no integer the server sends exceeds 2^53 − 1 in magnitude, so a peer may read
// every integer as a double. Numbers beyond that are not integers to msgpackr (it writes float64);
// packSafe() refuses a BigInt beyond it rather than write it as int64. pack() lets BigInts through
// as they are (tests build hostile REQUESTs with them).
const MAX_WIRE_INT = BigInt(Number.MAX_SAFE_INTEGER);

function widen(value: unknown, safe = false): unknown {
  if (typeof value === 'bigint') {
    if (safe && (value > MAX_WIRE_INT || value < -MAX_WIRE_INT)) {
      throw new RangeError(`integer ${value} exceeds 2^53 - 1 (ICD §2.1)`);
    }
    return value;
  }
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && (value >= TWO_32 || value < MINUS_TWO_31) ? BigInt(value) : value;
  }
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((v) => widen(v, safe));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = widen(v, safe);
  return out;
}

/** Encodes one value; returns a fresh buffer the caller may keep. */
export function pack(value: unknown): Buffer {
  return packr.pack(widen(value));
}

/** pack() for what the server sends: an integer beyond 2^53 − 1 is a RangeError (ICD §2.1). */
export function packSafe(value: unknown): Buffer {
  return packr.pack(widen(value, true));
}

/** Bytes that follow each fixed-size token after its type byte; -1: not a fixed-size token. */
const FIXED = new Int8Array(256).fill(-1);
for (let t = 0x00; t <= 0x7f; t++) FIXED[t] = 0; // positive fixint
for (let t = 0xe0; t <= 0xff; t++) FIXED[t] = 0; // negative fixint
FIXED[0xc0] = 0; // nil
FIXED[0xc2] = 0; // false
FIXED[0xc3] = 0; // true
FIXED[0xca] = 4; // float32
FIXED[0xcb] = 8; // float64
FIXED[0xcc] = 1;
FIXED[0xcd] = 2;
FIXED[0xce] = 4;
FIXED[0xcf] = 8; // uint 8/16/32/64
FIXED[0xd0] = 1;
FIXED[0xd1] = 2;
FIXED[0xd2] = 4;
FIXED[0xd3] = 8; // int 8/16/32/64

/** Length-field size of str 8/16/32, bin 8/16/32, array 16/32 and map 16/32; 0: none. */
const LENGTH_SIZE = new Uint8Array(256);
for (const [t, size] of [
  [0xd9, 1],
  [0xda, 2],
  [0xdb, 4],
  [0xc4, 1],
  [0xc5, 2],
  [0xc6, 4],
  [0xdc, 2],
  [0xdd, 4],
  [0xde, 2],
  [0xdf, 4],
] as const) {
  LENGTH_SIZE[t] = size;
}

function isStrToken(t: number): boolean {
  return (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
}

function readLength(b: Uint8Array, pos: number, size: number): number {
  if (pos + size > b.length) throw new Error('Unexpected end of MessagePack data');
  if (size === 1) return b[pos]!;
  if (size === 2) return (b[pos]! << 8) | b[pos + 1]!;
  return ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
}

// msgpackr accepts more than the profile: the never-used 0xc1 becomes a sentinel object,
// extension types build Dates, Sets, BigInts, RegExps or Errors from peer bytes, non-string
// map keys are stringified (so 1 and "1" collide) and nesting depth is unbounded. Peer input
// is therefore walked token by token first (strings and bins are skipped, not read).
function checkProfile(b: Uint8Array): void {
  const remaining: number[] = [1];
  const inMap: boolean[] = [false];
  let depth = 0;
  let pos = 0;
  while (depth >= 0) {
    const left = remaining[depth]!;
    if (left === 0) {
      depth--;
      continue;
    }
    remaining[depth] = left - 1;
    if (pos >= b.length) throw new Error('Unexpected end of MessagePack data');
    const t = b[pos++]!;
    if (inMap[depth] && left % 2 === 0 && !isStrToken(t)) throw new Error('map key is not a string');
    const fixed = FIXED[t]!;
    if (fixed >= 0) {
      pos += fixed;
      continue;
    }
    let skip = -1;
    let items = -1;
    let map = false;
    if (t >= 0xa0 && t <= 0xbf) skip = t - 0xa0;
    else if (t >= 0x80 && t <= 0x8f) {
      items = t - 0x80;
      map = true;
    } else if (t >= 0x90 && t <= 0x9f) items = t - 0x90;
    else {
      const size = LENGTH_SIZE[t]!;
      if (size === 0) throw new Error(`MessagePack type 0x${t.toString(16)} is outside the ICD-001 profile`);
      const n = readLength(b, pos, size);
      pos += size;
      if (t >= 0xdc) {
        items = n;
        map = t >= 0xde;
      } else skip = n;
    }
    if (skip >= 0) {
      pos += skip;
      continue;
    }
    const values = map ? items * 2 : items;
    if (values > b.length - pos) throw new Error('Unexpected end of MessagePack data');
    if (depth >= MAX_DEPTH) throw new Error(`MessagePack nesting deeper than ${MAX_DEPTH}`);
    if (values === 0) continue;
    depth++;
    remaining[depth] = values;
    inMap[depth] = map;
  }
  if (pos !== b.length)
    throw new Error(pos > b.length ? 'Unexpected end of MessagePack data' : 'trailing bytes');
}

/**
 * Decodes exactly one value of the ICD-001 profile (nil, booleans, numbers, strings, bin,
 * arrays, maps with string keys); throws on anything else, on truncation or trailing bytes.
 * Decoded `bin` values are views into `bytes`.
 */
export function unpack(bytes: Uint8Array): unknown {
  checkProfile(bytes);
  return unpackr.unpack(bytes);
}
