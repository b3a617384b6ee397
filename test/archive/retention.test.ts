import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { ArchiveErrorCode } from '../../src/archive/errors.ts';
import { Retention } from '../../src/archive/retention.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { metaOf, payloadOf, T0, tempDir } from './fixtures/records.ts';

/** seq i of every stream gets ert T0 + i ms. */
function fill(store: ArchiveStore, n: number, rings: readonly number[] = [0, 1, 2, 3], first = 1): void {
  store.begin();
  for (let seq = first; seq < first + n; seq++) {
    for (const ring of rings)
      store.append(ring, { ...metaOf(ring, seq), ert: T0 + seq * 1000 }, payloadOf(ring, seq));
  }
  store.commit();
}

function drain(r: Retention): number[] {
  const steps: number[] = [];
  for (let s = r.step(); s.deleted > 0; s = r.step()) steps.push(s.deleted);
  return steps;
}

const DAY_MS = 86_400_000;

describe('archive: retention', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('by age: deletes what was recorded more than maxAgeMs ago, oldest first, one batch per step', () => {
    // Ten commits of 100 records per stream, 20 s apart on the recording clock.
    const clock = new FakeClock(T0 / 1000);
    const store = new ArchiveStore(tmp.file('age.db'), { nowUs: () => clock.nowUs() });
    for (let k = 0; k < 10; k++) {
      fill(store, 100, [0, 1, 2, 3], 1 + k * 100);
      clock.advance(20_000);
    }
    // Now is 200 s after the first commit; a 130 s limit deletes the commits made at 0, 20, 40 and
    // 60 s (recorded before 70 s ago), i.e. seqs 1..400 of each stream.
    const r = new Retention(store, { maxAgeMs: 130_000, batchRows: 256 }, clock);
    expect(drain(r)).to.deep.equal([256, 144, 256, 144, 256, 144, 256, 144]);
    for (let ring = 0; ring < STREAMS.length; ring++) expect(store.oldestErt(ring)).to.equal(T0 + 401_000);
    clock.advance(20_000);
    expect(drain(r)).to.deep.equal([100, 100, 100, 100]);
    store.close();
  });

  it('by age: keeps a replay of a months-old pass for maxAgeMs from its recording (issue 11 item 2)', () => {
    const clock = new FakeClock(T0 / 1000);
    const store = new ArchiveStore(tmp.file('replay.db'), { nowUs: () => clock.nowUs() });
    // Recorded now, with the ERT of a pass 100 days ago (fill gives ert T0 + seq ms).
    clock.advance(100 * DAY_MS);
    fill(store, 500);
    const r = new Retention(store, { maxAgeMs: 30 * DAY_MS }, clock);
    expect(drain(r), 'nothing is older than 30 days since its recording').to.deep.equal([]);
    expect(store.lastSeq('packets')).to.equal(500);
    expect(store.oldestErt(1)).to.equal(T0 + 1000);
    clock.advance(30 * DAY_MS + 10_001);
    expect(drain(r)).to.deep.equal([500, 500, 500, 500]);
    store.close();
  });

  it('by size: deletes the oldest batches of the stream holding the oldest record until within maxBytes', () => {
    const store = new ArchiveStore(tmp.file('size.db'));
    fill(store, 3000, [0]);
    fill2(store);
    const before = store.usedBytes();
    const maxBytes = Math.floor(before / 2);
    const r = new Retention(store, { maxBytes, batchRows: 200 }, new FakeClock(T0 / 1000));
    const steps = drain(r);
    expect(steps.every((n) => n === 200)).to.equal(true);
    expect(store.usedBytes()).to.be.at.most(maxBytes);
    // The frames are the oldest records (ert T0 + 1 ms on), so they go first; the later
    // parameters survive whole.
    expect(store.oldestErt(0)).to.be.greaterThan(T0 + 1000);
    expect(store.oldestErt(2)).to.equal(T0 + 5_000_001);
    expect(store.lastSeq('frames')).to.equal(3000);
    store.close();
  });

  it('refuses a limit that is not a positive number with ERR_BAD_OPTIONS', () => {
    const store = new ArchiveStore(tmp.file('bad.db'));
    expect(() => new Retention(store, { maxAgeMs: 0 }, new FakeClock()))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_BAD_OPTIONS);
    expect(() => new Retention(store, { maxBytes: Number.NaN }, new FakeClock()))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_BAD_OPTIONS);
    store.close();
  });
});

/** A few parameters, all newer than every frame. */
function fill2(store: ArchiveStore): void {
  store.begin();
  for (let seq = 1; seq <= 100; seq++)
    store.append(2, { ...metaOf(2, seq), ert: T0 + 5_000_000 + seq }, payloadOf(2, seq));
  store.commit();
}
