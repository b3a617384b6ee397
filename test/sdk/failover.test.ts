import net from 'node:net';
import { expect } from 'chai';
import { backoffDelay, backoffOptions } from '../../src/sdk/backoff.ts';
import {
  type ConnectInfo,
  connect,
  type DisconnectInfo,
  type FrameRecord,
  type GapInfo,
} from '../../src/sdk/index.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { frame, startTestServer } from '../support/server.ts';
import { startRelay } from './relay.ts';

describe('SDK reconnect and failover', () => {
  it('backoff: none before the first round, then doubling with jitter in [½, 1), capped', () => {
    const b = backoffOptions({ initialDelayMs: 100, maxDelayMs: 1000 });
    expect(backoffDelay(b, 0, () => 0.99)).to.equal(0);
    expect([1, 2, 3, 4, 5].map((r) => backoffDelay(b, r, () => 0))).to.deep.equal([50, 100, 200, 400, 500]);
    expect(backoffDelay(b, 3, () => 0.999_999)).to.equal(400);
    expect(backoffDelay(b, 60, () => 0.5)).to.equal(750);
    expect(backoffOptions(false).maxRounds).to.equal(0);
  });

  it('when its server shuts down, fails over to the next, says it could not resume, and goes on', async () => {
    const [first, second] = await Promise.all([startTestServer(), startTestServer()]);
    try {
      const session = await connect({
        servers: [{ port: first.port }, { port: second.port }],
        agency: 'alpha',
        token: 'alpha-secret',
        reconnect: { initialDelayMs: 10 },
      });
      const disconnects: DisconnectInfo[] = [];
      const gaps: GapInfo[] = [];
      const ports: number[] = [];
      session.on('disconnect', (d) => disconnects.push(d));
      session.on('gap', (g) => gaps.push(g));
      session.on('connect', (c) => {
        ports.push(c.server.port);
        void (c.index === 0 ? first : second).inject([frame(ports.length * 10)]);
      });
      const got: FrameRecord[] = [];
      for await (const r of session.request({ stream: 'frames', mode: 'realtime' })) {
        got.push(r);
        if (got.length === 1) void first.close();
        else break;
      }
      expect(got.map((r) => r.vcfc)).to.deep.equal([10, 20]);
      expect(ports).to.deep.equal([first.port, second.port]);
      expect(disconnects[0]!.error?.message).to.contain('BYE SHUTDOWN');
      expect(gaps).to.have.length(1);
      expect(gaps[0]!.afterSeq).to.equal(got[0]!.seq);
      expect(gaps[0]!.server.port).to.equal(second.port);
      // The second server holds no record yet: `since` is ahead of it (ICD rev B §5), checked
      // before availability (it has no archive either).
      expect(gaps[0]!.reason).to.contain('INVALID_REQUEST: since:');
      await session.close();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('with a fake clock: rounds over the servers in order wait for the backoff, and only for it', async () => {
    const dead = await deadPort();
    const first = await startTestServer();
    const port = first.port;
    const clock = new FakeClock(1_000_000);
    const session = await connect({
      servers: [{ port }, { port: dead }],
      agency: 'alpha',
      token: 'alpha-secret',
      reconnect: { initialDelayMs: 1000, maxDelayMs: 2000 },
      clock,
      random: () => 0,
    });
    const rounds: { round: number; delayMs: number }[] = [];
    const nextRound = () => new Promise((resolve) => session.once('reconnecting', resolve));
    session.on('reconnecting', (r) => rounds.push(r));
    session.once('connect', () => void first.inject([frame(1)]));
    const it = session.request({ stream: 'frames', mode: 'realtime' });
    expect(((await it.next()).value as FrameRecord).vcfc).to.equal(1);
    await first.close();
    let round = nextRound();
    const pulled = it.next();
    // Round 0 (both servers, at once) failed: round 1 waits ½ × 1000 ms of fake time.
    await round;
    expect(rounds).to.deep.equal([{ round: 1, delayMs: 500 }]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rounds, 'no attempt before the clock moves').to.have.length(1);
    round = nextRound();
    clock.advance(500);
    await round;
    round = nextRound();
    clock.advance(1000);
    await round;
    expect(rounds.map((r) => r.delayMs)).to.deep.equal([500, 1000, 1000]);
    // The first server is back on its port: the next round reaches it first, as it is first in order.
    const back = await startTestServer({ server: { port } });
    try {
      const connected = new Promise<{ index: number }>((resolve) => session.once('connect', resolve));
      clock.advance(1000);
      expect((await connected).index).to.equal(0);
      await back.inject([frame(2)]);
      expect(((await pulled).value as FrameRecord).vcfc).to.equal(2);
      await session.close();
    } finally {
      await back.close();
    }
  });

  it('after a network cut, resumes on the same server with since: every record once, in order, no gap', async () => {
    const server = await startTestServer({ archive: { enabled: true, commitMs: 20 } });
    const relay = await startRelay(server.port);
    try {
      const session = await connect({
        servers: [{ port: relay.port }],
        agency: 'alpha',
        token: 'alpha-secret',
        reconnect: { initialDelayMs: 10 },
      });
      const connects: ConnectInfo[] = [];
      const gaps: GapInfo[] = [];
      session.on('gap', (g) => gaps.push(g));
      session.on('connect', (c) => {
        connects.push(c);
        // The first connection gets 1–3; the resumed one gets 6 live, after 4–5 from the backfill.
        void server.inject(connects.length === 1 ? [frame(1), frame(2), frame(3)] : [frame(6)]);
      });
      const disconnected = new Promise((resolve) => session.once('disconnect', resolve));
      const got: FrameRecord[] = [];
      for await (const r of session.request({ stream: 'frames', mode: 'realtime' })) {
        got.push(r);
        if (got.length === 3) {
          // Records 4 and 5 arrive while the client is cut off.
          relay.cut();
          await disconnected;
          await server.inject([frame(4), frame(5)]);
        }
        if (got.length === 6) break;
      }
      expect(got.map((r) => r.vcfc)).to.deep.equal([1, 2, 3, 4, 5, 6]);
      const seqs = got.map((r) => r.seq);
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).to.equal(true);
      expect(connects.map((c) => c.resumed)).to.deep.equal([false, true]);
      // The server's clock at the ACK, for telling the catch-up from live records (README).
      expect(connects[1]!.serverTime).to.be.within(Date.now() * 1000 - 10e6, Date.now() * 1000);
      expect(gaps).to.deep.equal([]);
      await session.close();
    } finally {
      await relay.close();
      await server.close();
    }
  });

  it('without reconnect a loss ends the request with ERR_CONNECTION_LOST; out of rounds it is ERR_NO_SERVER', async () => {
    const server = await startTestServer();
    const once = await connect({
      servers: [{ port: server.port }],
      agency: 'alpha',
      token: 'alpha-secret',
      reconnect: false,
    });
    const bounded = await connect({
      servers: [{ port: server.port }],
      agency: 'gamma',
      token: 'gamma-secret',
      reconnect: { initialDelayMs: 5, maxRounds: 2 },
    });
    const rounds: number[] = [];
    bounded.on('reconnecting', (r) => rounds.push(r.round));
    const admitted = Promise.all(
      [once, bounded].map((s) => new Promise((resolve) => s.once('connect', resolve))),
    );
    const drain = (s: typeof once) =>
      (async () => {
        for await (const _ of s.request({ stream: 'events', mode: 'realtime' })) {
          /* no events are injected */
        }
        return 'ended';
      })().catch((err: { code?: string }) => err.code);
    const ends = [drain(once), drain(bounded)];
    await admitted;
    await server.close();
    expect(await Promise.all(ends)).to.deep.equal(['ERR_CONNECTION_LOST', 'ERR_NO_SERVER']);
    expect(rounds).to.deep.equal([1, 2]);
    expect(once.freshness).to.equal('lost');
  });
});

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
