import { expect } from 'chai';
import { Limit, Quality } from '../../protocol/constants.ts';
import { fieldBytes, SIM_PACKETS, toEng, toRaw, writeRaw } from '../../src/acquisition/sim-dictionary.ts';
import { readBits } from '../../src/mdb/bits.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { ParamQuality } from '../../src/mdb/quality.ts';
import { APID, Collector, db, run } from './support.ts';

const DEMO = new URL('../../src/mdb/demo-mission.json', import.meta.url).pathname;

const enc = (type: string, bits: number, byteOrder = 'big') => ({ encoding: { type, bits, byteOrder } });

describe('mdb/decom', () => {
  it('reads unsigned, signed and float fields in both byte orders', () => {
    const p = new PacketProcessor(
      db(
        {
          U8: enc('uint', 8),
          U16BE: enc('uint', 16),
          U16LE: enc('uint', 16, 'little'),
          I16BE: enc('int', 16),
          I16LE: enc('int', 16, 'little'),
          U24LE: enc('uint', 24, 'little'),
          U32BE: enc('uint', 32),
          I32LE: enc('int', 32, 'little'),
          F32BE: enc('float', 32),
          F64LE: enc('float', 64, 'little'),
          I48BE: enc('int', 48),
        },
        [
          { parameter: 'U8', bitOffset: 0 },
          { parameter: 'U16BE', bitOffset: 8 },
          { parameter: 'U16LE', bitOffset: 24 },
          { parameter: 'I16BE', bitOffset: 40 },
          { parameter: 'I16LE', bitOffset: 56 },
          { parameter: 'U24LE', bitOffset: 72 },
          { parameter: 'U32BE', bitOffset: 96 },
          { parameter: 'I32LE', bitOffset: 128 },
          { parameter: 'F32BE', bitOffset: 160 },
          { parameter: 'F64LE', bitOffset: 192 },
          { parameter: 'I48BE', bitOffset: 256 },
        ],
      ),
    );
    const buf = new Uint8Array(38);
    const v = new DataView(buf.buffer);
    v.setUint8(0, 0xfe);
    v.setUint16(1, 0xbeef);
    v.setUint16(3, 0xbeef, true);
    v.setInt16(5, -12345);
    v.setInt16(7, -2, true);
    buf.set([0x01, 0x02, 0x03], 9);
    v.setUint32(12, 0xdeadbeef);
    v.setInt32(16, -100_000, true);
    v.setFloat32(20, 1.5);
    v.setFloat64(24, -Math.PI, true);
    buf.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], 32);
    const s = run(p, buf);
    const raw = Object.fromEntries([...s].map(([k, x]) => [k, x.raw]));
    expect(raw).to.deep.equal({
      U8: 0xfe,
      U16BE: 0xbeef,
      U16LE: 0xbeef,
      I16BE: -12345,
      I16LE: -2,
      U24LE: 0x030201,
      U32BE: 0xdeadbeef,
      I32LE: -100_000,
      F32BE: 1.5,
      F64LE: -Math.PI,
      I48BE: -2,
    });
    for (const x of s.values()) {
      expect(x.eng).to.equal(x.raw);
      expect(x.quality).to.equal(0);
      expect(x.limit).to.equal(Limit.UNCHECKED);
    }
  });

  it('reads unaligned bit fields, 53-bit integers and unaligned floats', () => {
    const p = new PacketProcessor(
      db(
        { A: enc('uint', 3), B: enc('int', 5), C: enc('uint', 53), F: enc('float', 32), G: enc('float', 64) },
        [
          { parameter: 'A', bitOffset: 1 },
          { parameter: 'B', bitOffset: 4 },
          { parameter: 'C', bitOffset: 11 },
          { parameter: 'F', bitOffset: 67 },
          { parameter: 'G', bitOffset: 101 },
        ],
      ),
    );
    // Bits written MSB first: a bit string is the easiest way to build unaligned fields by hand.
    const bits = ['0', '101', '11001', '0'.repeat(0)];
    const big = 2 ** 53 - 12345;
    const f32 = new DataView(new ArrayBuffer(4));
    f32.setFloat32(0, -0.25);
    const f64 = new DataView(new ArrayBuffer(8));
    f64.setFloat64(0, 6.02e23);
    const bin = (n: number, w: number) => n.toString(2).padStart(w, '0');
    let s = bits.join('');
    s = s.padEnd(11, '0') + bin(big, 53);
    s = s.padEnd(67, '0') + bin(f32.getUint32(0), 32);
    s = s.padEnd(101, '0') + bin(f64.getUint32(0), 32) + bin(f64.getUint32(4), 32);
    s = s.padEnd(Math.ceil(s.length / 8) * 8, '0');
    const bytes = Array.from({ length: s.length / 8 }, (_, i) =>
      Number.parseInt(s.slice(i * 8, i * 8 + 8), 2),
    );
    const out = run(p, bytes);
    expect(out.get('A')!.raw).to.equal(0b101);
    expect(out.get('B')!.raw).to.equal(0b11001 - 32);
    expect(out.get('C')!.raw).to.equal(big);
    expect(out.get('F')!.raw).to.equal(-0.25);
    expect(out.get('G')!.raw).to.equal(6.02e23);
  });

  it('concatenates noncontiguous fields, most significant first, and signs the result', () => {
    const p = new PacketProcessor(
      db({ CAT: enc('uint', 12), SCAT: enc('int', 12) }, [
        {
          parameter: 'CAT',
          fields: [
            { bitOffset: 4, bits: 4 },
            { bitOffset: 16, bits: 8 },
          ],
        },
        {
          parameter: 'SCAT',
          fields: [
            { bitOffset: 0, bits: 4 },
            { bitOffset: 16, bits: 8 },
          ],
        },
      ]),
    );
    const out = run(p, [0xa5, 0x00, 0x3c]);
    expect(out.get('CAT')!.raw).to.equal(0x53c);
    expect(out.get('SCAT')!.raw).to.equal(0xa3c - 0x1000);
  });

  it('reads strings (up to the first NUL) and raw bytes, copied out of the packet', () => {
    const p = new PacketProcessor(
      db({ S: enc('string', 64), B: enc('bytes', 24) }, [
        { parameter: 'S', bitOffset: 0 },
        { parameter: 'B', bitOffset: 64 },
      ]),
    );
    const packet = [...new TextEncoder().encode('v1.2°'), 0, 0x41, 0x42].slice(0, 8);
    const bytes = Uint8Array.from([...packet, 1, 2, 3]);
    const out = run(p, bytes);
    expect(out.get('S')!.raw).to.equal('v1.2°');
    const b = out.get('B')!.raw as Uint8Array;
    expect([...b]).to.deep.equal([1, 2, 3]);
    bytes[8] = 9;
    expect(b[0]).to.equal(1);
    expect(p.dictionary().map((i) => i.type)).to.deep.equal(['string', 'string']);
  });

  it('matches readBits against a bit-string reference on random fields', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    const buf = Uint8Array.from({ length: 16 }, () => rnd() & 0xff);
    const s = [...buf].map((b) => b.toString(2).padStart(8, '0')).join('');
    for (let k = 0; k < 2000; k++) {
      const bits = 1 + (rnd() % 53);
      const off = rnd() % (128 - bits + 1);
      expect(readBits(buf, off, bits)).to.equal(Number.parseInt(s.slice(off, off + bits), 2));
    }
  });

  it('flags and counts a short packet, a NaN calibration and an unknown state; ignores unknown APIDs', () => {
    const p = new PacketProcessor(
      db(
        {
          LOG: { ...enc('uint', 8), calibration: { type: 'logarithmic', coefficients: [0, 1] } },
          MODE: {
            ...enc('uint', 8),
            calibration: { type: 'enumeration', states: { '0': 'OFF', '1': 'ON' } },
          },
          FAR: { ...enc('uint', 16), limits: { warning: { high: 1 } } },
        },
        [
          { parameter: 'LOG', bitOffset: 0 },
          { parameter: 'MODE', bitOffset: 8 },
          { parameter: 'FAR', bitOffset: 16 },
        ],
      ),
    );
    const out = new Collector();
    const s = run(p, [0, 7, 0xff], out);
    expect(s.get('LOG')!.eng).to.equal(Number.NEGATIVE_INFINITY);
    expect(s.get('LOG')!.quality).to.equal(ParamQuality.INVALID_VALUE);
    expect(s.get('MODE')!).to.include({ raw: 7, eng: '7', quality: ParamQuality.UNKNOWN_STATE });
    expect(s.get('FAR')!).to.include({ quality: ParamQuality.OUT_OF_PACKET, limit: Limit.UNCHECKED });
    expect(Number.isNaN(s.get('FAR')!.eng)).to.equal(true);
    expect(p.process(999, new Uint8Array(4), 0, 0, out)).to.equal(0);
    expect(p.process(-1, new Uint8Array(0), 0, 0, out)).to.equal(0);
    expect(p.process(APID, new Uint8Array(0), 0, 0, out, Quality.INCOMPLETE_PACKET)).to.equal(3);
    expect(out.samples.at(-1)!.quality).to.equal(ParamQuality.OUT_OF_PACKET | Quality.INCOMPLETE_PACKET);
    expect(out.events).to.deep.equal([]);
    expect(p.stats()).to.deep.include({
      packets: 4,
      unknownApid: 2,
      samples: 6,
      outOfPacket: 4,
      invalidValue: 1,
      unknownState: 1,
    });
  });

  it('decodes the demo mission from packets laid out as the simulator writes them', () => {
    const p = new PacketProcessor(loadMdb(DEMO));
    for (const pkt of SIM_PACKETS) {
      const body = pkt.fields.reduce((n, f) => n + fieldBytes(f), 0);
      const bytes = new Uint8Array(14 + body);
      const view = new DataView(bytes.buffer);
      view.setUint16(2, 0xc000 | 1234);
      view.setBigUint64(6, 1_780_000_000_123_456n);
      let off = 14;
      const expected = new Map<string, unknown>();
      pkt.fields.forEach((f, k) => {
        const info = f.info;
        const value =
          info.type === 'state'
            ? info.states![k % info.states!.length]!
            : info.type === 'bool'
              ? true
              : info.type === 'string'
                ? 'v2.1'
                : 12.345;
        const raw = toRaw(f, value);
        off += writeRaw(view, off, f, raw);
        expected.set(info.name, toEng(f, raw));
      });
      const out = new Collector();
      p.process(pkt.apid, bytes, 0, 0, out);
      for (const [name, eng] of expected) {
        const got = out.last(p, name).eng;
        if (typeof eng === 'number') expect(got).to.be.closeTo(eng, 1e-9, name);
        else expect(got, name).to.equal(eng);
      }
      expect(out.last(p, 'PKT.SSC').raw).to.equal(1234);
      expect(out.last(p, 'PKT.SCET').raw).to.equal(1_780_000_000_123_456);
    }
  });
});
