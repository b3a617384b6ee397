// What the server refuses at start about its links and standing orders, `scs check-config`
// (validateConfig) must refuse too, naming the field: an operator checks a configuration before
// taking it to a station.
import { expect } from 'chai';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.ts';
import { validateConfig } from '../../src/config/load.ts';
import { hashToken } from '../../src/config/token.ts';

const agencies = { ops: { tokenHash: hashToken('secret-token') } };

const link = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  station: 'KIR',
  transport: { kind: 'tcp-server', port: 0 },
  frame: { type: 'tm', length: 1115 },
  ...extra,
});

function issues(obj: unknown): readonly ConfigIssue[] {
  try {
    validateConfig({ agencies, ...(obj as object) }, 'x.json');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).code).to.equal('ERR_CONFIG_INVALID');
    return (err as ConfigError).issues;
  }
  return [];
}

describe('config/validate: links and standing-order targets', () => {
  it('accepts a good link', () => {
    expect(issues({ links: [link('a')] })).to.deep.equal([]);
  });

  it('refuses a link id used twice, naming it', () => {
    const found = issues({ links: [link('a'), link('a')] });
    expect(found.map((i) => i.path)).to.deep.equal(['/links/1/id']);
  });

  it('refuses an APID above 2047 and an epoch that is not a date, naming the link', () => {
    expect(issues({ links: [link('a', { apids: { '3000': { swap: 'bytes' } } })] })[0]?.path).to.equal(
      '/links/0',
    );
    const epoch = issues({ links: [link('a', { apids: { '10': { time: { epoch: 'garbage' } } } })] });
    expect(epoch[0]?.path).to.equal('/links/0');
  });

  it('refuses a frame file whose records are not the frame layout', () => {
    const file = { kind: 'file', path: '/tmp/x', format: 'cadu', recordBytes: 100 };
    const found = issues({ links: [link('a', { transport: file })] });
    expect(found[0]?.path).to.equal('/links/0');
    expect(found[0]?.message).to.match(/recordBytes/);
  });

  it("refuses two listening links on one port, and a link on the server's own ports", () => {
    const tcp = (port: number, host?: string) => ({ kind: 'tcp-server', port, ...(host ? { host } : {}) });
    const udp = (port: number) => ({ kind: 'udp', port });
    const on = (...transports: unknown[]) =>
      issues({ links: transports.map((transport, i) => link(`l${i}`, { transport })) }).map((i) => i.path);
    expect(on(tcp(5000), tcp(5000))).to.deep.equal(['/links/1/transport/port']);
    expect(on(tcp(5000, '127.0.0.1'), tcp(5000))).to.deep.equal(['/links/1/transport/port']);
    expect(on(udp(5000), udp(5000))).to.deep.equal(['/links/1/transport/port']);
    // Other protocol, other interface, or any free port: no clash.
    expect(on(tcp(5000), udp(5000))).to.deep.equal([]);
    expect(on(tcp(5000, '127.0.0.1'), tcp(5000, '127.0.0.2'))).to.deep.equal([]);
    expect(on(tcp(0), tcp(0))).to.deep.equal([]);
    const server = { server: { port: 7300, httpPort: 7301 } };
    const clash = issues({ ...server, links: [link('a', { transport: tcp(7301) })] });
    expect(clash.map((i) => i.path)).to.deep.equal(['/links/0/transport/port']);
  });

  const order = (to: unknown) => ({
    archive: { enabled: true },
    standingOrders: [{ id: 'o', every: '1h', stream: 'events', format: 'jsonl', to }],
  });

  it('refuses a standing order TCP port above 65535 or 0', () => {
    expect(issues(order({ tcp: 'dds.example:70000' })).map((i) => i.path)).to.deep.equal([
      '/standingOrders/0',
    ]);
    expect(issues(order({ tcp: 'dds.example:0' })).map((i) => i.path)).to.deep.equal(['/standingOrders/0']);
    expect(issues(order({ tcp: 'dds.example:7000' }))).to.deep.equal([]);
  });

  it('refuses a standing order HTTP URL that does not parse', () => {
    expect(issues(order({ http: 'http://' })).map((i) => i.path)).to.deep.equal(['/standingOrders/0']);
    expect(issues(order({ http: 'http://[::1' })).map((i) => i.path)).to.deep.equal(['/standingOrders/0']);
    expect(issues(order({ http: 'https://dds.example:8443/in' }))).to.deep.equal([]);
  });
});
