// `since` finds a seq in the ring by binary search, so a seq jump inside the ring (a restarted
// acquisition writer) neither hides records nor repeats them.
import { expect } from 'chai';
import { seekRing } from '../../src/actors/backfill.ts';
import type { ActorContext } from '../../src/actors/context.ts';
import { type RecordMeta, RingSetReader, RingSetWriter } from '../../src/ring/ring.ts';
import { metaOf, payloadOf } from './fixtures/records.ts';
import { ringSet } from './fixtures/rings.ts';

describe('archive: since finds its seq in a ring with a seq jump', () => {
  const rings = ringSet(16, 16);
  const writer = new RingSetWriter(rings);
  // Positions 0..9 hold seqs 1..10, positions 10..19 seqs 1_000_000..1_000_009: the 16-slot
  // ring has overwritten positions 0..3.
  const seqs = [
    ...Array.from({ length: 10 }, (_, i) => 1 + i),
    ...Array.from({ length: 10 }, (_, i) => 1e6 + i),
  ];
  for (const seq of seqs) writer.write(0, metaOf(0, seq), payloadOf(0, seq));
  writer.commit();
  // Only the ring reader is used by the search.
  const ctx = { reader: new RingSetReader(rings) } as unknown as ActorContext;
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  const seek = (seq: number, low = 0) => seekRing(ctx, 0, low, 20, seq, meta);

  it('returns the first position at or above a seq, across the jump, and the head past the newest', () => {
    expect(seek(7)).to.deep.equal({ pos: 6, seq: 7 });
    expect(seek(11)).to.deep.equal({ pos: 10, seq: 1e6 });
    expect(seek(500_000)).to.deep.equal({ pos: 10, seq: 1e6 });
    expect(seek(1e6 + 9)).to.deep.equal({ pos: 19, seq: 1e6 + 9 });
    expect(seek(1e6 + 10)).to.deep.equal({ pos: 20, seq: Number.MAX_SAFE_INTEGER });
  });

  it('treats overwritten positions as older than every readable one', () => {
    expect(seek(1)).to.deep.equal({ pos: 4, seq: 5 });
    expect(seek(9, 8)).to.deep.equal({ pos: 8, seq: 9 });
  });
});
