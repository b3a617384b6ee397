import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/errors.ts';
import { COMMAND_LINE, DEFAULTS_FILE, loadConfig } from '../../src/config/load.ts';
import { hashToken } from '../../src/config/token.ts';

const DEMO_IDS = ['analysis', 'ops', 'science'];

function loadError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config/load', () => {
  let dir: string;
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scs-config-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('defaults', () => {
    it('fills every section from the schema and keeps the demo agencies', () => {
      const c = loadConfig();
      expect(c.server).to.deep.equal({
        host: '127.0.0.1',
        port: 7300,
        httpHost: '127.0.0.1',
        httpPort: 7301,
        actors: 2,
        maxSockets: 10_000,
        maxClients: 5_000,
        connectRatePerIp: 2_000,
        maxSocketsPerIp: 4_096,
        requestTimeoutMs: 10_000,
        heartbeatMs: 2_000,
        shutdownMs: 5_000,
        stateDir: 'var',
      });
      expect(c.session).to.deep.equal({
        completeBufferBytes: 8_388_608,
        completeMaxBehindMs: 5_000,
        completeMaxBufferBytes: 536_870_912,
        latestHighWaterBytes: 262_144,
        maxDataBytes: 1_048_576,
        maxRecordsPerData: 2_000,
      });
      expect(c.ring).to.deep.equal({
        frames: { slots: 16_384, slotBytes: 2048 },
        packets: { slots: 16_384, slotBytes: 2048 },
        parameters: { slots: 65_536, slotBytes: 256 },
        events: { slots: 4096, slotBytes: 1024 },
      });
      expect(c.simulator).to.deep.equal({
        enabled: true,
        scid: 42,
        station: 'SIM',
        frameRateHz: 10,
        frameLength: 1115,
        seed: 1,
        dataBreaks: { everySec: 300, durationSec: 10 },
        randomized: true,
        reedSolomon: { interleave: 5 },
        impairments: {
          bitErrorRate: 1e-5,
          frameDropRate: 0,
          polarityInversion: { everyFrames: 0, frames: 0 },
        },
      });
      expect(c.mdb).to.deep.equal({ strict: false });
      expect(c.links).to.deep.equal([]);
      expect(c.log).to.deep.equal({ level: 'info' });
      expect(Object.keys(c.agencies).sort()).to.deep.equal(DEMO_IDS);
      expect(c.agencies.science!.maxConnections).to.equal(16);
      expect(c.agencies.analysis!.maxArchiveQueries).to.equal(2);
    });

    it('finds config/default.json from its own location, not the working directory', () => {
      expect(DEFAULTS_FILE).to.match(/config[/\\]default\.json$/);
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(Object.keys(loadConfig().agencies)).to.have.length(3);
      } finally {
        process.chdir(cwd);
      }
    });
  });

  describe('merge', () => {
    it('merges objects key by key and keeps the defaults it does not mention', () => {
      const file = write('merge.json', { server: { port: 9000 }, ring: { events: { slots: 8192 } } });
      const c = loadConfig({ file });
      expect(c.server.port).to.equal(9000);
      expect(c.server.httpPort).to.equal(7301);
      expect(c.ring.events).to.deep.equal({ slots: 8192, slotBytes: 1024 });
      expect(Object.keys(c.agencies).sort()).to.deep.equal(DEMO_IDS);
    });

    it('replaces the whole agencies object, removing the demo agencies', () => {
      const defaults = loadConfig();
      const file = write('prod.json', { agencies: { esa: { tokenHash: defaults.agencies.ops!.tokenHash } } });
      const c = loadConfig({ file });
      expect(Object.keys(c.agencies)).to.deep.equal(['esa']);
      expect(c.agencies.esa!.streams).to.deep.equal(['frames', 'packets', 'parameters', 'events']);
      expect(c.agencies.esa!.allowFrom).to.deep.equal(['0.0.0.0/0', '::/0']);
    });

    it('replaces arrays instead of concatenating them', () => {
      const defaultsFile = write('defaults-arrays.json', {
        agencies: { a: { tokenHash: loadConfig().agencies.ops!.tokenHash, parameters: ['X*', 'Y'] } },
      });
      const file = write('arrays.json', { server: { stateDir: '/srv/scs' } });
      const c = loadConfig({ file, defaultsFile });
      expect(c.agencies.a!.parameters).to.deep.equal(['X*', 'Y']);
      expect(c.server.stateDir).to.equal('/srv/scs');
    });

    it('applies command-line overrides last', () => {
      const file = write('flags.json', { server: { port: 9000, httpPort: 9001, actors: 4 } });
      const c = loadConfig({ file, overrides: { port: 9100, actors: 8, httpPort: undefined } });
      expect(c.server.port).to.equal(9100);
      expect(c.server.actors).to.equal(8);
      expect(c.server.httpPort).to.equal(9001);
    });

    it('keeps a "__proto__" key as a field, which is then rejected', () => {
      const file = write('proto.json', '{"server": {"__proto__": {"port": 1}}}');
      const err = loadError(() => loadConfig({ file }));
      expect(err.code).to.equal('ERR_CONFIG_INVALID');
      expect(err.message).to.equal(`${file}: /server/__proto__ is not a known field (additionalProperties)`);
    });
  });

  it('accepts the full example of config/README.md', () => {
    const readme = readFileSync(join(DEFAULTS_FILE, '..', 'README.md'), 'utf8');
    const example = /## Full example[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!;
    const file = write(
      'readme-example.json',
      example.replaceAll('scrypt$16384$8$1$<salt>$<hash>', hashToken('x')),
    );
    const c = loadConfig({ file });
    expect(Object.keys(c.agencies).sort()).to.deep.equal(['esoc-fd', 'science-centre']);
    expect(c.ring.frames.slots).to.equal(65_536);
    expect(c.agencies['science-centre']!.parameters).to.deep.equal(['*']);
  });

  describe('result', () => {
    it('is deep-frozen', () => {
      const c = loadConfig();
      expect(Object.isFrozen(c)).to.equal(true);
      expect(() => {
        (c.server as { port: number }).port = 1;
      }).to.throw(TypeError);
      expect(() => {
        (c.agencies.ops!.streams as string[]).push('x');
      }).to.throw(TypeError);
      expect(() => {
        (c.ring.frames as { slots: number }).slots = 2;
      }).to.throw(TypeError);
    });

    it('never resolves an agency id through Object.prototype', () => {
      const c = loadConfig();
      expect(c.agencies.constructor).to.equal(undefined);
      expect('toString' in c.agencies).to.equal(false);
    });
  });

  describe('errors', () => {
    it('names a missing file', () => {
      const file = join(dir, 'absent.json');
      const err = loadError(() => loadConfig({ file }));
      expect(err.code).to.equal('ERR_CONFIG_NOT_FOUND');
      expect(err.file).to.equal(file);
      expect(err.message).to.equal(`${file}: file not found (ENOENT)`);
    });

    it('names an unreadable path', () => {
      const path = join(dir, 'a-directory.json');
      mkdirSync(path);
      const err = loadError(() => loadConfig({ file: path }));
      expect(err.code).to.equal('ERR_CONFIG_NOT_FOUND');
      expect(err.message).to.contain(path).and.contain('EISDIR');
    });

    it('gives the line and column of a JSON syntax error', () => {
      const file = write('bad.json', '{\n  "server": {\n    "port": 7300,\n  }\n}\n');
      const err = loadError(() => loadConfig({ file }));
      expect(err.code).to.equal('ERR_CONFIG_PARSE');
      expect(err.file).to.equal(file);
      expect(err.message).to.equal(
        `${file}: line 4, column 3: expected a property name in double quotes, found character "}" (json)`,
      );
    });

    it('finds errors V8 reports without a position', () => {
      const file = write('literal.json', '{\n  "simulator": { "enabled": tru }\n}');
      const err = loadError(() => loadConfig({ file }));
      expect(err.code).to.equal('ERR_CONFIG_PARSE');
      expect(err.message).to.contain('line 2, column 32: expected "true", found character " "');
    });

    it('reports a truncated file at its end', () => {
      const file = write('cut.json', '{\n  "log": {"level": "debug"');
      const err = loadError(() => loadConfig({ file }));
      expect(err.message).to.contain("line 2, column 27: expected ',' or '}', found end of file");
    });

    it('names the user file for an error it introduced', () => {
      const file = write('port.json', { server: { port: 65_536 } });
      const err = loadError(() => loadConfig({ file }));
      expect(err.code).to.equal('ERR_CONFIG_INVALID');
      expect(err.file).to.equal(file);
      expect(err.issues).to.deep.equal([
        { path: '/server/port', rule: 'maximum', message: 'must be <= 65535' },
      ]);
      expect(err.message).to.equal(`${file}: /server/port must be <= 65535 (maximum)`);
    });

    it('names the defaults file for an error in it', () => {
      const defaultsFile = write('broken-defaults.json', { agencies: { ops: {} } });
      const err = loadError(() => loadConfig({ defaultsFile }));
      expect(err.file).to.equal(defaultsFile);
      expect(err.message).to.equal(`${defaultsFile}: /agencies/ops/tokenHash is required (required)`);
    });

    it('names the command line for a bad override', () => {
      const err = loadError(() => loadConfig({ overrides: { port: -1, actors: 0 } }));
      expect(err.code).to.equal('ERR_CONFIG_INVALID');
      expect(err.file).to.equal(COMMAND_LINE);
      expect(err.message).to.equal(
        'command line: /server/port must be >= 0 (minimum)\ncommand line: /server/actors must be >= 1 (minimum)',
      );
    });

    it('rejects a file whose top level is not an object', () => {
      const file = write('array.json', '[]');
      const err = loadError(() => loadConfig({ file }));
      expect(err.message).to.equal(`${file}: must be object (type)`);
    });
  });
});
