import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import { verifyToken } from '../../src/config/token.ts';
import { SCS_CLI, scs } from '../support/process.ts';
import { testAgencies } from '../support/server.ts';

const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [SCS_CLI, ...args], { input, encoding: 'utf8' });

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scs-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Resolves with the client and ops ports once the server logs that it listens. */
function listening(child: ChildProcess): Promise<{ port: number; httpPort: number }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (line.includes('"SCS listening"')) resolve(JSON.parse(line) as { port: number; httpPort: number });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

describe('scs command line (run as a process)', function () {
  this.timeout(30_000);

  it('--help lists the commands and exits 0; an unknown command is a one-line error, exit 2', () => {
    const help = run(['--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.contain('serve').and.contain('token').and.contain('check-config');
    const bad = run(['launch']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(bad.stderr).to.contain("unknown command 'launch'");
  });

  it('every command: --help prints its usage, exit 0; an unknown option is one line, exit 2', async () => {
    const commands = ['serve', 'tail', 'status', 'export', 'fetch', 'token', 'check-config'];
    const [helps, bads] = await Promise.all([
      Promise.all(commands.map((c) => scs([c, '--help']))),
      // serve, tail and status have their own usage tests.
      Promise.all(commands.slice(3).map((c) => scs([c, '--no-such-option']))),
    ]);
    for (const [i, c] of commands.entries()) {
      expect(helps[i]!.code, c).to.equal(0);
      expect(helps[i]!.stdout, c).to.match(new RegExp(`^Usage: scs ${c}`));
    }
    for (const [i, r] of bads.entries()) {
      expect(r.code, `${commands[i + 3]}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(r.stderr).to.contain('--no-such-option');
    }
  });

  it('token prints a scrypt hash of the token given, or of the line on stdin', () => {
    const arg = run(['token', 'a-long-secret']);
    expect(arg.status).to.equal(0);
    expect(verifyToken('a-long-secret', arg.stdout.trim())).to.equal(true);
    const stdin = run(['token'], 'from-standard-input\n');
    expect(verifyToken('from-standard-input', stdin.stdout.trim())).to.equal(true);
    expect(run(['token', 'short']).status).to.equal(2);
    expect(run(['token', 'a-long-secret', 'another-one']).status).to.equal(2);
  });

  it('check-config: ok for a good file; file, field and rule for a bad one, exit 2', () => {
    const good = tmpFile('good.json', JSON.stringify({ server: { port: 7400 } }));
    expect(run(['check-config', good]).stdout.trim()).to.equal('ok');
    const bad = tmpFile('bad.json', JSON.stringify({ server: { port: 70000 } }));
    const r = run(['check-config', bad]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('bad.json').and.contain('/server/port').and.contain('maximum');
    const broken = tmpFile('broken.json', '{ "server": { "port": 7400, } }');
    const p = run(['check-config', broken]);
    expect(p.status).to.equal(2);
    expect(p.stderr)
      .to.contain('broken.json')
      .and.match(/line 1/);
    // Standing orders that could never run are configuration errors, one line each.
    const orders = tmpFile(
      'orders.json',
      JSON.stringify({
        archive: { enabled: false },
        standingOrders: [
          { id: 'a', every: '1h', stream: 'events', by: 'scet', format: 'csv', to: { dir: '/tmp' } },
          { id: 'a', every: '1h', stream: 'parameters', format: 'packets', to: { dir: '/tmp' } },
        ],
      }),
    );
    const o = run(['check-config', orders]);
    expect(o.status).to.equal(2);
    const lines = o.stderr.trimEnd().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(
      /orders\.json: \/archive\/enabled must be true: standing orders export the archive/,
    );
    expect(lines[1]).to.match(/\/standingOrders\/0 events have no scet/);
    expect(lines[2]).to.match(/\/standingOrders\/1 id 'a' is used twice \(standingOrder\)$/);
    expect(lines[3]).to.match(/\/standingOrders\/1 format packets is for stream packets only/);
  });

  it('serve: a bad --port is refused with a one-line message', () => {
    const r = run(['serve', '--port', 'eighty']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('--port');
  });

  it('serve runs the server; SIGTERM sends BYE SHUTDOWN to clients and exits 0 within 5 s', async () => {
    const config = tmpFile(
      'scs.json',
      JSON.stringify({
        server: {
          port: 0,
          httpPort: 0,
          host: '127.0.0.1',
          stateDir: mkdtempSync(join(tmpdir(), 'scs-state-')),
        },
        agencies: testAgencies(),
        log: { level: 'info' },
      }),
    );
    const child = spawn(process.execPath, [SCS_CLI, 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const { port, httpPort } = await listening(child);
      // scs tail and scs status against the running server (its simulator produces frames).
      const tailed = await scs(
        ['tail', '--port', String(port), '--agency', 'alpha', '--stream', 'frames', '--json', '--count', '2'],
        { env: { SCS_TOKEN: 'alpha-secret' } },
      );
      expect(tailed.code, tailed.stderr).to.equal(0);
      const lines = tailed.stdout
        .trim()
        .split('\n')
        .map((l: string) => JSON.parse(l) as { seq: number; station: string });
      expect(lines).to.have.length(2);
      expect(lines[1]!.seq).to.be.greaterThan(lines[0]!.seq);
      const status = await scs(['status', '--port', String(httpPort), '--json']);
      expect(status.code, status.stderr).to.equal(0);
      expect(JSON.parse(status.stdout)).to.have.property('agencies');
      const client = await ScsClient.connect({ port });
      await client.request({
        agency: 'alpha',
        token: 'alpha-secret',
        client: 'cli-test',
        stream: 'parameters',
        mode: 'realtime',
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const t0 = Date.now();
      child.kill('SIGTERM');
      let bye: Record<string, unknown> | undefined;
      for (;;) {
        const m = await client.read().catch(() => undefined);
        if (m === undefined) break;
        if (m.type === MessageType.BYE) bye = m.body;
      }
      expect(bye).to.deep.equal({ reason: 'SHUTDOWN' });
      expect(await exited).to.equal(0);
      expect(Date.now() - t0).to.be.below(5000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
