import { expect } from 'chai';
import { Ticker } from '../../src/acquisition/ticker.ts';
import { FakeClock, systemClock } from '../../src/util/clock.ts';

describe('clock', () => {
  describe('FakeClock', () => {
    it('fires due timers in time order, creation order on ties, with the clock at each due time', () => {
      const c = new FakeClock(1000);
      const log: string[] = [];
      c.setTimeout(() => log.push(`b@${c.nowMs()}`), 20);
      c.setTimeout(() => log.push(`a@${c.nowMs()}`), 10);
      c.setTimeout(() => log.push(`c@${c.nowMs()}`), 20);
      c.setTimeout(() => log.push('late'), 31);
      c.advance(30);
      expect(log).to.deep.equal(['a@1010', 'b@1020', 'c@1020']);
      expect(c.nowMs()).to.equal(1030);
      expect(c.nowUs()).to.equal(1_030_000);
      expect(c.pending()).to.equal(1);
    });

    it('repeats intervals, runs timers created by callbacks within the same advance, and honours clears', () => {
      const c = new FakeClock();
      const log: number[] = [];
      const h = c.setInterval(() => {
        log.push(c.nowMs());
        if (log.length === 2) c.setTimeout(() => log.push(-c.nowMs()), 5);
        if (log.length === 4) c.clearInterval(h);
      }, 10);
      const never = c.setTimeout(() => log.push(999), 15);
      c.clearTimeout(never);
      c.advance(100);
      expect(log).to.deep.equal([10, 20, -25, 30]);
      expect(c.pending()).to.equal(0);
    });

    it('stall() skips time without firing; overdue timers then run late, once', () => {
      const c = new FakeClock();
      const log: number[] = [];
      c.setInterval(() => log.push(c.nowMs()), 10);
      c.stall(55);
      expect(log).to.deep.equal([]);
      c.advance(0);
      expect(log).to.deep.equal([55]);
      c.advance(10);
      expect(log).to.deep.equal([55, 65]);
    });
  });

  it('systemClock reads integer µs within a millisecond of the wall clock', () => {
    const before = Date.now();
    const us = systemClock.nowUs();
    const after = Date.now();
    expect(Number.isInteger(us)).to.equal(true);
    expect(us).to.be.at.least(before * 1000);
    expect(us).to.be.below((after + 1) * 1000);
  });

  describe('Ticker', () => {
    it('runs tick k at start + k × period without drift', () => {
      const c = new FakeClock(0);
      const at: number[] = [];
      const t = new Ticker(c, 3, (first, count) => {
        for (let k = first; k < first + count; k++) at.push(k);
        expect(c.nowMs()).to.be.closeTo((first * 1000) / 3, 1e-6);
      });
      t.start();
      c.advance(10_000);
      expect(at).to.deep.equal([...Array(31).keys()]);
      t.stop();
      c.advance(10_000);
      expect(at).to.have.length(31);
      expect(c.pending()).to.equal(0);
    });

    it('after a stall runs at most maxCatchUp of the missed ticks, the newest', () => {
      const c = new FakeClock(0);
      const calls: [number, number, number][] = [];
      const t = new Ticker(c, 10, (first, count, skipped) => calls.push([first, count, skipped]));
      t.start();
      c.advance(0);
      c.stall(5_000);
      c.advance(0);
      // Ticks 1…40 are skipped, and said so.
      expect(calls).to.deep.equal([
        [0, 1, 0],
        [41, 10, 40],
      ]);
      c.advance(100);
      expect(calls[2]).to.deep.equal([51, 1, 0]);
      c.stall(2_000);
      c.advance(0);
      expect(calls[3]).to.deep.equal([62, 10, 10]);
      expect(t.skipped).to.equal(50);
      t.stop();
    });
  });
});
