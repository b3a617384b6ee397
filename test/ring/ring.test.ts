import { expect } from 'chai';
import { RingErrorCode } from '../../src/ring/errors.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import {
  createRingSet,
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

  it('rejects a payload larger than slotBytes and accepts exactly slotBytes', () => {
    expect(() => writer.write(0, metaFor(0), new Uint8Array(SLOT_BYTES + 1)))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_RECORD_TOO_LARGE);
    expect(writer.head(0)).to.equal(0);
    expect(writer.write(0, metaFor(0), new Uint8Array(SLOT_BYTES))).to.equal(0);
  });

  it('rejects an unknown ring and a destination without slotBytes of room', () => {
    expect(() => writeAt(writer, 2, 0))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_NO_SUCH_RING);
    expect(() => reader.readMeta(-1, 0, blankMeta()))
      .to.throw()
      .with.property('code', RingErrorCode.ERR_NO_SUCH_RING);
    writeAt(writer, 0, 0);
    writer.commit();
    expect(() => reader.read(0, 0, blankMeta(), new Uint8Array(SLOT_BYTES), 1))
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
