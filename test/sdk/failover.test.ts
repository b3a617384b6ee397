import { expect } from 'chai';
import { backoffDelay, backoffOptions } from '../../src/sdk/backoff.ts';
import { connect, type DisconnectInfo, type FrameRecord, type GapInfo } from '../../src/sdk/index.ts';
import { frame, startTestServer } from '../support/server.ts';

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
      expect(gaps[0]!.reason).to.contain('ARCHIVE_UNAVAILABLE');
      await session.close();
    } finally {
      await Promise.all([first.close(), second.close()]);
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
