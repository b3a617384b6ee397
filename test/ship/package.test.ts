// The packed package as an operator installs it: `npm pack`, then `npm install -g` of the
// tarball into a temporary prefix by the machine's own npm and Node (older than 24), then the
// installed `scs` run from another directory: --version, check-config, and a `serve` that a
// real client connects to. The install takes its packages from npm's cache when it can
// (--prefer-offline: `npm ci` has just filled it).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import { freePort } from '../support/ports.ts';
import { runProcess } from '../support/process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MACHINE_NODE = '/usr/bin/node';
const MACHINE_NPM = '/usr/bin/npm';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The machine's tools only: its npm runs on its Node, as for an operator. */
const MACHINE_ENV = { PATH: '/usr/bin:/bin' };

function machineNodeMajor(): number | undefined {
  if (!existsSync(MACHINE_NODE)) return undefined;
  const r = spawnSync(MACHINE_NODE, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? Number(/^v(\d+)/.exec(r.stdout)?.[1]) : undefined;
}

function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"SCS listening"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`scs serve exited with ${code}: ${out}`)));
  });
}

describe('the packed package, installed with the machine Node (older than 24)', function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), 'scs-pack-'));
  const prefix = join(work, 'prefix');
  const scsBin = join(prefix, 'bin', 'scs');
  let tarball = '';

  before(async function () {
    const major = machineNodeMajor();
    if (major === undefined || major >= 24 || !existsSync(MACHINE_NPM)) {
      // Nothing older to install with on this machine: the point of the test is gone.
      this.skip();
    }
    const pack = await runProcess('npm', ['pack', '--pack-destination', work], { cwd: ROOT });
    expect(pack.code, pack.stderr).to.equal(0);
    tarball = join(work, pack.stdout.trim().split('\n').at(-1)!);
    const install = await runProcess(
      MACHINE_NPM,
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { env: MACHINE_ENV, cwd: work },
    );
    expect(install.code, install.stderr).to.equal(0);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the built JavaScript, LICENSE and deploy files, and no tests or fixtures', () => {
    const list = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(list).to.include.members([
      'package/bin/scs',
      'package/dist/src/cli.js',
      'package/dist/workers/actor.js',
      'package/dist/config/default.json',
      'package/LICENSE',
      'package/CHANGELOG.md',
    ]);
    expect(list.filter((f) => /\/(test|fixtures)\/|\.test\.|\.ts$/.test(f))).to.deep.equal([]);
    // The repository tree is left as it was: dist/ exists only inside the tarball.
    expect(existsSync(join(ROOT, 'dist'))).to.equal(false);
  });

  it('scs --version and --help work from any directory', async () => {
    const v = await runProcess(scsBin, ['--version'], { env: MACHINE_ENV, cwd: tmpdir() });
    expect(v.stderr).to.equal('');
    expect(v.stdout.trim()).to.equal(VERSION);
    const help = await runProcess(scsBin, ['--help'], { env: MACHINE_ENV, cwd: tmpdir() });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: scs <command>/);
  });

  it('scs check-config accepts a good file and names the field of a bad one (exit 2)', async () => {
    const good = join(work, 'good.json');
    writeFileSync(good, JSON.stringify({ server: { port: 7400 } }));
    const ok = await runProcess(scsBin, ['check-config', good], { env: MACHINE_ENV, cwd: tmpdir() });
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout.trim()).to.equal('ok');
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ server: { port: 70000 } }));
    const no = await runProcess(scsBin, ['check-config', bad], { env: MACHINE_ENV, cwd: tmpdir() });
    expect(no.code).to.equal(2);
    expect(no.stderr).to.contain('/server/port');
    expect(no.stderr.trim().split('\n')).to.have.length(1);
  });

  it('scs serve runs (on the Node the package brings) and a client is admitted and gets data', async () => {
    const dir = join(work, 'serve');
    mkdirSync(dir);
    const port = await freePort();
    const httpPort = await freePort();
    const child = spawn(scsBin, ['serve', '--port', String(port), '--http-port', String(httpPort)], {
      cwd: dir,
      env: { ...process.env, ...MACHINE_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await listening(child);
      const client = await ScsClient.connect({ host: '127.0.0.1', port });
      const ack = await client.request({
        agency: 'ops',
        token: 'ops-demo',
        client: 'pack-test',
        stream: 'parameters',
        mode: 'realtime',
        filter: { parameters: ['EPS.*'] },
      });
      expect(ack.clientId).to.be.a('string');
      for await (const m of client.messages()) {
        if (m.type === MessageType.DATA) break;
      }
      await client.close();
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('bin/scs.cjs on the machine Node runs SCS on the bundled Node, or says in one line what to do', async () => {
    const installed = join(prefix, 'lib', 'node_modules', 'scs', 'bin', 'scs.cjs');
    const viaBundled = await runProcess(MACHINE_NODE, [installed, '--version'], { env: MACHINE_ENV });
    expect(viaBundled.stdout.trim()).to.equal(VERSION);
    // The same launcher where no bundled Node can be found (installed with --ignore-scripts, say).
    const bare = join(work, 'bare', 'bin');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'scs.cjs'), join(bare, 'scs.cjs'));
    const alone = await runProcess(MACHINE_NODE, [join(bare, 'scs.cjs'), '--version'], { env: MACHINE_ENV });
    expect(alone.code).to.equal(2);
    expect(alone.stdout).to.equal('');
    expect(alone.stderr.trim().split('\n')).to.have.length(1);
    expect(alone.stderr).to.match(/^scs: needs Node 24\.21\.0 or newer and this is Node 20/);
  });
});
