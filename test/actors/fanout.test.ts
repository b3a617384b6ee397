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
