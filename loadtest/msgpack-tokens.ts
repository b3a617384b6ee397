// MessagePack type bytes for the lean scanners: each byte's kind and fixed-header size, and
// big-endian integer reads straight from the wire bytes.

export const Kind = {
  RESERVED: 0,
  POS_FIXINT: 1,
  NEG_FIXINT: 2,
  FIXMAP: 3,
  FIXARRAY: 4,
  FIXSTR: 5,
  NIL_BOOL: 6,
  BIN: 7,
  EXT: 8,
  FLOAT32: 9,
  FLOAT64: 10,
  UINT: 11,
  INT: 12,
  FIXEXT: 13,
  STR: 14,
  ARRAY: 15,
  MAP: 16,
} as const;

// Per type byte: its kind, and how many bytes after it form the fixed header (number value,
// length or count; ext: length then its type byte). −1 marks the reserved byte 0xc1.
export const KIND = new Uint8Array(256);
export const HEAD = new Int8Array(256);
(() => {
  const set = (lo: number, hi: number, kind: number, head: number) => {
    for (let b = lo; b <= hi; b++) {
      KIND[b] = kind;
      HEAD[b] = head;
    }
  };
  set(0x00, 0x7f, Kind.POS_FIXINT, 0);
  set(0x80, 0x8f, Kind.FIXMAP, 0);
  set(0x90, 0x9f, Kind.FIXARRAY, 0);
  set(0xa0, 0xbf, Kind.FIXSTR, 0);
  set(0xc0, 0xc0, Kind.NIL_BOOL, 0);
  set(0xc1, 0xc1, Kind.RESERVED, -1);
  set(0xc2, 0xc3, Kind.NIL_BOOL, 0);
  set(0xc4, 0xc4, Kind.BIN, 1);
  set(0xc5, 0xc5, Kind.BIN, 2);
  set(0xc6, 0xc6, Kind.BIN, 4);
  set(0xc7, 0xc7, Kind.EXT, 2);
  set(0xc8, 0xc8, Kind.EXT, 3);
  set(0xc9, 0xc9, Kind.EXT, 5);
  set(0xca, 0xca, Kind.FLOAT32, 4);
  set(0xcb, 0xcb, Kind.FLOAT64, 8);
  set(0xcc, 0xcc, Kind.UINT, 1);
  set(0xcd, 0xcd, Kind.UINT, 2);
  set(0xce, 0xce, Kind.UINT, 4);
  set(0xcf, 0xcf, Kind.UINT, 8);
  set(0xd0, 0xd0, Kind.INT, 1);
  set(0xd1, 0xd1, Kind.INT, 2);
  set(0xd2, 0xd2, Kind.INT, 4);
  set(0xd3, 0xd3, Kind.INT, 8);
  set(0xd4, 0xd8, Kind.FIXEXT, 1);
  set(0xd9, 0xd9, Kind.STR, 1);
  set(0xda, 0xda, Kind.STR, 2);
  set(0xdb, 0xdb, Kind.STR, 4);
  set(0xdc, 0xdc, Kind.ARRAY, 2);
  set(0xdd, 0xdd, Kind.ARRAY, 4);
  set(0xde, 0xde, Kind.MAP, 2);
  set(0xdf, 0xdf, Kind.MAP, 4);
  set(0xe0, 0xff, Kind.NEG_FIXINT, 0);
})();

/** Big-endian unsigned integer of 1, 2, 4 or 8 bytes (8: exact up to 2^53). */
export function uint(src: Uint8Array, at: number, n: number): number {
  if (n === 1) return src[at]!;
  if (n === 2) return (src[at]! << 8) | src[at + 1]!;
  const hi = src[at]! * 0x100_0000 + ((src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!);
  return n === 4 ? hi : hi * 2 ** 32 + uint(src, at + 4, 4);
}

/** Big-endian two's-complement integer of 1, 2, 4 or 8 bytes. */
export function int(src: Uint8Array, at: number, n: number): number {
  if (n === 8) {
    // The high word as a signed int32 (JS bitwise results are), so the sum stays exact.
    const hi = (src[at]! << 24) | (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
    return hi * 2 ** 32 + uint(src, at + 4, 4);
  }
  const u = uint(src, at, n);
  const range = 2 ** (8 * n);
  return u >= range / 2 ? u - range : u;
}
