import { crc32 as zlibCrc32 } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { crc32, crc32Combine, crc32Shift, crc32ShiftOperator } from '../../protocol/crc32.ts';

/** Bit-by-bit CRC-32/ISO-HDLC, independent of zlib. */
function referenceCrc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('protocol/crc32', () => {
  it('gives the CRC-32/ISO-HDLC check value for "123456789"', () => {
    expect(crc32(ascii('123456789'))).to.equal(0xcbf43926);
    expect(referenceCrc32(ascii('123456789'))).to.equal(0xcbf43926);
  });

  it('gives 0 for no bytes and unsigned results', () => {
    expect(crc32(new Uint8Array(0))).to.equal(0);
    // 0xff×4 has a CRC with the top bit set: it must come back unsigned.
    expect(crc32(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).to.equal(0xffffffff);
  });

  it('continues over chunks through init', () => {
    expect(crc32(ascii('6789'), crc32(ascii('12345')))).to.equal(0xcbf43926);
  });

  it('matches the bitwise reference on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(crc32(data)).to.equal(referenceCrc32(data));
      }),
    );
  });

  it('combines: crc32(a‖b) === crc32Combine(crc32(a), crc32(b), |b|)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 2000 }), (a, b) => {
        const whole = new Uint8Array(a.length + b.length);
        whole.set(a);
        whole.set(b, a.length);
        expect(crc32Combine(crc32(a), crc32(b), b.length)).to.equal(crc32(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('splits combine into a reusable shift operator', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.nat({ max: 1 << 30 }),
        (a, b, len) => {
          const combined = crc32Combine(a, b, len);
          expect(combined).to.equal((crc32Shift(crc32ShiftOperator(len), a) ^ b) >>> 0);
          expect(combined).to.be.within(0, 0xffffffff);
        },
      ),
    );
  });

  it('combines across a 4 MiB body (the largest server body)', () => {
    const header = ascii('twenty-four header bytes');
    const body = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const whole = new Uint8Array(header.length + body.length);
    whole.set(header);
    whole.set(body, header.length);
    expect(crc32Combine(crc32(header), crc32(body), body.length)).to.equal(crc32(whole));
  });

  it('is the identity for an empty second part', () => {
    expect(crc32Combine(0xcbf43926, 0, 0)).to.equal(0xcbf43926);
  });

  it('rejects a negative or fractional length', () => {
    expect(() => crc32ShiftOperator(-1)).to.throw(RangeError);
    expect(() => crc32ShiftOperator(1.5)).to.throw(RangeError);
  });

  it('computes short inputs in JS exactly as zlib does, with and without a running CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0xffffffff }), (data, init) => {
        expect(crc32(data, init)).to.equal(zlibCrc32(data, init) >>> 0);
      }),
      { numRuns: 500 },
    );
  });
});
