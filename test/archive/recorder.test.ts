import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { ArchiveReader } from '../../src/archive/query.ts';
import { Recorder, type RecorderEvent, type RecorderOptions } from '../../src/archive/recorder.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import type { RingSetBuffers } from '../../src/ring/ring.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { metaOf, payloadOf, tempDir } from './fixtures/records.ts';
import { RingSetWriter, ringSet, writeRecords } from './fixtures/rings.ts';

/** A recorder whose events a test can await. */
function start(store: ArchiveStore, rings: RingSetBuffers, opts: RecorderOptions = {}) {
  const events: RecorderEvent[] = [];
  const waiters: { pred: (e: RecorderEvent) => boolean; resolve: (e: RecorderEvent) => void }[] = [];
  const recorder = new Recorder(
    {
      store,
      rings,
      clock: systemClock,
      log: silentLogger(),
      onEvent: (e) => {
        events.push(e);
        for (const w of waiters.filter((w) => w.pred(e))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      },
    },
    { commitMs: 10, ...opts },
  );
  const running = recorder.run();
  const until = (pred: (e: RecorderEvent) => boolean) =>
    new Promise<RecorderEvent>((resolve) => {
      const seen = events.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  /** Resolves once a commit made ring `ring`'s last archived seq reach `seq`. */
  const committed = (ring: number, seq: number) =>
    until((e) => e.kind === 'committed' && e.lastSeq[ring]! >= seq);
  return { recorder, running, events, until, committed };
}

function archivedSeqs(path: string, stream: (typeof STREAMS)[number]): number[] {
  const reader = new ArchiveReader(path);
  try {
    return [...reader.since(stream, 0, undefined, 5000)].flat().map((r) => r.seq);
  } finally {
    reader.close();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('archive: recorder', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('records every record of every ring, meta and payload bytes unchanged, woken by the doorbell', async () => {
    const path = tmp.file('all.db');
    const store = new ArchiveStore(path);
    const rings = ringSet();
    const { recorder, committed } = start(store, rings, { maxBatch: 700 });
    const writer = new RingSetWriter(rings);
    writeRecords(writer, 1, 1500, { batch: 50 });
    await Promise.all(STREAMS.map((_, ring) => committed(ring, 1500)));
    writeRecords(writer, 1501, 2000);
    await Promise.all(STREAMS.map((_, ring) => committed(ring, 2000)));
    await recorder.stop();
    const c = recorder.counters();
    expect(c.records).to.deep.equal({ frames: 2000, packets: 2000, parameters: 2000, events: 2000 });
    expect(c.lost).to.deep.equal({ frames: 0, packets: 0, parameters: 0, events: 0 });
    expect(c.commits).to.be.greaterThan(1);
    const reader = new ArchiveReader(path);
    for (let ring = 0; ring < STREAMS.length; ring++) {
      const rows = [...reader.since(STREAMS[ring]!, 0, undefined, 5000)].flat();
      expect(rows.map((r) => r.seq)).to.deep.equal(range(1, 2000));
      for (const r of rows) {
        expect({ ...r, payload: null }).to.deep.equal({ ...metaOf(ring, r.seq), payload: null });
        expect(Buffer.from(r.payload).equals(payloadOf(ring, r.seq))).to.equal(true);
      }
    }
    reader.close();
    store.close();
  });

  it('on stop, records what the rings still hold', async () => {
    const path = tmp.file('stop.db');
    const store = new ArchiveStore(path);
    const rings = ringSet();
    const { recorder } = start(store, rings, { commitMs: 60_000 });
    writeRecords(new RingSetWriter(rings), 1, 300);
    await recorder.stop();
    expect(store.lastSeqs()).to.deep.equal({ frames: 300, packets: 300, parameters: 300, events: 300 });
    store.close();
  });

  it('counts the positions a ring overwrote before they were archived, reports the burst once, and goes on', async () => {
    const path = tmp.file('overrun.db');
    const store = new ArchiveStore(path);
    const rings = ringSet(64, 8);
    const { recorder, events, committed } = start(store, rings);
    const writer = new RingSetWriter(rings);
    // One commit of 100 frames into an 8-slot ring: the recorder can only find the last 8.
    writeRecords(writer, 1, 100, { rings: [0], batch: 1000 });
    await committed(0, 100);
    writeRecords(writer, 101, 105, { rings: [0] });
    await committed(0, 105);
    await recorder.stop();
    expect(events.filter((e) => e.kind === 'lost')).to.deep.equal([
      { kind: 'lost', stream: 'frames', positions: 92 },
    ]);
    expect(recorder.counters().lost.frames).to.equal(92);
    expect(archivedSeqs(path, 'frames')).to.deep.equal(range(93, 105));
    store.close();
  });

  it('notes each seq hole with the records it lost there: an overrun counts, a seq jump does not', async () => {
    const path = tmp.file('holes.db');
    const store = new ArchiveStore(path);
    const rings = ringSet(64, 8);
    const { recorder, committed } = start(store, rings);
    const writer = new RingSetWriter(rings);
    writeRecords(writer, 1, 5, { rings: [0] });
    await committed(0, 5);
    writeRecords(writer, 6, 100, { rings: [0], batch: 1000 }); // overruns the 8-slot ring
    await committed(0, 100);
    writeRecords(writer, 1000, 1004, { rings: [0] }); // a seq jump, nothing lost
    await committed(0, 1004);
    await recorder.stop();
    store.close();
    const reader = new ArchiveReader(path);
    expect([reader.holeLost('frames', 93), reader.holeLost('frames', 1000)]).to.deep.equal([87, 0]);
    reader.close();
  });

  it('a restarted recorder continues after the archive last seq: no duplicate, no gap', async () => {
    const path = tmp.file('restart.db');
    const rings = ringSet();
    const writer = new RingSetWriter(rings);
    const first = new ArchiveStore(path);
    const a = start(first, rings);
    writeRecords(writer, 1, 500, { rings: [1] });
    await a.committed(1, 500);
    await a.recorder.stop();
    first.close();
    // The ring still holds 1..500 when the second recorder starts.
    writeRecords(writer, 501, 550, { rings: [1] });
    const second = new ArchiveStore(path);
    const b = start(second, rings);
    writeRecords(writer, 551, 600, { rings: [1] });
    await b.committed(1, 600);
    await b.recorder.stop();
    expect(b.recorder.counters().duplicates.packets).to.equal(0);
    expect(b.recorder.counters().records.packets).to.equal(100);
    expect(archivedSeqs(path, 'packets')).to.deep.equal(range(1, 600));
    second.close();
  });

  it('skips and counts records whose seq is not above the archive (a seq that went back)', async () => {
    const path = tmp.file('dup.db');
    const store = new ArchiveStore(path);
    const rings = ringSet();
    const { recorder, committed } = start(store, rings);
    const writer = new RingSetWriter(rings);
    writeRecords(writer, 1, 100, { rings: [3] });
    writeRecords(writer, 51, 120, { rings: [3] });
    await committed(3, 120);
    await recorder.stop();
    expect(recorder.counters().duplicates.events).to.equal(50);
    expect(archivedSeqs(path, 'events')).to.deep.equal(range(1, 120));
    store.close();
  });

  it('pauses on a full disk (counted, reported once), keeps the records in the ring, and resumes when space returns', async () => {
    const path = tmp.file('full.db');
    const store = new ArchiveStore(path, { maxFileBytes: 256 * 1024 });
    const rings = ringSet(4096);
    const { recorder, events, until, committed } = start(store, rings, { fullRetryMs: 5, maxBatch: 100 });
    const writer = new RingSetWriter(rings);
    writeRecords(writer, 1, 1000, { rings: [0] });
    await until((e) => e.kind === 'disk-full');
    const paused = recorder.counters();
    expect(paused.paused).to.equal(true);
    expect(paused.diskFull).to.equal(1);
    const stuckAt = store.lastSeq('frames');
    expect(stuckAt).to.be.lessThan(1000);
    // Space returns (an operator freed the disk).
    store.setMaxFileBytes(null);
    await until((e) => e.kind === 'resumed');
    await committed(0, 1000);
    await recorder.stop();
    const c = recorder.counters();
    expect(c.paused).to.equal(false);
    expect(c.diskFull).to.equal(1);
    expect(c.lost.frames).to.equal(0);
    expect(events.filter((e) => e.kind === 'disk-full')).to.have.length(1);
    expect(archivedSeqs(path, 'frames')).to.deep.equal(range(1, 1000));
    store.close();
  });

  it('applies retention after a commit, in batches, until within the limits', async () => {
    const path = tmp.file('retain.db');
    // Recorded (by the store's clock) two hours ago: older than the hour kept.
    const store = new ArchiveStore(path, { nowUs: () => (Date.now() - 7_200_000) * 1000 });
    const rings = ringSet();
    const { recorder, until } = start(store, rings, {
      retention: { maxAgeMs: 3_600_000, batchRows: 64 },
      retentionEveryMs: 1,
    });
    writeRecords(new RingSetWriter(rings), 1, 300, { rings: [2] });
    await until((e) => e.kind === 'retained' && recorder.counters().retained === 300);
    await recorder.stop();
    expect(recorder.counters().retained).to.equal(300);
    expect(recorder.counters().deleted).to.deep.equal({ frames: 0, packets: 0, parameters: 300, events: 0 });
    expect(archivedSeqs(path, 'parameters')).to.deep.equal([]);
    expect(store.lastSeq('parameters')).to.equal(300);
    store.close();
  });
});
