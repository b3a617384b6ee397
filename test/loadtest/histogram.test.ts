import { expect } from 'chai';
import fc from 'fast-check';
import { LogHistogram } from '../../loadtest/histogram.ts';

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describe('loadtest LogHistogram', () => {
  it('reports percentiles within 1/16 below the exact value, and the exact max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50_000_000 }), { minLength: 1, maxLength: 500 }),
        (values) => {
          const h = new LogHistogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          for (const p of [0, 50, 90, 99, 100]) {
            const exact = exactPercentile(sorted, p);
            const got = h.percentile(p);
            expect(got).to.be.at.most(exact);
            expect(got).to.be.at.least(Math.floor(exact * (15 / 16)));
          }
          expect(h.max).to.equal(sorted.at(-1));
          expect(h.count).to.equal(values.length);
        },
      ),
    );
  });

  it('merges snapshots from other processes as if recorded in one', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 0; i < 1000; i++) {
      const v = (i * 7919) % 100_000;
      (i % 3 === 0 ? a : b).record(v);
      all.record(v);
    }
    const merged = new LogHistogram();
    merged.addPairs(a.toPairs());
    merged.addPairs(b.toPairs());
    for (const p of [50, 99, 99.9]) expect(merged.percentile(p)).to.equal(all.percentile(p));
    expect(merged.max).to.equal(all.max);
    expect(merged.count).to.equal(1000);
  });

  it('is empty after reset and clamps negative and huge values', () => {
    const h = new LogHistogram();
    h.record(-5);
    h.record(2 ** 40);
    expect(h.percentile(0)).to.equal(0);
    expect(h.max).to.equal(0x7fff_ffff);
    h.reset();
    expect(h.count).to.equal(0);
    expect(h.percentile(99)).to.equal(0);
  });
});
