import { expect } from 'chai';
import { RingErrorCode } from '../../src/ring/errors.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import {
  createRingSet,
  MAX_RECORD_BYTES,
  maxRecordBytes,
  ReadStatus,
  type RecordMeta,
  type RingSetBuffers,
  RingSetReader,
  RingSetWriter,
} from '../../src/ring/ring.ts';
import { checkRecord, metaFor, payloadFor } from './fixtures/records.ts';

const SLOTS = 4;
const SLOT_BYTES = 64;

function blankMeta(): RecordMeta {
  return { seq: -1, ert: -1, scet: -1, key1: -1, key2: -1, quality: -1 };
}

function writeAt(writer: RingSetWriter, ring: number, pos: number): number {
  return writer.write(ring, metaFor(pos), payloadFor(pos, SLOT_BYTES));
}

/** Reads `pos` with read(); returns the ReadStatus, or null when the record is the one written at pos. */
function readBack(reader: RingSetReader, ring: number, pos: number): number | string | null {
  const meta = blankMeta();
  const dst = new Uint8Array(SLOT_BYTES);
  const n = reader.read(ring, pos, meta, dst, 0);
  return n < 0 ? n : checkRecord(pos, meta, dst.subarray(0, n), SLOT_BYTES);
}

describe('ring: one thread', () => {
  let set: RingSetBuffers;
  let writer: RingSetWriter;
  let reader: RingSetReader;

  beforeEach(() => {
    set = createRingSet([
      { slots: SLOTS, slotBytes: SLOT_BYTES },
      { slots: 8, slotBytes: 8 },
    ]);
    writer = new RingSetWriter(set);
    reader = new RingSetReader(set);
  });

  it('rejects specs that are not a power of two of slots or not a multiple of 8 bytes', () => {
    for (const spec of [
      { slots: 3, slotBytes: 8 },
      { slots: 0, slotBytes: 8 },
      { slots: 1.5, slotBytes: 8 },
      { slots: 4, slotBytes: 12 },
      { slots: 4, slotBytes: 0 },
      { slots: 2 ** 24, slotBytes: 256 },
    ]) {
      expect(() => createRingSet([spec]), JSON.stringify(spec))
        .to.throw()
        .with.property('code', RingErrorCode.ERR_BAD_SPEC);
    }
  });

  it('rejects buffers that do not match their spec', () => {
    const bad = { ...set, rings: [{ ...set.rings[0]!, data: new SharedArrayBuffer(8) }] };
    expect(() => new RingSetReader(bad))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_BAD_BUFFERS);
    expect(() => new RingSetWriter(bad))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_BAD_BUFFERS);
  });

  it('keeps a written record EMPTY until commit, then reads it back whole', () => {
    const meta = blankMeta();
    expect(writeAt(writer, 0, 0)).to.equal(0);
    expect(writer.head(0)).to.equal(1);
    expect(reader.head(0)).to.equal(0);
    expect(reader.readMeta(0, 0, meta)).to.equal(ReadStatus.EMPTY);
    expect(readBack(reader, 0, 0)).to.equal(ReadStatus.EMPTY);

    writer.commit();
    expect(reader.head(0)).to.equal(1);
    expect(reader.oldest(0)).to.equal(0);
    expect(reader.readMeta(0, 0, meta)).to.equal(0);
    expect(reader.readMetaLength(0, 0, blankMeta()), 'the payload length').to.equal(
      payloadFor(0, SLOT_BYTES).length,
    );
    expect(meta).to.deep.equal(metaFor(0));
    expect(readBack(reader, 0, 0)).to.equal(null);
    expect(reader.readMeta(0, 1, meta)).to.equal(ReadStatus.EMPTY);
  });

  it('copies the payload at dstOffset and returns its length', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5]);
    writer.write(0, metaFor(0), payload);
    writer.write(0, metaFor(1), new Uint8Array(0));
    writer.commit();
    const dst = new Uint8Array(3 + SLOT_BYTES).fill(0xee);
    expect(reader.read(0, 0, blankMeta(), dst, 3)).to.equal(5);
    expect([...dst.subarray(0, 9)]).to.deep.equal([0xee, 0xee, 0xee, 1, 2, 3, 4, 5, 0xee]);
    expect(reader.read(0, 1, blankMeta(), dst, 0)).to.equal(0);
  });

  it('reports OVERRUN for a position written over, after slots + 1 writes', () => {
    for (let pos = 0; pos <= SLOTS; pos++) expect(writeAt(writer, 0, pos)).to.equal(pos);
    writer.commit();
    expect(reader.head(0)).to.equal(SLOTS + 1);
    expect(reader.oldest(0)).to.equal(1);
    expect(reader.readMeta(0, 0, blankMeta())).to.equal(ReadStatus.OVERRUN);
    expect(readBack(reader, 0, 0)).to.equal(ReadStatus.OVERRUN);
    for (let pos = 1; pos <= SLOTS; pos++) expect(readBack(reader, 0, pos), `pos ${pos}`).to.equal(null);
    expect(readBack(reader, 0, SLOTS + 1)).to.equal(ReadStatus.EMPTY);
  });

  it('reports OVERRUN as soon as an uncommitted write starts reusing the slot', () => {
    for (let pos = 0; pos < SLOTS; pos++) writeAt(writer, 0, pos);
    writer.commit();
    expect(readBack(reader, 0, 0)).to.equal(null);
    writeAt(writer, 0, SLOTS);
    expect(reader.head(0)).to.equal(SLOTS);
    expect(readBack(reader, 0, 0)).to.equal(ReadStatus.OVERRUN);
    expect(readBack(reader, 0, 1)).to.equal(null);
    expect(readBack(reader, 0, SLOTS)).to.equal(ReadStatus.EMPTY);
  });

  it('commits every written ring with one doorbell ring, and rings nothing for an empty batch', () => {
    const control = new ControlBlock(set.control);
    const before = control.doorbell();
    writeAt(writer, 0, 0);
    writer.write(1, metaFor(0), new Uint8Array(8));
    writer.write(1, metaFor(1), new Uint8Array(8));
    writer.commit();
    expect(control.doorbell()).to.equal(before + 1);
    expect([reader.head(0), reader.head(1)]).to.deep.equal([1, 2]);
    writer.commit();
    expect(control.doorbell()).to.equal(before + 1);
    writer.write(1, metaFor(2), new Uint8Array(8));
    writer.commit();
    expect(control.doorbell()).to.equal(before + 2);
    expect([reader.head(0), reader.head(1)]).to.deep.equal([1, 3]);
  });

  it('rejects a payload larger than the ring carries (a quarter of its bytes, 1 MiB at most), counts such drops', () => {
    const max = reader.maxRecordBytes(0);
    expect(max).to.equal((SLOTS * SLOT_BYTES) / 4);
    expect(writer.maxRecordBytes(0)).to.equal(max);
    expect(() => writer.write(0, metaFor(0), new Uint8Array(max + 1)))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_RECORD_TOO_LARGE);
    expect(writer.head(0)).to.equal(0);
    expect(writer.write(0, metaFor(0), new Uint8Array(max))).to.equal(0);
    expect(maxRecordBytes({ slots: 1 << 20, slotBytes: 1024 })).to.equal(MAX_RECORD_BYTES);
    expect(reader.droppedTooLarge(0)).to.equal(0);
    writer.countTooLarge(0);
    writer.countTooLarge(0);
    expect([reader.droppedTooLarge(0), reader.droppedTooLarge(1)]).to.deep.equal([2, 0]);
  });

  it('rejects an unknown ring and a destination without room for the record', () => {
    expect(() => writeAt(writer, 2, 0))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_NO_SUCH_RING);
    expect(() => reader.readMeta(-1, 0, blankMeta()))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_NO_SUCH_RING);
    writer.write(0, metaFor(0), new Uint8Array(10));
    writer.commit();
    expect(reader.read(0, 0, blankMeta(), new Uint8Array(12), 2)).to.equal(10);
    expect(() => reader.read(0, 0, blankMeta(), new Uint8Array(12), 3))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_DST_TOO_SMALL);
    expect(() => reader.read(0, 0, blankMeta(), new Uint8Array(12), 13))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_DST_TOO_SMALL);
  });

  it('keeps Float64 seq and times exact up to 2^53 and Int32 keys signed', () => {
    const meta = {
      seq: 2 ** 53 - 1,
      ert: 2 ** 52 + 1,
      scet: 0,
      key1: -1,
      key2: 2 ** 31 - 1,
      quality: -(2 ** 31),
    };
    writer.write(0, meta, new Uint8Array(1));
    writer.commit();
    const out = blankMeta();
    expect(reader.readMeta(0, 0, out)).to.equal(0);
    expect(reader.readMetaLength(0, 0, blankMeta())).to.equal(1);
    expect(out).to.deep.equal(meta);
  });

  it('maps positions beyond 2^32 onto slots, and a new writer resumes at the published head', () => {
    const start = 2 ** 32 + 2;
    new BigInt64Array(set.rings[0]!.head)[0] = BigInt(start);
    const resumed = new RingSetWriter(set);
    const fresh = new RingSetReader(set);
    expect(resumed.head(0)).to.equal(start);
    for (let pos = start; pos < start + SLOTS + 1; pos++) expect(writeAt(resumed, 0, pos)).to.equal(pos);
    resumed.commit();
    expect(fresh.head(0)).to.equal(start + SLOTS + 1);
    expect(fresh.oldest(0)).to.equal(start + 1);
    expect(readBack(fresh, 0, start)).to.equal(ReadStatus.OVERRUN);
    for (let pos = start + 1; pos <= start + SLOTS; pos++) expect(readBack(fresh, 0, pos)).to.equal(null);
  });
});

