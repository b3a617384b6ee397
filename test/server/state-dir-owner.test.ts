// Issue 11 item 5: one owner per state directory. A second server there refuses to start with a
// one-line error naming the directory and the holder's pid; a crashed owner's lock does not block
// a restart; and a server whose port is taken stops before it records anything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { LOCK_FILE } from '../../src/server/state-lock.ts';
import { scs } from '../support/process.ts';
import { startTestServer, testAgencies } from '../support/server.ts';

describe('one server per state directory (issue 11 item 5)', function () {
  this.timeout(180_000);
  const servers: ScsServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('refuses a second server in the same state directory, naming it and the holder pid', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-owner-'));
    servers.push(await startTestServer({ stateDir, archive: { enabled: true } }));
    expect(readFileSync(join(stateDir, LOCK_FILE), 'utf8').trim()).to.equal(String(process.pid));
    const err = await startTestServer({ stateDir, archive: { enabled: true } }).then(
      () => expect.fail('a second server started'),
      (e: Error & { code?: string }) => e,
    );
    expect(err.code).to.equal('ERR_STATE_DIR_IN_USE');
    expect(err.message).to.equal(
      `state directory ${stateDir} is in use by another SCS server (pid ${process.pid}; ${LOCK_FILE})`,
    );

    // The same from the command line: one line, the directory and the pid.
    const config = join(stateDir, '..', `${stateDir.split('/').at(-1)}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        server: { port: 0, httpPort: 0, host: '127.0.0.1', stateDir },
        agencies: testAgencies(),
        log: { level: 'silent' },
      }),
    );
    const r = await scs(['serve', '--config', config]);
    expect(r.code).to.equal(1);
    expect(r.stderr.trimEnd().split('\n')).to.deep.equal([
      `scs: state directory ${stateDir} is in use by another SCS server (pid ${process.pid}; ${LOCK_FILE})`,
    ]);

    // Closed, the directory is free again.
    await servers.pop()!.close();
    expect(existsSync(join(stateDir, LOCK_FILE))).to.equal(false);
    servers.push(await startTestServer({ stateDir }));
  });

  it('takes over the lock of a crashed owner', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-owner-'));
    // The pid of a process that has ended: the lock a kill -9 leaves behind.
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    writeFileSync(join(stateDir, LOCK_FILE), `${dead}\n`);
    servers.push(await startTestServer({ stateDir }));
    expect(readFileSync(join(stateDir, LOCK_FILE), 'utf8').trim()).to.equal(String(process.pid));
  });

  it('binds its ports before it records: a port in use stops it with nothing written', async () => {
    const first = await startTestServer();
    servers.push(first);
    const stateDir = mkdtempSync(join(tmpdir(), 'scs-owner-'));
    const err = await startTestServer({
      stateDir,
      server: { port: first.port },
      archive: { enabled: true },
    }).then(
      () => expect.fail('started on a port in use'),
      (e: Error & { code?: string }) => e,
    );
    expect(err.code).to.equal('EADDRINUSE');
    // No archive file, no clean-stop marker; the lock was given back.
    expect(readdirSync(stateDir).filter((f) => f !== 'boot.json')).to.deep.equal([]);
  });
});
