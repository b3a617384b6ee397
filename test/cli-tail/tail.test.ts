import { expect } from 'chai';
import { help, run } from '../../src/cli/tail.ts';
import { isoUs } from '../../src/cli/tail-format.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { event, frame, sample, startTestServer } from '../support/server.ts';
import { capture, lines } from './capture.ts';

describe('scs tail (run() with captured io, real server)', () => {
  let server: ScsServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const base = () => ['--port', String(server.port), '--agency', 'alpha', '--token', 'alpha-secret'];

  it('--json --count: one JSON object per record, filtered, bytes as base64, then exit 0', async () => {
    const c = capture({}, (text) => {
      if (text.includes('connected to')) void server.inject([frame(1, 3), frame(2, 5), frame(3, 3)]);
    });
    const code = await run([...base(), '--stream', 'frames', '--vcid', '3', '--json', '--count', '2'], c.io);
    expect(code).to.equal(0);
    const records = lines(c.out).map(
      (l) => JSON.parse(l) as { vcid: number; vcfc: number; data: string; seq: number },
    );
    expect(records.map((r) => [r.vcid, r.vcfc])).to.deep.equal([
      [3, 1],
      [3, 3],
    ]);
    expect([...Buffer.from(records[1]!.data, 'base64')].slice(0, 3)).to.deep.equal([3, 3, 3]);
    expect(lines(c.err)[0]).to.match(/^scs tail: connected to 127\.0\.0\.1:\d+ as \S+$/);
  });

  it('human-readable parameter lines, the token from SCS_TOKEN', async () => {
    await server.inject([sample(0, 28.5)]);
    const c = capture({ SCS_TOKEN: 'beta-secret' });
    const args = ['--port', String(server.port), '--agency', 'beta', '--param', 'EPS.BUS_V', '--count', '1'];
    expect(await run(args, c.io)).to.equal(0);
    expect(lines(c.out)).to.have.length(1);
    expect(lines(c.out)[0]).to.match(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z EPS\.BUS_V = 28\.5 V OK raw=2850 seq=\d+$/,
    );
  });

  it('event lines with --severity', async () => {
    const c = capture({}, (text) => {
      if (text.includes('connected to')) void server.inject([event('INFO', 'quiet'), event('ALARM', 'loud')]);
    });
    expect(
      await run([...base(), '--stream', 'events', '--severity', 'warning', '--count', '1'], c.io),
    ).to.equal(0);
    expect(lines(c.out)[0]).to.match(/ ALARM test\/TEST: loud seq=\d+$/);
  });

  it('a NAK exits 3 with one line naming the code', async () => {
    const c = capture();
    const code = await run(
      ['--port', String(server.port), '--agency', 'alpha', '--token', 'not-the-token'],
      c.io,
    );
    expect(code).to.equal(3);
    expect(lines(c.err)).to.deep.equal(['scs tail: NAK AUTH_FAILED: unknown agency or bad token']);
  });

  it('usage errors exit 2 with one line; --help prints the options and exits 0', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', '1', '--agency', 'alpha'], /--token \(or env SCS_TOKEN\) is required/],
      [[...base(), '--vcid', '1'], /--vcid applies to --stream frames or packets, not parameters/],
      [[...base(), '--stream', 'telemetry'], /--stream must be one of/],
      [[...base(), '--stream', 'frames', '--vcid', '64'], /--vcid must be a whole number 0 … 63/],
      [[...base(), '--rate', '0'], /--rate must be a number > 0/],
      [[...base(), '--colour'], /unknown option '--colour'/],
      [[...base(), 'extra'], /Unexpected argument 'extra'/],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await run(args, c.io), args.join(' ')).to.equal(2);
      expect(lines(c.err)).to.have.length(1);
      expect(lines(c.err)[0]).to.match(message);
    }
    const h = capture();
    expect(await run(['--help'], h.io)).to.equal(0);
    expect(h.out.join('')).to.equal(`${help}\n`);
    expect(help).to.contain('--count N').and.contain('Exit codes');
  });

  it('no server at the address exits 4', async () => {
    const c = capture();
    const code = await run(['--port', '1', '--agency', 'alpha', '--token', 'x', '--retries', '0'], c.io);
    expect(code).to.equal(4);
    expect(lines(c.err)).to.have.length(1);
    expect(lines(c.err)[0]).to.match(/^scs tail: no server reachable \(127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('an abort signal ends the tail with exit 0', async () => {
    const controller = new AbortController();
    const c = capture({}, (text) => {
      if (text.includes('connected to')) controller.abort();
    });
    c.io.signal = controller.signal;
    expect(await run([...base(), '--stream', 'frames'], c.io)).to.equal(0);
    expect(c.out).to.deep.equal([]);
  });

  it('formats times with microseconds', () => {
    expect(isoUs(1_700_000_000_000_950)).to.equal('2023-11-14T22:13:20.000950Z');
    expect(isoUs(1_700_000_000_123_456)).to.equal('2023-11-14T22:13:20.123456Z');
  });
});
