// Issue 11 item 9: `npm install` then `npm test` on a fresh machine. npm runs the `pretest`
// script before `test`; it installs Debian's Chromium when it is missing and says so. Run here
// with a missing browser path and an apt-get stand-in first on PATH that records its arguments
// (and "installs" the browser), so the real script's decisions are observed without a download.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('pretest: test tools from Debian (issue 11 item 9)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scs-pretest-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pretest = (chromium: string, aptExit = 0) => {
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    const log = join(dir, 'apt.log');
    // A stand-in apt-get: records each call; `install` creates the browser file.
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh\necho "$@" >> ${log}\ncase "$1" in install) touch ${chromium};; esac\nexit ${aptExit}\n`,
    );
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    chmodSync(join(bin, 'apt-get'), 0o755);
    chmodSync(join(bin, 'sudo'), 0o755);
    const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.pretest as string;
    expect(script, 'package.json has a pretest script').to.be.a('string');
    const r = spawnSync('sh', ['-c', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SCS_PRETEST_CHROMIUM: chromium },
    });
    return { ...r, apt: existsSync(log) ? readFileSync(log, 'utf8') : '' };
  };

  it('installs Debian chromium when it is missing, and says so', () => {
    const browser = join(dir, 'chromium');
    const r = pretest(browser);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/chromium is missing .*installing Debian's chromium/);
    expect(r.apt).to.equal('update -qq\ninstall -y -qq chromium\n');
    expect(existsSync(browser)).to.equal(true);
  });

  it('does nothing when it is there, and fails with one clear line when apt-get fails', () => {
    const present = join(dir, 'present');
    writeFileSync(present, '');
    const ok = pretest(present);
    expect(ok.status).to.equal(0);
    expect(ok.apt).to.equal('');
    expect(ok.stdout).to.equal('');
    const failed = pretest(join(dir, 'nowhere'), 100);
    expect(failed.status).to.equal(1);
    expect(failed.stderr).to.match(/pretest: apt-get update -qq failed \(exit code 100\)/);
  });
});