describe('ring: variable-length records', () => {
  // 16 slots, 1024 data bytes: a 256-byte record at most. Small records are slot-bound (16 of
  // them fit), large ones byte-bound (4 of them fit).
  const slots = 16;
  const slotBytes = 64;
  const capacity = slots * slotBytes;
  let set: RingSetBuffers;
  let writer: RingSetWriter;
  let reader: RingSetReader;

  beforeEach(() => {
    set = createRingSet([{ slots, slotBytes }]);
    writer = new RingSetWriter(set);
    reader = new RingSetReader(set);
  });

  /** Record `pos`: meta from metaFor, `length` bytes of (pos & 0xff). */
  function put(w: RingSetWriter, pos: number, length: number): void {
    expect(w.write(0, metaFor(pos), new Uint8Array(length).fill(pos & 0xff))).to.equal(pos);
  }

  /** The length read back at `pos` when it is the record put there, else the ReadStatus or why not. */
  function get(r: RingSetReader, pos: number): number | string {
    const meta = blankMeta();
    const dst = new Uint8Array(r.maxRecordBytes(0));
    const n = r.read(0, pos, meta, dst, 0);
    if (n < 0) return n;
    if (meta.seq !== metaFor(pos).seq) return `pos ${pos}: seq ${meta.seq}`;
    if (!dst.subarray(0, n).every((b) => b === (pos & 0xff))) return `pos ${pos}: torn payload`;
    return n;
  }

  it('wraps a mix of 6-byte and 250-byte records many times; each reads back whole until overwritten', () => {
    const lengths = Array.from({ length: 400 }, (_, pos) => (pos % 5 === 0 || pos % 7 === 0 ? 250 : 6));
    let written = 0;
    for (const [pos, length] of lengths.entries()) {
      put(writer, pos, length);
      written += length;
      writer.commit();
      const oldest = reader.oldest(0);
      expect(oldest, `oldest after ${pos}`).to.be.at.least(pos + 1 - slots);
      // Everything from oldest to head reads back exactly; the position below it is gone.
      for (let p = oldest; p <= pos; p++)
        expect(get(reader, p), `pos ${p} after ${pos}`).to.equal(lengths[p]);
      if (oldest > 0)
        expect(get(reader, oldest - 1), `below oldest after ${pos}`).to.equal(ReadStatus.OVERRUN);
      // What the ring holds never exceeds its bytes, and a full ring holds most of them.
      const held = lengths.slice(oldest, pos + 1).reduce((a, b) => a + b, 0);
      expect(held).to.be.at.most(capacity);
      if (oldest > pos + 1 - slots && oldest > 0)
        expect(held, `held after ${pos}, evicted by bytes`).to.be.greaterThan(capacity - 2 * 250);
    }
    expect(written, 'the byte ring wrapped many times').to.be.greaterThan(30 * capacity);
  });

  it('starts a record that would pass the end of the byte ring at its beginning, evicting what lay there', () => {
    // Payloads start 8-aligned: lengths here are multiples of 8 but for the last two.
    put(writer, 0, 248);
    put(writer, 1, 248);
    put(writer, 2, 248);
    put(writer, 3, 200); // bytes 744 … 943: 80 bytes left before the end
    writer.commit();
    expect([0, 1, 2, 3].map((p) => get(reader, p))).to.deep.equal([248, 248, 248, 200]);
    put(writer, 4, 100); // does not fit the 80: starts at byte 0, over record 0 only
    writer.commit();
    expect([0, 1, 2, 3, 4].map((p) => get(reader, p))).to.deep.equal([
      ReadStatus.OVERRUN,
      248,
      248,
      200,
      100,
    ]);
    expect(reader.oldest(0)).to.equal(1);
    put(writer, 5, 144); // bytes 104 … 247: still inside record 0's old bytes
    writer.commit();
    expect(get(reader, 1)).to.equal(248);
    put(writer, 6, 1); // byte 248: record 1's first byte
    writer.commit();
    expect([1, 2, 5, 6].map((p) => get(reader, p))).to.deep.equal([ReadStatus.OVERRUN, 248, 144, 1]);
  });

  it('tells a reader lapped by bytes (before its slot is reused) OVERRUN, and oldest() how far to skip', () => {
    for (let pos = 0; pos < 8; pos++) put(writer, pos, 16);
    writer.commit();
    // A reader at position 2 falls behind. Bytes 128 … 1015 take three 248s and a 144; a 120
    // does not fit the 8 bytes left, starts at 0 and needs the bytes of records 0 … 7 (0 … 127).
    const cursor = 2;
    expect(get(reader, cursor)).to.equal(16);
    const big = [248, 248, 248, 144, 120];
    for (const [i, length] of big.entries()) put(writer, 8 + i, length);
    // Not committed yet: evicted already, so a copy racing with the new bytes is never accepted.
    expect(get(reader, cursor)).to.equal(ReadStatus.OVERRUN);
    expect(reader.readMeta(0, cursor, blankMeta())).to.equal(ReadStatus.OVERRUN);
    expect(reader.readMetaLength(0, cursor, blankMeta())).to.equal(ReadStatus.OVERRUN);
    writer.commit();
    expect(reader.head(0), 'no slot was reused').to.be.lessThan(slots);
    const oldest = reader.oldest(0);
    expect(oldest).to.equal(8);
    expect(oldest - cursor, 'skipped').to.equal(6);
    for (const [i, length] of big.entries()) expect(get(reader, 8 + i)).to.equal(length);
  });

  it('resumes a new writer at the published byte cursor: the old records stay readable, then are evicted in order', () => {
    for (let pos = 0; pos < 6; pos++) put(writer, pos, 104);
    writer.commit();
    // Written after the last commit: never visible, and the next writer reuses the position.
    put(writer, 6, 248);
    const next = new RingSetWriter(set);
    expect(next.head(0)).to.equal(6);
    put(next, 6, 104);
    put(next, 7, 104);
    put(next, 8, 104); // bytes 832 … 935
    next.commit();
    for (let p = 0; p <= 8; p++) expect(get(reader, p), `pos ${p}`).to.equal(104);
    put(next, 9, 104); // does not fit the 88 bytes left: from 0, over record 0
    next.commit();
    expect(get(reader, 0)).to.equal(ReadStatus.OVERRUN);
    for (let p = 1; p <= 9; p++) expect(get(reader, p), `pos ${p}`).to.equal(104);
    expect(reader.oldest(0)).to.equal(1);
  });
});

describe('control block: one thread', () => {
  it('holds the link flag and the last acquisition time', () => {
    const sab = ControlBlock.create();
    const writer = new ControlBlock(sab);
    const reader = new ControlBlock(sab);
    expect(reader.linkUp()).to.equal(false);
    expect(reader.lastAcquisitionUs()).to.equal(0);
    writer.setLinkUp(true);
    writer.setLastAcquisitionUs(1_700_000_000_123_456);
    expect(reader.linkUp()).to.equal(true);
    expect(reader.lastAcquisitionUs()).to.equal(1_700_000_000_123_456);
    writer.setLinkUp(false);
    writer.setLastAcquisitionUs(0.5);
    expect(reader.linkUp()).to.equal(false);
    expect(reader.lastAcquisitionUs()).to.equal(0.5);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => new ControlBlock(new SharedArrayBuffer(8)))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_BAD_BUFFERS);
  });
});
