import { expect } from 'chai';
import { pack } from '../../protocol/msgpack.ts';
import { singleData } from '../../src/actors/data-body.ts';
import { encodeRows } from '../../src/archive/encode.ts';
import type { ArchiveRow } from '../../src/archive/query.ts';

const row = (seq: number, ert: number, bytes = 10): ArchiveRow => ({
  seq,
  ert,
  scet: 0,
  key1: 0,
  key2: -1,
  quality: 0,
  payload: pack({ seq, ert, data: new Uint8Array(bytes).fill(seq & 0xff) }),
});

describe('archive: DATA bodies encoded in the query pool', () => {
  const caps = { stream: 'frames' as const, timeBy: 'ert' as const, sliceUs: 0 };

  it('are byte for byte the bodies the fan-out builds, cut at maxRecordsPerData and maxDataBytes', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1, 1000 + i, 100));
    const { buffer, bodies } = encodeRows(rows, { ...caps, maxRecordsPerData: 16, maxDataBytes: 1e6 });
    expect(bodies.map((b) => b.count)).to.deep.equal([16, 16, 8]);
    let from = 0;
    for (const b of bodies) {
      const chunk = rows.slice(from, from + b.count);
      const want = singleData(
        'frames',
        chunk.map((r) => r.payload),
        chunk.map((r) => r.seq),
        chunk.map((r) => r.ert),
      );
      expect(Buffer.from(buffer, b.offset, b.length).equals(want.bytes)).to.equal(true);
      expect([b.crc, b.shift, b.lastSeq, b.firstErt, b.lastErt]).to.deep.equal([
        want.crc,
        want.shift,
        want.lastSeq,
        want.firstErt,
        want.lastErt,
      ]);
      from += b.count;
    }
    const small = encodeRows(rows, {
      ...caps,
      maxRecordsPerData: 1000,
      maxDataBytes: rows[0]!.payload.length * 5,
    });
    expect(small.bodies.map((b) => b.count)).to.deep.equal(Array(8).fill(5));
  });

  it('start a body at every hole with its skipped count, and slice paced replays by record time', () => {
    const rows = [row(1, 1000), row(2, 2000), row(5, 3000), row(6, 60_000), row(7, 61_000)];
    const holes = encodeRows(rows, { ...caps, maxRecordsPerData: 100, maxDataBytes: 1e6 }, (i) =>
      i === 2 ? 2 : 0,
    );
    expect(holes.bodies.map((b) => [b.count, b.skipped])).to.deep.equal([
      [2, 0],
      [3, 2],
    ]);
    const paced = encodeRows(rows, { ...caps, sliceUs: 10_000, maxRecordsPerData: 100, maxDataBytes: 1e6 });
    expect(paced.bodies.map((b) => [b.count, b.firstTime, b.lastTime])).to.deep.equal([
      [3, 1000, 3000],
      [2, 60_000, 61_000],
    ]);
  });
});
