import { expect } from 'chai';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { Prng } from '../../src/acquisition/prng.ts';

describe('acquisition CRC and PRNG helpers', () => {
  it('CRC-16-CCITT matches the standard check value', () => {
    expect(crc16Ccitt(new TextEncoder().encode('123456789'))).to.equal(0x29b1);
    expect(crc16Ccitt(new Uint8Array(0))).to.equal(0xffff);
    // The sliced loop agrees with the plain bit-by-bit definition at every length and offset.
    const bitwise = (b: Uint8Array, from: number, to: number) => {
      let crc = 0xffff;
      for (let i = from; i < to; i++) {
        crc ^= b[i]! << 8;
        for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
      return crc;
    };
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff);
    for (let from = 0; from < 5; from++) {
      for (let to = from; to <= 300; to += 7)
        expect(crc16Ccitt(data, from, to)).to.equal(bitwise(data, from, to));
    }
  });

  it('Prng is reproducible per seed and roughly uniform and normal', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 20_000 }, () => a.next());
    expect(Array.from({ length: 20_000 }, () => b.next())).to.deep.equal(xs);
    expect(new Prng(43).next()).to.not.equal(xs[0]);
    expect(Math.min(...xs)).to.be.at.least(0);
    expect(Math.max(...xs)).to.be.below(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).to.be.closeTo(0.5, 0.01);
    const g = Array.from({ length: 20_000 }, () => a.gauss(2));
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
    expect(mean).to.be.closeTo(0, 0.05);
    expect(sd).to.be.closeTo(2, 0.05);
  });
});
