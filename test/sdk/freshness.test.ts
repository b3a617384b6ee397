import { expect } from 'chai';
import { FreshnessTracker } from '../../src/sdk/freshness.ts';
import { type Freshness, Session } from '../../src/sdk/index.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { frame, startTestServer } from '../support/server.ts';
import { startRelay } from './relay.ts';

function tracker() {
  const clock = new FakeClock();
  const changes: string[] = [];
  const t = new FreshnessTracker(clock, (state, previous) => changes.push(`${previous}>${state}`));
  return { clock, changes, t };
}

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

describe('SDK freshness', () => {
  // `slow`: real heartbeats must not arrive during a fake-clock test, only fake time moves.
  let slow: ScsServer;
  let quick: ScsServer;
  before(async () => {
    [slow, quick] = await Promise.all([
      startTestServer({ server: { heartbeatMs: 60_000 } }),
      startTestServer({ server: { heartbeatMs: 300 } }),
    ]);
  });
  after(() => Promise.all([slow.close(), quick.close()]));

  it('live after DATA, stale after heartbeatMs without DATA, lost after 2 × heartbeatMs + 1 s of silence', () => {
    const { clock, changes, t } = tracker();
    expect(t.state).to.equal('lost');
    t.connected(2000);
    t.data(true);
    expect(t.state).to.equal('live');
    clock.advance(1999);
    t.data(true);
    clock.advance(1999);
    expect(t.state).to.equal('live');
    clock.advance(1);
    expect(t.state).to.equal('stale');
    t.heartbeat();
    clock.advance(4999);
    expect(t.state).to.equal('stale');
    clock.advance(1);
    expect(t.state).to.equal('lost');
    expect(changes).to.deep.equal(['lost>stale', 'stale>live', 'live>stale', 'stale>lost']);
  });

  it('a HEARTBEAT makes live data stale at once; heartbeats keep a stale feed from being lost', () => {
    const { clock, t } = tracker();
    t.connected(1000);
    t.data(true);
    t.heartbeat();
    expect(t.state).to.equal('stale');
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      t.heartbeat();
    }
    expect(t.state).to.equal('stale');
    t.disconnected();
    expect(t.state).to.equal('lost');
    expect(clock.pending()).to.equal(0);
  });

  it('a held (back-pressured) feed goes stale but is not declared lost', () => {
    const { clock, t } = tracker();
    t.connected(1000);
    t.data(true);
    t.hold(true);
    clock.advance(10_000);
    expect(t.state).to.equal('stale');
    t.hold(false);
    clock.advance(2999);
    expect(t.state).to.equal('stale');
    clock.advance(1);
    expect(t.state).to.equal('lost');
  });

  describe('a session on a real server, with a fake clock', () => {
    it('goes live, stale, lost; on lost it reconnects and reports the gap', async () => {
      const clock = new FakeClock(1_000_000);
      const session = new Session({
        servers: [{ port: slow.port }],
        agency: 'alpha',
        token: 'alpha-secret',
        clock,
      });
      const changes: string[] = [];
      const gaps: (number | undefined)[] = [];
      session.on('freshness', (s) => changes.push(s));
      session.on('gap', (g) => gaps.push(g.afterSeq));
      session.once('connect', () => void slow.inject([frame(1)]));
      const it = session.request({ stream: 'frames', mode: 'realtime' });
      const first = await it.next();
      expect(session.freshness).to.equal('live');
      clock.advance(60_000);
      expect(session.freshness).to.equal('stale');
      session.once('connect', () => void slow.inject([frame(2)]));
      clock.advance(61_000);
      expect(changes).to.deep.equal(['stale', 'live', 'stale', 'lost']);
      // The iterator reconnects when it is next pulled (it is lazy, like every async generator).
      const second = await it.next();
      expect((second.value as { vcfc: number }).vcfc).to.equal(2);
      expect(gaps).to.deep.equal([(first.value as { seq: number }).seq]);
      expect(changes.slice(4)).to.deep.equal(['stale', 'live']);
      await session.close();
    });
  });

  describe('for real (heartbeatMs 300)', () => {
    it('stale with heartbeats arriving, lost when a frozen path delivers nothing', async () => {
      const relay = await startRelay(quick.port);
      const session = new Session({
        servers: [{ port: relay.port }],
        agency: 'alpha',
        token: 'alpha-secret',
        reconnect: false,
      });
      const states: string[] = [];
      const heartbeats: string[] = [];
      session.on('freshness', (s) => states.push(s));
      session.on('heartbeat', (h) => heartbeats.push(h.state));
      session.once('connect', () => void quick.inject([frame(1)]));
      const it = session.request({ stream: 'frames', mode: 'realtime' });
      await it.next();
      expect(session.freshness).to.equal('live');
      await until(session, 'stale');
      await new Promise((resolve) => session.once('heartbeat', resolve));
      expect(session.freshness).to.equal('stale');
      const started = Date.now();
      relay.freeze();
      const end = it.next().catch((err: { code?: string }) => err.code);
      await until(session, 'lost');
      // 2 × 300 + 1000 ms after the last message received (a heartbeat at most 300 ms earlier).
      expect(Date.now() - started).to.be.within(1000, 1800);
      expect(await end).to.equal('ERR_CONNECTION_LOST');
      expect(states).to.deep.equal(['stale', 'live', 'stale', 'lost']);
      // The link is up but nothing is acquired: the server calls it a data break (SPEC §6).
      expect(heartbeats[0]).to.equal('DATA_BREAK');
      await session.close();
      await relay.close();
    });
  });
});
