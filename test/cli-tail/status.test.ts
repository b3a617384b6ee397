import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { parsePrometheus } from '../../src/cli/prometheus.ts';
import { help, run, type ServerStatus, summarize } from '../../src/cli/status.ts';
import { connect } from '../../src/sdk/index.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { frame, startTestServer } from '../support/server.ts';
import { capture, lines } from './capture.ts';

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('scs status (run() with captured io, real server)', () => {
  let server: ScsServer;
  before(async () => {
    server = await startTestServer();
    // One admitted session that received two records, one refused with AUTH_FAILED.
    const session = await connect({
      servers: [{ port: server.port }],
      agency: 'alpha',
      token: 'alpha-secret',
    });
    session.once('connect', () => void server.inject([frame(1), frame(2)]));
    let n = 0;
    for await (const _ of session.request({ stream: 'frames', mode: 'realtime' })) if (++n === 2) break;
    const bad = await connect({ servers: [{ port: server.port }], agency: 'alpha', token: 'wrong-token' });
    await bad
      .request({ stream: 'frames', mode: 'realtime' })
      .next()
      .catch(() => undefined);
    await Promise.all([session.close(), bad.close()]);
  });
  after(() => server.close());

  it('--json: agencies, NAKs by code, ring heads and lag, health', async () => {
    const c = capture();
    expect(await run(['--port', String(server.httpPort), '--json'], c.io)).to.equal(0);
    const s = JSON.parse(c.out.join('')) as ServerStatus;
    expect(s.endpoint).to.equal(`127.0.0.1:${server.httpPort}`);
    expect(s.health?.ok).to.equal(true);
    expect(Object.keys(s.agencies).sort()).to.deep.equal(['alpha', 'beta', 'gamma', 'remote']);
    expect(s.agencies.alpha!.acks).to.equal(1);
    expect(s.agencies.alpha!.records).to.equal(2);
    expect(s.agencies.alpha!.bytes).to.be.greaterThan(128);
    expect(s.agencies.beta!.acks).to.equal(0);
    expect(s.naks.AUTH_FAILED).to.equal(1);
    expect(s.naks.FORBIDDEN).to.equal(0);
    expect(s.streams.frames!.ringHead).to.equal(2);
    expect(s.streams.frames!.actorLag).to.equal(0);
    expect(s.connections?.accepted).to.equal(2);
    expect(s.links).to.deep.equal([]);
  });

  it('prints compact tables', async () => {
    const c = capture();
    expect(await run(['--port', String(server.httpPort)], c.io), c.err.join('') + c.out.join('')).to.equal(0);
    const out = lines(c.out);
    expect(out[0]).to.match(
      /^server 127\.0\.0\.1:\d+ {2}healthy \(version [\d.]+, uptimeSeconds \d+, acquisition true, archive disabled, archiveState disabled, actors 2, openSockets \d+\)$/,
    );
    expect(out[1]).to.equal('links: none configured');
    expect(out[2]).to.match(/^agency\s+sessions\s+acks\s+records\s+bytes\s+skipped\s+slow-closes$/);
    expect(out.find((l) => l.startsWith('alpha'))).to.match(/^alpha\s+0\s+1\s+2\s+\d+ B\s+0\s+0$/);
    expect(out).to.include('NAKs: AUTH_FAILED 1');
    expect(out.find((l) => l.startsWith('frames'))).to.match(/^frames\s+2\s+0\s+0$/);
    expect(out.at(-1)).to.equal('losses: none');
  });

  it('exit 4 when the endpoint cannot be reached, 2 for usage, 0 with --help', async () => {
    const dead = await deadPort();
    const c = capture();
    expect(await run(['--port', String(dead)], c.io)).to.equal(4);
    expect(lines(c.err)).to.deep.equal([
      `scs status: http://127.0.0.1:${dead}/metrics: connect ECONNREFUSED 127.0.0.1:${dead}`,
    ]);
    const u = capture();
    expect(await run(['--port', 'x'], u.io)).to.equal(2);
    expect(lines(u.err)).to.have.length(1);
    const h = capture();
    expect(await run(['--help'], h.io)).to.equal(0);
    expect(h.out.join('')).to.equal(`${help}\n`);
  });

  it('an HTTP server without SCS metrics is a one-line failure, exit 1', async () => {
    const other = http.createServer((_req, res) => res.end('# nothing here\nup 1\n'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as net.AddressInfo;
    const c = capture();
    expect(await run(['--port', String(port)], c.io)).to.equal(1);
    expect(lines(c.err)).to.deep.equal([
      `scs status: 127.0.0.1:${port}/metrics has no SCS metrics (is it an SCS ops port?)`,
    ]);
    other.close();
  });

  it('parses the text format: labels with escapes, special values, comments', () => {
    const samples = parsePrometheus(
      [
        '# HELP x help',
        '# TYPE x counter',
        'x{a="1",b="q\\"uote\\\\n"} 3',
        'y +Inf',
        'w Nan',
        'z{le="0.5"} 1e3 1700000000000',
        '',
      ].join('\n'),
    );
    expect(samples).to.deep.equal([
      { name: 'x', labels: { a: '1', b: 'q"uote\\n' }, value: 3 },
      { name: 'y', labels: {}, value: Number.POSITIVE_INFINITY },
      { name: 'w', labels: {}, value: Number.NaN },
      { name: 'z', labels: { le: '0.5' }, value: 1000 },
    ]);
    expect(() => parsePrometheus('x{a=1} 2')).to.throw(/line 1/);
    expect(() => parsePrometheus('x two'))
      .to.throw()
      .with.property('code', 'ERR_BAD_ANSWER');
  });

  it('keys label values such as __proto__ and constructor (valid agency ids) as ordinary keys', () => {
    const samples = parsePrometheus(
      [
        'scs_connections{agency="__proto__"} 2',
        'scs_connections{agency="constructor"} 3',
        'scs_naks_total{code="__proto__"} 1',
        'scs_rejected_connections_total{reason="__proto__"} 4',
        'scs_vc_frames_total{link="l",station="S",vcid="__proto__"} 5',
        'scs_link_up{link="l",station="S"} 1',
        '',
      ].join('\n'),
    );
    const status = summarize('x', samples, undefined);
    expect(Object.keys(status.agencies)).to.deep.equal(['__proto__', 'constructor']);
    expect(status.agencies.constructor).to.include({ sessions: 3 });
    expect(Object.hasOwn(status.naks, '__proto__')).to.equal(true);
    expect(({} as Record<string, unknown>).sessions).to.equal(undefined);
    expect(({} as Record<string, unknown>).frames).to.equal(undefined);
  });
});
