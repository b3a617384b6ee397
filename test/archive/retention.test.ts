import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { ArchiveErrorCode } from '../../src/archive/errors.ts';
import { Retention } from '../../src/archive/retention.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { metaOf, payloadOf, T0, tempDir } from './fixtures/records.ts';

/** seq i of every stream gets ert T0 + i ms. */
function fill(store: ArchiveStore, n: number, rings: readonly number[] = [0, 1, 2, 3]): void {
  store.begin();
  for (let seq = 1; seq <= n; seq++) {
    for (const ring of rings)
      store.append(ring, { ...metaOf(ring, seq), ert: T0 + seq * 1000 }, payloadOf(ring, seq));
  }
  store.commit();
}

function drain(r: Retention): number[] {
  const steps: number[] = [];
  for (let n = r.step(); n > 0; n = r.step()) steps.push(n);
  return steps;
}

describe('archive: retention', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('by age: deletes every record older than maxAgeMs, oldest first, one batch per step', () => {
    const store = new ArchiveStore(tmp.file('age.db'));
    fill(store, 1000);
    // Now is T0 + 1000 ms; a 400 ms age limit keeps ert >= T0 + 600 ms, i.e. seqs 600..1000.
    const clock = new FakeClock(T0 / 1000 + 1000);
    const r = new Retention(store, { maxAgeMs: 400, batchRows: 256 }, clock);
    expect(drain(r)).to.deep.equal([256, 256, 87, 256, 256, 87, 256, 256, 87, 256, 256, 87]);
    for (let ring = 0; ring < STREAMS.length; ring++) expect(store.oldestErt(ring)).to.equal(T0 + 600_000);
    clock.advance(100);
    expect(drain(r)).to.deep.equal([100, 100, 100, 100]);
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
