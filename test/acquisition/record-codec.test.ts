import { expect } from 'chai';
import fc from 'fast-check';
import { Limit, SEVERITIES } from '../../protocol/constants.ts';
import { pack, unpack } from '../../protocol/msgpack.ts';
import { RecordEncoder, type RecordValue } from '../../src/acquisition/record-codec.ts';

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

  // Every number family pack() distinguishes: fixints, 8/16/32-bit ints both signs, int64 beyond
  // 32 bits, floats, non-safe integers, NaN, ±Infinity and -0.
  const anyNumber = fc.oneof(
    fc.integer({ min: -40, max: 300 }),
    fc.integer(),
    fc.integer({ min: -(2 ** 32), max: 2 ** 33 }),
    fc.maxSafeInteger(),
    fc.maxSafeNat().map((n) => -n),
    fc.double(),
    fc.constantFrom(2 ** 53, -(2 ** 60), 1e300, Number.NaN, Number.POSITIVE_INFINITY, -0, 0.5),
  );
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 300 }));
  const value: fc.Arbitrary<RecordValue> = fc.oneof(
    anyNumber,
    text,
    fc.boolean(),
    fc.uint8Array({ maxLength: 600 }),
    // str 16 and str 32 lengths (a string parameter can be as long as a packet, 3 bytes per char).
    fc.constantFrom('x'.repeat(300), 'é'.repeat(40_000), '°'.repeat(23_000)),
  );
  const limit = fc.constantFrom(...Object.values(Limit));

  it('encodes parameter samples byte for byte as pack() does, with and without a unit', () => {
    const enc = new RecordEncoder();
    fc.assert(
      fc.property(
        time,
        text,
        fc.option(text, { nil: undefined }),
        time,
        time,
        value,
        value,
        limit,
        u(2 ** 31 - 1),
        (seq, name, unit, scet, ert, raw, eng, lim, quality) => {
          const s = { scet, ert, raw, eng, limit: lim, quality };
          const rec =
            unit === undefined
              ? { seq, name, scet, ert, raw, eng, limit: lim, quality }
              : { seq, name, scet, ert, raw, eng, unit, limit: lim, quality };
          expect(Buffer.from(enc.sample(seq, name, unit, s)).equals(pack(rec))).to.equal(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes events byte for byte as pack() does, with and without parameter and value', () => {
    const enc = new RecordEncoder();
    fc.assert(
      fc.property(
        time,
        time,
        fc.constantFrom(...SEVERITIES),
        text,
        text,
        text,
        fc.option(text, { nil: undefined }),
        fc.option(fc.oneof(anyNumber, text, fc.boolean()), { nil: undefined }),
        (seq, t, severity, source, type, message, parameter, v) => {
          const e = { time: t, severity, source, type, message, parameter, value: v };
          const rec: Record<string, unknown> = { seq, time: t, severity, source, type, message };
          if (parameter !== undefined) rec.parameter = parameter;
          if (v !== undefined) rec.value = v;
          const bytes = Buffer.from(enc.event(seq, e));
          expect(bytes.equals(pack(rec))).to.equal(true);
          expect(unpack(bytes)).to.have.property('seq', seq);
        },
      ),
      { numRuns: 300 },
    );
  });
});
