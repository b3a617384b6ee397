import { expect } from 'chai';
import { FHP_IDLE_ONLY, finishFrame, fitsFrame, IDLE_APID } from '../../src/acquisition/ccsds.ts';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { Prng } from '../../src/acquisition/prng.ts';

describe('acquisition CCSDS helpers', () => {
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

  it('fits whole packets only when the rest of the data field is empty or holds an idle packet', () => {
    // Data field of a 100-byte frame: 100 − 6 − 2 = 92 bytes.
    expect(fitsFrame(100, 92)).to.equal(true);
    expect(fitsFrame(100, 85)).to.equal(true);
    for (const n of [86, 87, 88, 89, 90, 91, 93]) expect(fitsFrame(100, n), String(n)).to.equal(false);
  });

  it('finishes a frame: header fields, idle packet fill and FECF', () => {
    const frame = new Uint8Array(64);
    frame.fill(0xaa, 6, 16); // ten bytes of "packets"
    finishFrame(frame, { scid: 0x2a5, vcid: 5, mcfc: 300, vcfc: 7 }, 10);
    const v = new DataView(frame.buffer);
    expect(v.getUint16(0)).to.equal((0x2a5 << 4) | (5 << 1));
    expect([v.getUint8(2), v.getUint8(3)]).to.deep.equal([300 & 0xff, 7]);
    expect(v.getUint16(4) & 0x7ff).to.equal(0);
    expect(v.getUint16(16) & 0x7ff).to.equal(IDLE_APID);
    expect(v.getUint16(20) + 7).to.equal(64 - 2 - 16);
    expect(v.getUint16(62)).to.equal(crc16Ccitt(frame, 0, 62));
    const idle = new Uint8Array(32);
    finishFrame(idle, { scid: 1, vcid: 7, mcfc: 0, vcfc: 0 }, 0);
    expect(new DataView(idle.buffer).getUint16(4) & 0x7ff).to.equal(FHP_IDLE_ONLY);
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
