import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { run as exportRun } from '../../src/cli/export.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import { capture } from '../cli-tail/capture.ts';
import { buildArchive, N, T0 } from '../export/fixture.ts';
import { type ProcessRun, runProcess, SCS_CLI, scs } from '../support/process.ts';

const iso = (us: number) => new Date(us / 1000).toISOString();

describe('scs export (run as a process)', function () {
  this.timeout(30_000);
  let archive: ReturnType<typeof buildArchive>;
  const runs: Record<string, ProcessRun> = {};
  const file = (...parts: string[]) => join(archive.dir, ...parts);

  // Every process starts at once: each takes a second or two to load, most of it waiting.
  before(async () => {
    archive = buildArchive();
    mkdirSync(file('pk'));
    mkdirSync(file('cwd'));
    writeFileSync(
      file('scs.json'),
      JSON.stringify({ server: { stateDir: archive.dir }, archive: { file: 'archive.sqlite' } }),
    );
    const a = ['--archive', archive.path];
    const tty = [
      process.execPath,
      SCS_CLI,
      'export',
      ...a,
      '--from',
      String(T0),
      '--to',
      String(T0 + N * 1000 + 1),
    ]
      .concat(['--out', file('tty.csv')])
      .map((x) => `'${x}'`)
      .join(' ');
    const jobs: Record<string, Promise<ProcessRun>> = {
      help: scs(['export', '--help']),
      mainHelp: scs(['--help']),
      packets: scs(
        ['export', ...a, '--stream', 'packets', '--from', iso(T0), '--to', String(T0 + 100_000)].concat([
          '--vcid',
          '1',
          '--station',
          'MAS',
          '--out',
          file('pk'),
        ]),
      ),
      csv: scs(['export', ...a, '--from', String(T0), '--by', 'scet', '--param', 'AOCS.*', '--quiet']),
      jsonl: scs(
        ['export', ...a, '--stream', 'events', '--format', 'jsonl', '--severity', 'critical'].concat([
          '--from',
          String(T0),
          '--to',
          String(T0 + 20_000),
          '--out',
          file('ev.jsonl'),
        ]),
      ),
      config: scs([
        'export',
        '--config',
        file('scs.json'),
        '--stream',
        'frames',
        '--from',
        String(T0),
        '--quiet',
        '--format',
        'jsonl',
      ]),
      cwd: scs(['export', ...a, '--stream', 'packets', '--from', String(T0 + 5_000_000)], {
        cwd: file('cwd'),
      }),
      tty: runProcess('script', ['-qec', tty, '/dev/null']),
      usage: scs(['export', ...a]),
      missing: scs(['export', '--archive', file('none.sqlite'), '--from', String(T0)]),
      headed: scs(['export', ...a, '--stream', 'frames', '--from', String(T0)], { closedStdout: true }),
      mainHelpHeaded: scs(['--help'], { closedStdout: true }),
    };
    for (const [name, job] of Object.entries(jobs)) runs[name] = await job;
  });
  after(() => archive.remove());

  it('--help prints the options and exits 0', () => {
    expect(runs.help!.code).to.equal(0);
    expect(runs.help!.stdout)
      .to.include('Usage: scs export')
      .and.include('--format F')
      .and.include('Exit codes');
    expect(runs.mainHelp!.stdout).to.include('export').and.include('fetch');
  });

  it('writes a VC selection of packets to vc<ids>_yyyymmddhhmmss in a directory, no progress bar off a terminal', () => {
    const r = runs.packets!;
    expect(r.code, r.stderr).to.equal(0);
    const out = file('pk', 'vc1_20260102030405');
    const packets = decodePacketFile(readFileSync(out));
    const want: number[] = [];
    for (let s = 1; s < 100; s++) if (s % 3 === 1 && s % 2 === 1) want.push(s);
    expect(packets.map((p) => p.ssc)).to.deep.equal(want);
    expect(r.stderr).to.equal(
      `scs export: ${want.length} records, ${(readFileSync(out).length / 1_048_576).toFixed(2)} MiB to ${out}\n`,
    );
    expect(r.stdout).to.equal('');
  });

  it('writes parameters as CSV to stdout by scet with a glob, and JSON Lines to a named file', () => {
    const csv = runs.csv!;
    expect(csv.code, csv.stderr).to.equal(0);
    expect(csv.stderr).to.equal('');
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).to.match(/^seq,name,scet/);
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).to.deep.equal(
      Array.from({ length: N / 3 }, (_, i) => 3 * i + 2),
    );
    expect(runs.jsonl!.code, runs.jsonl!.stderr).to.equal(0);
    const events = readFileSync(file('ev.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; severity: string });
    expect(events.map((e) => e.seq)).to.deep.equal([3, 7, 11, 15, 19]);
  });

  it('finds the archive through --config (server.stateDir, archive.file)', () => {
    expect(runs.config!.code, runs.config!.stderr).to.equal(0);
    expect(runs.config!.stdout.trimEnd().split('\n')).to.have.length(N);
  });

  it('writes packets to the current directory by default', () => {
    expect(runs.cwd!.code, runs.cwd!.stderr).to.equal(0);
    expect(existsSync(file('cwd', 'vc_20260102030410'))).to.equal(true);
    expect(runs.cwd!.stderr).to.include('0 records');
  });

  it('shows a progress bar on a terminal (a pseudo-terminal from script), erased before the summary', function () {
    const r = runs.tty!;
    if (r.stderr.includes('ENOENT')) this.skip();
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include(
      `\r\x1b[K[${'#'.repeat(24)}]  99%  300 records  0.04 MiB  2026-01-02T03:04:05Z`,
    );
    expect(r.stdout).to.include(`\r\x1b[Kscs export: ${N} records`);
  });

  it('a stdout closed by its reader (| head) ends quietly with exit 0, for export and for help', () => {
    for (const r of [runs.headed!, runs.mainHelpHeaded!]) {
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
    }
  });

  it('exits 2 for a usage error and 1 for an unreadable archive, with one line', () => {
    expect(runs.usage!.code).to.equal(2);
    expect(runs.usage!.stderr).to.equal('scs export: --from is required\n');
    expect(runs.missing!.code).to.equal(1);
    expect(runs.missing!.stderr).to.match(/^scs export: .*none\.sqlite.*ERR_ARCHIVE_OPEN\)\n$/);
  });

  it('refuses each bad option with exit 2 and one line naming it (in-process)', async () => {
    const a = ['--archive', archive.path, '--from', String(T0)];
    const cases: [string[], number, RegExp][] = [
      [['--archive', archive.path, '--from', 'yesterday'], 2, /--from: 'yesterday' is not a time/],
      [[...a, '--to', String(T0)], 2, /--from must be before --to/],
      [[...a, '--format', 'packets'], 2, /packets is for stream packets/],
      [[...a, '--format', 'xml'], 2, /--format must be one of/],
      [[...a, '--stream', 'events', '--by', 'scet'], 2, /no scet/],
      [[...a, '--stream', 'packets', '--vcid', '99'], 2, /--vcid/],
      [[...a, '--apid', '1'], 2, /apids applies to packets/],
      [[...a, '--severity', 'LOUD', '--stream', 'events'], 2, /--severity/],
      [[...a, '--bogus'], 2, /bogus/],
      [[...a, '--config', 'x.json'], 2, /not both/],
      [[...a, '--out', '/proc/nope/x.csv'], 1, /x\.csv/],
    ];
    for (const [args, code, message] of cases) {
      const c = capture();
      const got = await exportRun(args, c.io);
      const err = c.err.join('');
      expect(got, `${args.join(' ')}: ${err}`).to.equal(code);
      expect(err)
        .to.match(message)
        .and.match(/^scs export: [^\n]*\n$/);
    }
  });
});
