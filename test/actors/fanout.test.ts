import { expect } from 'chai';
import { unpack } from '../../protocol/msgpack.ts';
import type { SharedData } from '../../src/actors/data-body.ts';
import { Fanout, type Subscriber } from '../../src/actors/fanout.ts';
import { checkRequest } from '../../src/actors/request.ts';
import { Selection } from '../../src/actors/selection.ts';
import { RingSetWriter } from '../../src/ring/ring.ts';
import { actorContext } from '../support/actor.ts';
import { request } from '../support/server.ts';

/** A subscriber that records what the fan-out hands it (the thing under test is the Fanout). */
class Recorder implements Subscriber {
  readonly selection: Selection;
  cursor: number;
  readonly seqs: number[] = [];
  skipped = 0;
  lostCount = 0;
  isCongested = false;
  constructor(cursor: number, filter?: { vcids: number[] }) {
    const r = checkRequest(request(filter ? { filter } : {}));
    if (!r.ok) throw new Error(r.reason);
    this.selection = new Selection(r.request, undefined, 1);
    this.cursor = cursor;
  }
  shareKey(): string {
    return this.selection.key;
  }
  admit(): boolean {
    return true;
  }
  deliver(data: SharedData): void {
    if (this.isCongested) {
      this.skip(data.count);
      return;
    }
    // The shared bytes are `stream` key … records array: prefix a fixmap(2) to decode them.
    const body = unpack(Buffer.concat([Buffer.from([0x82]), data.bytes])) as { records: { seq: number }[] };
    this.seqs.push(...body.records.map((r) => r.seq));
  }
  lost(n: number): void {
    this.lostCount += n;
  }
  congested(): boolean {
    return this.isCongested;
  }
  missedFrom = -1;
  get lastSeqSent(): number {
    return this.seqs[this.seqs.length - 1] ?? 0;
  }
  skip(n: number): void {
    if (this.missedFrom < 0) this.missedFrom = this.cursor;
    this.skipped += n;
  }
  unskip(n: number): void {
    this.skipped -= n;
  }
  fail(err: unknown): void {
    throw err;
  }
}

function writeFrames(writer: RingSetWriter, from: number, count: number, vcid = 0): void {
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    const payload = Buffer.from([0x81, 0xa3, 0x73, 0x65, 0x71, 0xce, 0, 0, 0, 0]);
    payload.writeUInt32BE(seq, 6);
    writer.write(0, { seq, ert: seq, scet: 0, key1: vcid, key2: -1, quality: 0 }, payload);
  }
  writer.commit();
}

/** A frames record `{seq, pad}` of exactly `bytes` bytes (pad: bin32 of seq & 0xff). */
function sizedRecord(seq: number, bytes: number): Buffer {
  const head = Buffer.from([
    0x82, 0xa3, 0x73, 0x65, 0x71, 0xce, 0, 0, 0, 0, 0xa3, 0x70, 0x61, 0x64, 0xc6, 0, 0, 0, 0,
  ]);
  head.writeUInt32BE(seq, 6);
  head.writeUInt32BE(bytes - head.length, 15);
  return Buffer.concat([head, Buffer.alloc(bytes - head.length, seq & 0xff)]);
}

const drain = (f: Fanout) => {
  while (f.pump()) {}
};

