// deploy/systemd/scs.service, checked by systemd itself: `systemd-analyze verify` (syntax, known
// keys, the command it runs) and `systemd-analyze security --offline` (the hardening it claims).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runProcess } from '../support/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const UNIT = join(ROOT, 'deploy', 'systemd', 'scs.service');

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** The unit with ExecStart pointing at this checkout's bin/scs (verify checks that it exists). */
function unitHere(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scs-unit-'));
  const file = join(dir, 'scs.service');
  writeFileSync(file, readFileSync(UNIT, 'utf8').replace('/usr/local/bin/scs', join(ROOT, 'bin', 'scs')));
  return file;
}

describe('deploy/systemd/scs.service', function () {
  this.timeout(30_000);

  it('has a dedicated user, a state directory, a restart policy and reloads with SIGHUP', () => {
    const text = readFileSync(UNIT, 'utf8');
    const keys = new Map(
      text
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(keys.get('User')).to.equal('scs');
    expect(keys.get('StateDirectory')).to.equal('scs');
    expect(keys.get('WorkingDirectory')).to.equal('/var/lib/scs');
    expect(keys.get('Restart')).to.equal('on-failure');
    expect(keys.get('ExecReload')).to.equal('/bin/kill -HUP $MAINPID');
    expect(keys.get('ExecStart')).to.match(/ serve --config \/etc\/scs\/scs\.json$/);
    for (const k of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'SystemCallFilter'])
      expect(keys.has(k), k).to.equal(true);
  });

  it('systemd-analyze verify finds nothing to say about it', async function () {
    if (!hasAnalyze) this.skip();
    const r = await runProcess('systemd-analyze', ['verify', unitHere()]);
    // verify exits 0 on unknown keys too, only warning: any output is a finding.
    expect(r.stderr + r.stdout).to.equal('');
    expect(r.code).to.equal(0);
  });

  it('systemd-analyze security rates its exposure low (2.0 or less of 10)', async function () {
    if (!hasAnalyze) this.skip();
    const r = await runProcess('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitHere()]);
    const level = /Overall exposure level for [^:]+: ([\d.]+)/.exec(r.stdout)?.[1];
    expect(level, r.stdout + r.stderr).to.not.equal(undefined);
    expect(Number(level)).to.be.at.most(2.0);
  });

  it('the example configuration it points to passes scs check-config', async () => {
    const r = await runProcess(process.execPath, [
      join(ROOT, 'src', 'cli.ts'),
      'check-config',
      join(ROOT, 'deploy', 'systemd', 'scs.example.json'),
    ]);
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('ok');
  });
});
