import { expect } from 'chai';
import fc from 'fast-check';
import { pack, unpack } from '../../protocol/msgpack.ts';
import { RecordEncoder } from '../../src/acquisition/record-codec.ts';

const u = (max: number) => fc.integer({ min: 0, max });
const time = fc.oneof(u(2 ** 32 - 1), fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }));
const station = fc.string({ maxLength: 40 });
const data = fc.uint8Array({ maxLength: 70_000 });

describe('acquisition/record-codec', () => {
  it('encodes frames byte for byte as pack() does', () => {
    const enc = new RecordEncoder();
    fc.assert(
      fc.property(
        time,
        time,
        station,
        u(1023),
        u(63),
        u(0xffffff),
        u(0x1ff),
        data,
        (seq, ert, st, scid, vcid, vcfc, quality, d) => {
          const f = { ert, station: st, scid, vcid, vcfc, quality, data: d };
          const bytes = Buffer.from(enc.frame(seq, f));
          expect(bytes.equals(pack({ seq, ...f }))).to.equal(true);
          expect((unpack(bytes) as { seq: number }).seq).to.equal(seq);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('encodes packets byte for byte as pack() does', () => {
    const enc = new RecordEncoder();
    fc.assert(
      fc.property(time, time, time, station, u(2047), u(0x3fff), data, (seq, ert, scet, st, apid, ssc, d) => {
        const p = { ert, scet, station: st, scid: 42, vcid: 1, apid, ssc, quality: 0, data: d };
        expect(Buffer.from(enc.packet(seq, p)).equals(pack({ seq, ...p }))).to.equal(true);
      }),
      { numRuns: 200 },
    );
  });
});