describe('fan-out (real ring, recorded subscribers)', () => {
  it('never moves a subscriber that joined ahead of the window back to older records', () => {
    const ctx = actorContext();
    const writer = new RingSetWriter(ctx.rings);
    writeFrames(writer, 1, 10_000);
    const behind = new Recorder(0);
    const joined = new Recorder(10_000);
    const f = new Fanout(ctx);
    f.add(behind);
    f.add(joined);
    drain(f);
    expect(joined.seqs).to.deep.equal([]);
    expect(joined.cursor).to.equal(10_000);
    expect(behind.seqs).to.have.length(10_000);
    expect(behind.seqs[9_999]).to.equal(10_000);
    writeFrames(writer, 10_001, 5);
    drain(f);
    expect(joined.seqs).to.deep.equal([10_001, 10_002, 10_003, 10_004, 10_005]);
    expect(behind.seqs.slice(-5)).to.deep.equal(joined.seqs);
  });

  it('counts, without copying, what a congested group misses, per its filter', () => {
    const ctx = actorContext();
    const writer = new RingSetWriter(ctx.rings);
    const all = new Recorder(0);
    const vc1 = new Recorder(0, { vcids: [1] });
    all.isCongested = true;
    vc1.isCongested = true;
    const f = new Fanout(ctx);
    f.add(all);
    f.add(vc1);
    writeFrames(writer, 1, 30, 0);
    writeFrames(writer, 31, 12, 1);
    drain(f);
    expect(all.skipped).to.equal(42);
    expect(vc1.skipped).to.equal(12);
    all.isCongested = false;
    writeFrames(writer, 43, 2, 1);
    drain(f);
    expect(all.seqs).to.deep.equal([43, 44]);
  });

  it('catchUp re-serves the newest skipped records of a drained subscriber and takes them out of skipped', () => {
    const ctx = actorContext();
    const writer = new RingSetWriter(ctx.rings);
    writeFrames(writer, 1, 5, 0);
    const s = new Recorder(0, { vcids: [1] });
    const f = new Fanout(ctx);
    f.add(s);
    s.isCongested = true;
    writeFrames(writer, 6, 10, 1);
    writeFrames(writer, 16, 10, 0);
    drain(f);
    expect(s.skipped).to.equal(10);
    s.isCongested = false;
    f.catchUp(s, 3);
    expect(s.seqs).to.deep.equal([13, 14, 15]);
    expect(s.skipped).to.equal(7);
    expect(s.cursor).to.equal(25);
    writeFrames(writer, 26, 1, 1);
    drain(f);
    expect(s.seqs).to.deep.equal([13, 14, 15, 26]);
  });

  it('catchUp never re-sends what a window sent before its subscriber became congested', () => {
    const ctx = actorContext({ session: { maxRecordsPerData: 4 } });
    const writer = new RingSetWriter(ctx.rings);
    const s = new Recorder(0);
    // Congested after its first DATA of the window: 4 records sent, 6 skipped.
    const deliver = s.deliver.bind(s);
    s.deliver = (data) => {
      deliver(data);
      s.isCongested = true;
    };
    const f = new Fanout(ctx);
    f.add(s);
    writeFrames(writer, 1, 10);
    drain(f);
    expect(s.seqs).to.deep.equal([1, 2, 3, 4]);
    expect(s.skipped).to.equal(6);
    s.isCongested = false;
    s.deliver = deliver;
    f.catchUp(s, 64);
    expect(s.seqs).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.skipped).to.equal(0);
  });

  it('delivers a mix of 60-byte and 900-KB records whole and in order, windows ending where their bytes pass the scratch', () => {
    // 4096 slots × 8192 bytes: 32 MiB of payloads, records up to 1 MiB; the actor's scratch is 8 MiB.
    const ctx = actorContext({ ring: { frames: { slots: 4096, slotBytes: 8192 } } });
    const writer = new RingSetWriter(ctx.rings);
    const sizes = Array.from({ length: 60 }, (_, i) => (i % 3 === 1 ? 900_000 : 60));
    const got: { seq: number; pad: Uint8Array }[] = [];
    const s = new Recorder(0);
    s.deliver = (data) => {
      const body = unpack(Buffer.concat([Buffer.from([0x82]), data.bytes])) as { records: typeof got };
      got.push(...body.records);
    };
    const f = new Fanout(ctx);
    f.add(s);
    for (const [i, n] of sizes.entries()) {
      writer.write(
        0,
        { seq: i + 1, ert: i + 1, scet: 0, key1: 0, key2: -1, quality: 0 },
        sizedRecord(i + 1, n),
      );
    }
    writer.commit();
    let pumps = 0;
    while (f.pump()) pumps++;
    expect(pumps, 'windows that ended early (18 MB through an 8 MiB scratch)').to.be.at.least(2);
    expect(got.map((r) => r.seq)).to.deep.equal(sizes.map((_, i) => i + 1));
    for (const r of got) {
      expect(r.pad.length + 19, `seq ${r.seq} size`).to.equal(sizes[r.seq - 1]);
      expect(
        r.pad.every((b) => b === (r.seq & 0xff)),
        `seq ${r.seq} bytes`,
      ).to.equal(true);
    }
    expect(s.lostCount).to.equal(0);
  });

  it('reports records whose bytes were reused (before their slots) as lost, and delivers the rest', () => {
    // 64 slots × 64 bytes: 4096 bytes, so four 1024-byte records, long before 64 slots are used.
    const ctx = actorContext({ ring: { frames: { slots: 64, slotBytes: 64 } } });
    const writer = new RingSetWriter(ctx.rings);
    const s = new Recorder(0);
    const f = new Fanout(ctx);
    f.add(s);
    for (let seq = 1; seq <= 10; seq++) {
      writer.write(0, { seq, ert: seq, scet: 0, key1: 0, key2: -1, quality: 0 }, sizedRecord(seq, 1024));
    }
    writer.commit();
    drain(f);
    expect(s.lostCount).to.equal(6);
    expect(s.seqs).to.deep.equal([7, 8, 9, 10]);
  });

  it('reports ring positions overwritten before the actor read them as lost', () => {
    const ctx = actorContext({ ring: { frames: { slots: 16, slotBytes: 64 } } });
    const writer = new RingSetWriter(ctx.rings);
    const s = new Recorder(0);
    const f = new Fanout(ctx);
    f.add(s);
    writeFrames(writer, 1, 40);
    drain(f);
    expect(s.lostCount).to.equal(24);
    expect(s.seqs).to.deep.equal(Array.from({ length: 16 }, (_, i) => 25 + i));
  });
});
