import { expect } from 'chai';
import { ALL, catchUpThrough, markCatchUp, NONE } from '../../src/sdk/catch-up.ts';
import { FreshnessTracker } from '../../src/sdk/freshness.ts';
import { type ConnectInfo, connect, type Freshness, type RecordOf, Session } from '../../src/sdk/index.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { frame, sample, startTestServer } from '../support/server.ts';
import { startRelay } from './relay.ts';

/** Resolves at the next freshness change to `state`. */
function until(session: Session, state: Freshness): Promise<void> {
  return new Promise((resolve) => {
    const on = (s: Freshness) => {
      if (s !== state) return;
      session.off('freshness', on);
      resolve();
    };
    session.on('freshness', on);
  });
}

describe('SDK catch-up: replayed records are never shown as current', () => {
  it('marks the records at or below the ACK head; archive requests are all catch-up', () => {
    expect(catchUpThrough('realtime', { head: 7 })).to.equal(7);
    expect(catchUpThrough('realtime', {}), 'an older server').to.equal(NONE);
    expect(catchUpThrough('realtime', { head: 'x' })).to.equal(NONE);
    expect(catchUpThrough('archive', { head: 7 })).to.equal(ALL);
    const body = { records: [{ seq: 6 }, { seq: 7 }, { seq: 8 }] };
    expect(markCatchUp(body, 7)).to.equal(true);
    expect(body.records).to.deep.equal([{ seq: 6, catchUp: true }, { seq: 7, catchUp: true }, { seq: 8 }]);
    const old = { records: [{ seq: 1 }] };
    expect(markCatchUp(old, 7)).to.equal(false);
    const unknown = { records: [{ seq: 1 }] };
    expect(markCatchUp(unknown, NONE)).to.equal(true);
    expect(unknown.records[0]).to.not.have.property('catchUp');
    expect(markCatchUp({ records: [{ seq: 1 }] }, ALL)).to.equal(false);
  });

  it('freshness: catching-up while only old records arrive, stale without DATA, live at the first new one', () => {
    const clock = new FakeClock();
    const changes: string[] = [];
    const t = new FreshnessTracker(clock, (state, previous) => changes.push(`${previous}>${state}`));
    t.connected(1000);
    t.data(false);
    expect(t.state).to.equal('catching-up');
    clock.advance(999);
    t.data(false);
    clock.advance(1000);
    expect(t.state).to.equal('stale');
    t.data(false);
    t.data(true);
    expect(t.state).to.equal('live');
    expect(changes).to.deep.equal([
      'lost>stale',
      'stale>catching-up',
      'catching-up>stale',
      'stale>catching-up',
      'catching-up>live',
    ]);
  });

  describe('against a real server with an archive', () => {
    let server: ScsServer;
    before(async () => {
      server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    });
    after(() => server.close());

    it('a resume after a cut yields the missed records marked catch-up, and is live only past head', async () => {
      const relay = await startRelay(server.port);
      try {
        const session = await connect({
          servers: [{ port: relay.port }],
          agency: 'alpha',
          token: 'alpha-secret',
          reconnect: { initialDelayMs: 10 },
        });
        const connects: ConnectInfo[] = [];
        const states: Freshness[] = [];
        session.on('freshness', (s) => states.push(s));
        session.on('connect', (c) => {
          connects.push(c);
          if (connects.length === 1) void server.inject([frame(1), frame(2)]);
        });
        const disconnected = new Promise((resolve) => session.once('disconnect', resolve));
        const got: RecordOf<'frames'>[] = [];
        const seen: Freshness[] = [];
        let before: Freshness[] = [];
        for await (const r of session.request({ stream: 'frames', mode: 'realtime' })) {
          got.push(r);
          seen.push(session.freshness);
          if (got.length === 2) {
            relay.cut();
            await disconnected;
            // Missed while cut off: the resume replays them.
            await server.inject([frame(3), frame(4)]);
          }
          if (got.length === 4) {
            const live = until(session, 'live');
            await server.inject([frame(5)]);
            await live;
          }
          if (got.length === 5) {
            // Ending the loop ends the request (the feed is then `lost`).
            before = [...states];
            break;
          }
        }
        expect(got.map((r) => r.vcfc)).to.deep.equal([1, 2, 3, 4, 5]);
        expect(got.map((r) => r.catchUp ?? false)).to.deep.equal([false, false, true, true, false]);
        const head = connects[1]!.head!;
        expect(connects[1]!.resumed).to.equal(true);
        expect(head).to.equal(got[3]!.seq);
        expect(got[4]!.seq).to.be.greaterThan(head);
        // The replayed records were read while the feed said so, never `live`.
        expect(seen.slice(2, 4)).to.deep.equal(['catching-up', 'catching-up']);
        expect(seen[4]).to.equal('live');
        expect(before.slice(-4)).to.deep.equal(['lost', 'stale', 'catching-up', 'live']);
        await session.close();
      } finally {
        await relay.close();
      }
    });

    it('the first DATA of a parameters session (the value snapshot) is catch-up too', async () => {
      await server.inject([sample(0, 28.5)]);
      const session = new Session({ servers: [{ port: server.port }], agency: 'beta', token: 'beta-secret' });
      session.once('connect', () => void server.inject([sample(1, 12.25)]));
      const got: RecordOf<'parameters'>[] = [];
      // The states as the session reports them: the property read while iterating may already be
      // past a state, when the live record arrived before the snapshot was taken from the iterator.
      const seen: Freshness[] = [];
      session.on('freshness', (f) => seen.push(f));
      let liveAtEnd: Freshness | undefined;
      for await (const p of session.request({ stream: 'parameters', mode: 'realtime' })) {
        got.push(p);
        if (p.catchUp === undefined) {
          liveAtEnd = session.freshness;
          break;
        }
      }
      expect(got[0]!.catchUp).to.equal(true);
      expect(got[0]!.eng).to.equal(28.5);
      expect(got.at(-1)!.eng).to.equal(12.25);
      // Read when the loop took the first record past head, before ending the request (which
      // leaves the session 'lost').
      expect(seen.indexOf('catching-up')).to.be.within(0, seen.lastIndexOf('live') - 1);
      expect(liveAtEnd).to.equal('live');
      await session.close();
    });
  });
});
