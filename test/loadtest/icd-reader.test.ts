import { expect } from 'chai';
import fc from 'fast-check';
import { IcdReader, type IcdSink } from '../../loadtest/icd-reader.ts';
import { MessageType } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { pack } from '../../protocol/msgpack.ts';

interface Seen {
  records: [number, number, number][];
  skipped: number;
  controls: [number, unknown][];
  violations: string[];
}

function collector(): { sink: IcdSink; seen: Seen } {
  const seen: Seen = { records: [], skipped: 0, controls: [], violations: [] };
  const sink: IcdSink = {
    record: (seq, ert, dataBytes) => seen.records.push([seq, ert, dataBytes]),
    skipped: (n) => {
      seen.skipped += n;
    },
    control: (type, body) => seen.controls.push([type, body]),
    violation: (reason) => seen.violations.push(reason),
  };
  return { sink, seen };
}

const ERT0 = 1_750_000_000_000_000;

function frameRecord(seq: number, dataBytes: number, extra: Record<string, unknown> = {}) {
  return {
    seq,
    ert: ERT0 + seq * 10_000,
    station: 'TEST',
    scid: 1,
    vcid: 0,
    vcfc: seq % 256,
    quality: 0,
    ...extra,
    data: Buffer.alloc(dataBytes, seq & 0xff),
  };
}

/** Feeds `stream` to `reader` cut at the given (sorted, deduplicated) offsets. */
function feedSplit(reader: IcdReader, stream: Buffer, cuts: number[]): void {
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(stream.length)) {
    if (cut <= at) continue;
    // Copy each piece into a larger reused buffer, as the shared onread buffer is.
    const shared = Buffer.alloc(cut - at + 7, 0xee);
    stream.copy(shared, 3, at, cut);
    reader.feed(shared, 3, 3 + cut - at);
    at = cut;
  }
}

describe('loadtest IcdReader', () => {
  it('extracts seq, ert, data length and skipped from DATA bodies cut anywhere', () => {
    const extraValue = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.string(),
      fc.array(fc.integer(), { maxLength: 20 }),
      fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.boolean(), fc.constant(null), fc.string()), {
        maxKeys: 20,
      }),
      fc.uint8Array({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            count: fc.integer({ min: 1, max: 40 }),
            dataBytes: fc.integer({ min: 0, max: 1200 }),
            skipped: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
            extra: fc.dictionary(
              fc.constantFrom('x', 'station2', 'a-much-longer-key-than-sixteen'),
              extraValue,
              { maxKeys: 2 },
            ),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (bodies, rawCuts) => {
          let seq = 0;
          const expected: [number, number, number][] = [];
          const frames = [encodeMessage(MessageType.ACK, 0, ERT0, { clientId: 'c-1', agency: 'bench' })];
          let skippedTotal = 0;
          for (const b of bodies) {
            const records = [];
            for (let i = 0; i < b.count; i++, seq++) {
              records.push(frameRecord(seq, b.dataBytes, b.extra));
              expected.push([seq, ERT0 + seq * 10_000, b.dataBytes]);
            }
            skippedTotal += b.skipped ?? 0;
            const body = pack({
              stream: 'frames',
              records,
              ...(b.skipped === undefined ? {} : { skipped: b.skipped }),
            });
            frames.push(encodeMessage(MessageType.DATA, frames.length, ERT0, body));
          }
          frames.push(encodeMessage(MessageType.BYE, frames.length, ERT0, { reason: 'SHUTDOWN' }));
          const stream = Buffer.concat(frames);
          const { sink, seen } = collector();
          const reader = new IcdReader(sink, 1);
          feedSplit(
            reader,
            stream,
            rawCuts.map((c) => c % stream.length),
          );
          expect(seen.records).to.deep.equal(expected);
          expect(seen.skipped).to.equal(skippedTotal);
          expect(seen.controls).to.deep.equal([
            [MessageType.ACK, { clientId: 'c-1', agency: 'bench' }],
            [MessageType.BYE, { reason: 'SHUTDOWN' }],
          ]);
          expect(seen.violations).to.deep.equal([]);
          expect(reader.stats).to.deep.equal({
            frames: frames.length,
            crcChecked: frames.length,
            crcErrors: 0,
            malformedBodies: 0,
            messageGaps: 0,
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads every msgpack integer width and floats for seq and ert', () => {
    const values = [0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    const records: Record<string, unknown>[] = values.map((v) => ({
      seq: v,
      ert: -v,
      data: Buffer.alloc(3),
    }));
    records.push({ seq: 1.5, ert: -2.25, data: Buffer.alloc(0) });
    const frame = encodeMessage(MessageType.DATA, 0, ERT0, pack({ stream: 'frames', records }));
    const { sink, seen } = collector();
    new IcdReader(sink, 1).feed(frame, 0, frame.length);
    expect(seen.records).to.deep.equal([...values.map((v) => [v, v === 0 ? 0 : -v, 3]), [1.5, -2.25, 0]]);
  });

  it('checks the CRC of every k-th frame only, and counts a corrupted one', () => {
    const frames = Array.from({ length: 8 }, (_, i) =>
      encodeMessage(MessageType.DATA, i, ERT0, pack({ stream: 'frames', records: [frameRecord(i, 100)] })),
    );
    frames[4]![60]! ^= 0x01; // inside the data bytes of frame 4: the scan still succeeds
    frames[5]![60]! ^= 0x01; // frame 5 is not checked with crcEvery = 2
    const { sink, seen } = collector();
    const reader = new IcdReader(sink, 2);
    reader.feed(
      Buffer.concat(frames),
      0,
      frames.reduce((n, f) => n + f.length, 0),
    );
    expect(seen.records.map(([s]) => s)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reader.stats.crcChecked).to.equal(4);
    expect(reader.stats.crcErrors).to.equal(1);
  });

  it('counts jumps of the message counter and bodies that are not one map', () => {
    const good = (seq: number) =>
      encodeMessage(MessageType.DATA, seq, ERT0, pack({ stream: 'frames', records: [frameRecord(seq, 4)] }));
    const notAMap = encodeMessage(MessageType.DATA, 3, ERT0, pack([1, 2, 3]));
    const trailing = encodeMessage(
      MessageType.DATA,
      4,
      ERT0,
      Buffer.concat([pack({ stream: 'frames', records: [] }), pack(1)]),
    );
    const stream = Buffer.concat([good(0), good(2), notAMap, trailing]);
    const { sink } = collector();
    const reader = new IcdReader(sink, 0);
    reader.feed(stream, 0, stream.length);
    expect(reader.stats.messageGaps).to.equal(1);
    expect(reader.stats.malformedBodies).to.equal(2);
    expect(reader.stats.crcChecked).to.equal(0);
  });

  it('stops at a broken sync marker and reports it once', () => {
    const frame = encodeMessage(
      MessageType.DATA,
      0,
      ERT0,
      pack({ stream: 'frames', records: [frameRecord(0, 4)] }),
    );
    const bad = Buffer.from(frame);
    bad[0] = 0;
    const stream = Buffer.concat([frame, bad, frame]);
    const { sink, seen } = collector();
    const reader = new IcdReader(sink, 1);
    reader.feed(stream, 0, stream.length);
    expect(seen.records).to.have.length(1);
    expect(seen.violations).to.deep.equal(['bad sync']);
  });
});
