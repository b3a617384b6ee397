import { expect } from 'chai';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.ts';
import { validateConfig } from '../../src/config/load.ts';
import { hashToken } from '../../src/config/token.ts';

const FILE = 'config/x.json';

describe('config/validate', () => {
  let hash: string;
  before(() => {
    hash = hashToken('secret');
  });

  const withAgency = (extra: Record<string, unknown> = {}, agency: Record<string, unknown> = {}) => ({
    agencies: { ops: { tokenHash: hash, ...agency } },
    ...extra,
  });

  function issues(obj: unknown): readonly ConfigIssue[] {
    try {
      validateConfig(obj, FILE);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.code).to.equal('ERR_CONFIG_INVALID');
      expect(e.file).to.equal(FILE);
      expect(e.message.split('\n')).to.deep.equal(
        e.issues.map((i) => `${FILE}: ${i.path} ${i.message} (${i.rule})`),
      );
      return e.issues;
    }
    throw new Error('expected ERR_CONFIG_INVALID');
  }

  it('fills agency defaults and leaves the input untouched', () => {
    const input = withAgency();
    const c = validateConfig(input, FILE);
    expect(c.agencies.ops).to.deep.equal({
      tokenHash: hash,
      maxConnections: 4,
      streams: ['frames', 'packets', 'parameters', 'events'],
      parameters: ['*'],
      allowFrom: ['0.0.0.0/0', '::/0'],
      maxArchiveQueries: 2,
    });
    expect(c.server.port).to.equal(7300);
    expect(input).to.deep.equal({ agencies: { ops: { tokenHash: hash } } });
    expect(Object.isFrozen(c.agencies.ops!.allowFrom)).to.equal(true);
  });

  it('reports a wrong type', () => {
    expect(issues(withAgency({ server: { port: '7300' } }))).to.deep.equal([
      { path: '/server/port', rule: 'type', message: 'must be integer' },
    ]);
  });

  it('reports an unknown field at any depth', () => {
    expect(
      issues(withAgency({ sever: {}, ring: { frames: { slot: 8 } } }, { maxConn: 1 })),
    ).to.have.deep.members([
      { path: '/sever', rule: 'additionalProperties', message: 'is not a known field' },
      { path: '/ring/frames/slot', rule: 'additionalProperties', message: 'is not a known field' },
      { path: '/agencies/ops/maxConn', rule: 'additionalProperties', message: 'is not a known field' },
    ]);
  });

  it('reports a port out of range', () => {
    expect(issues(withAgency({ server: { port: 65_536, httpPort: -1 } }))).to.deep.equal([
      { path: '/server/port', rule: 'maximum', message: 'must be <= 65535' },
      { path: '/server/httpPort', rule: 'minimum', message: 'must be >= 0' },
    ]);
  });

  it('reports every error at once', () => {
    const found = issues(withAgency({ server: { actors: 0, heartbeatMs: 'fast' }, log: { level: 'loud' } }));
    expect(found.map((i) => i.path)).to.deep.equal(['/server/actors', '/server/heartbeatMs', '/log/level']);
    expect(found[2]!.message).to.equal(
      'must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    );
  });

  it('requires ring slots to be a power of two and slotBytes a multiple of 8', () => {
    expect(
      issues(withAgency({ ring: { packets: { slots: 1000 }, events: { slots: 4096, slotBytes: 1020 } } })),
    ).to.deep.equal([
      { path: '/ring/packets/slots', rule: 'powerOfTwo', message: 'must be a power of two' },
      { path: '/ring/events/slotBytes', rule: 'multipleOf', message: 'must be multiple of 8' },
    ]);
    expect(
      validateConfig(withAgency({ ring: { packets: { slots: 2 ** 20, slotBytes: 1024 } } }), FILE).ring
        .packets.slots,
    ).to.equal(2 ** 20);
    // The data buffer (slots × slotBytes) holds the records' bytes: 2 GiB at most.
    expect(issues(withAgency({ ring: { frames: { slots: 2 ** 21, slotBytes: 1024 } } }))).to.deep.equal([
      {
        path: '/ring/frames/slotBytes',
        rule: 'ringBytes',
        message: 'slots × slotBytes must be <= 2147483640 bytes',
      },
    ]);
  });

  it('reports a bad CIDR with its index', () => {
    const allowFrom = [
      '10.0.0.0/8',
      '10.0.0.0/33',
      'fe80::1%eth0',
      '2001:db8::/129',
      'localhost',
      '1.2.3.4/08',
    ];
    const found = issues(withAgency({}, { allowFrom }));
    expect(found.map((i) => [i.path, i.rule])).to.deep.equal([
      ['/agencies/ops/allowFrom/1', 'cidr'],
      ['/agencies/ops/allowFrom/2', 'cidr'],
      ['/agencies/ops/allowFrom/3', 'cidr'],
      ['/agencies/ops/allowFrom/4', 'cidr'],
      ['/agencies/ops/allowFrom/5', 'cidr'],
    ]);
  });

  it('accepts bare addresses and IPv6 blocks', () => {
    const allowFrom = ['192.0.2.7', '2001:db8::/32', '::1', '::ffff:10.0.0.0/104'];
    expect(validateConfig(withAgency({}, { allowFrom }), FILE).agencies.ops!.allowFrom).to.deep.equal(
      allowFrom,
    );
  });

  it('reports a bad agency id, escaping it as a JSON pointer', () => {
    const found = issues({ agencies: { 'bad id': { tokenHash: hash }, 'a/b~c': { tokenHash: hash } } });
    expect(found).to.deep.equal([
      {
        path: '/agencies/bad id',
        rule: 'propertyNames',
        message: 'name must match pattern "^[A-Za-z0-9_.-]{1,32}$"',
      },
      {
        path: '/agencies/a~1b~0c',
        rule: 'propertyNames',
        message: 'name must match pattern "^[A-Za-z0-9_.-]{1,32}$"',
      },
    ]);
    expect(issues({ agencies: { ['x'.repeat(33)]: { tokenHash: hash } } })[0]!.rule).to.equal(
      'propertyNames',
    );
  });

  it('requires at least one agency, a token hash and known streams', () => {
    expect(issues({ agencies: {} })[0]).to.include({ path: '/agencies', rule: 'minProperties' });
    expect(issues({})).to.deep.equal([{ path: '/agencies', rule: 'required', message: 'is required' }]);
    expect(issues({ agencies: { ops: { streams: ['tm'] } } })).to.deep.equal([
      { path: '/agencies/ops/tokenHash', rule: 'required', message: 'is required' },
      {
        path: '/agencies/ops/streams/0',
        rule: 'enum',
        message: 'must be one of "frames", "packets", "parameters", "events"',
      },
    ]);
  });

  it('rejects a token hash that is not a usable scrypt hash', () => {
    for (const tokenHash of [
      'ops-demo',
      hash.replace('16384', '16383'),
      hash.replace('scrypt', 'bcrypt'),
      `${hash}$x`,
    ]) {
      expect(issues(withAgency({}, { tokenHash }))[0]).to.include({
        path: '/agencies/ops/tokenHash',
        rule: 'scryptHash',
      });
    }
  });

  it('checks rules between fields', () => {
    const found = issues(
      withAgency({
        server: { port: 7400, httpPort: 7400, maxSockets: 100 },
        session: { completeBufferBytes: 65_536 },
        simulator: { dataBreaks: { everySec: 10, durationSec: 10 } },
      }),
    );
    expect(found).to.deep.equal([
      { path: '/server/httpPort', rule: 'distinct', message: 'must differ from /server/port (7400)' },
      { path: '/server/maxClients', rule: 'fieldMaximum', message: 'must be <= /server/maxSockets (100)' },
      {
        path: '/session/completeBufferBytes',
        rule: 'fieldMinimum',
        message: 'must be >= /session/maxDataBytes (1048576)',
      },
      {
        path: '/simulator/dataBreaks/durationSec',
        rule: 'fieldExclusiveMaximum',
        message: 'must be < /simulator/dataBreaks/everySec (10)',
      },
    ]);
    const ephemeral = validateConfig(withAgency({ server: { port: 0, httpPort: 0 } }), FILE);
    expect(ephemeral.server.httpPort).to.equal(0);
    const never = validateConfig(
      withAgency({ simulator: { dataBreaks: { everySec: 0, durationSec: 60 } } }),
      FILE,
    );
    expect(never.simulator.dataBreaks.everySec).to.equal(0);
  });

  it('rejects values JSON cannot hold', () => {
    expect(issues(withAgency({ simulator: { frameRateHz: Number.POSITIVE_INFINITY } }))).to.deep.equal([
      { path: '/simulator/frameRateHz', rule: 'type', message: 'must be a finite number' },
    ]);
    expect(issues(withAgency({ server: { stateDir: new Date(0) } }))).to.deep.equal([
      { path: '/server/stateDir', rule: 'type', message: 'must be a JSON value' },
    ]);
  });

  it('reports a document that is not an object without a path', () => {
    try {
      validateConfig(null, FILE);
      expect.fail('expected ERR_CONFIG_INVALID');
    } catch (err) {
      expect((err as ConfigError).message).to.equal(`${FILE}: must be object (type)`);
    }
  });
});
