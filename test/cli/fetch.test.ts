import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ArchiveReader } from '../../src/archive/query.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { type ProcessRun, scs as runScs } from '../support/process.ts';
import { event, packet, sample, startTestServer, testAgencies } from '../support/server.ts';

/** `closedStdout`: the reader of stdout is gone before the first write, like `scs fetch … | head -0`. */
function scs(args: string[], env: Record<string, string> = {}, closedStdout = false): Promise<ProcessRun> {
  return runScs(args, { env: { SCS_AGENCY: 'alpha', SCS_TOKEN: 'alpha-secret', ...env }, closedStdout });
}

/** The recorder commits every 20 ms: wait until it holds what was injected. */
async function archived(
  path: string,
  stream: 'packets' | 'parameters' | 'events',
  seq: number,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const reader = new ArchiveReader(path);
      const last = reader.lastSeq(stream);
      reader.close();
      if (last >= seq) return;
    } catch {
      // Not created yet.
    }
    if (Date.now() > deadline) throw new Error(`${stream} seq ${seq} not archived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scs fetch (run as a process against a real server)', function () {
  this.timeout(30_000);
  let server: ScsServer;
  let dir: string;
  let from: number;
  const runs: Record<string, ProcessRun> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scs-fetch-'));
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    mkdirSync(join(dir, 'out'));
    // The fetches below run at once: room for all of them under alpha's archive query limit.
    const agencies = testAgencies();
    agencies.alpha = { ...(agencies.alpha as object), maxArchiveQueries: 8 };
    server = await startTestServer({ stateDir, agencies, archive: { enabled: true, commitMs: 20 } });
    const packets = Array.from({ length: 40 }, (_, n) => packet(n, 100 + (n % 2), n % 4 === 0 ? 2 : 1));
    from = packets[0]!.rec.ert;
    // Parameter index 4 is EPS.BATT_V, 6 is not EPS.* (SIM_DICTIONARY).
    const samples = Array.from({ length: 30 }, (_, n) => sample(n % 3 === 0 ? 4 : 1, n));
    await server.inject([
      ...packets,
      ...samples,
      event('INFO', 'a'),
      event('ALARM', 'b, "quoted"'),
      event('CRITICAL', 'c'),
    ]);
    const path = join(stateDir, 'archive.sqlite');
    await archived(path, 'packets', 40);
    await archived(path, 'parameters', 30);
    await archived(path, 'events', 3);
    const common = ['--port', String(server.port), '--from', String(from)];
    const jobs: Record<string, Promise<ProcessRun>> = {
      packets: scs([
        'fetch',
        ...common,
        '--stream',
        'packets',
        '--vcid',
        '1',
        '--apid',
        '101',
        '--out',
        join(dir, 'out'),
      ]),
      params: scs(['fetch', ...common, '--param', 'EPS.BATT_*', '--format', 'jsonl', '--quiet']),
      events: scs([
        'fetch',
        ...common,
        '--stream',
        'events',
        '--severity',
        'ALARM',
        '--out',
        join(dir, 'ev.csv'),
      ]),
      refused: scs(['fetch', ...common, '--stream', 'packets', '--out', join(dir, 'x')], {
        SCS_AGENCY: 'beta',
        SCS_TOKEN: 'beta-secret',
      }),
      badToken: scs(['fetch', ...common, '--out', join(dir, 'y.csv')], { SCS_TOKEN: 'wrong-secret' }),
      help: scs(['fetch', '--help']),
      headed: scs(['fetch', ...common, '--param', 'EPS.*', '--format', 'jsonl'], {}, true),
    };
    for (const [name, job] of Object.entries(jobs)) runs[name] = await job;
  });
  after(() => server.close());

  it('fetches packets of one VC and APID into vc<id>_yyyymmddhhmmss', () => {
    const r = runs.packets!;
    expect(r.code, r.stderr).to.equal(0);
    const name = `vc1_${new Date(from / 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
    const packets = decodePacketFile(readFileSync(join(dir, 'out', name)));
    expect(packets.map((p) => p.ssc)).to.deep.equal([
      1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39,
    ]);
    expect(packets.every((p) => p.vcid === 1 && p.apid === 101 && p.station === 'TEST')).to.equal(true);
    expect(r.stderr).to.match(/^scs fetch: 20 records, \d+\.\d\d MiB to .*vc1_\d{14}\n$/);
  });

  it('fetches parameters by glob as JSON Lines on stdout', () => {
    const r = runs.params!;
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; eng: number });
    expect(lines.map((l) => l.eng)).to.deep.equal([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(new Set(lines.map((l) => l.name))).to.deep.equal(new Set(['EPS.BATT_V']));
  });

  it('fetches events from a minimum severity as CSV', () => {
    expect(runs.events!.code, runs.events!.stderr).to.equal(0);
    const lines = readFileSync(join(dir, 'ev.csv'), 'utf8').trimEnd().split('\r\n');
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(/,ALARM,test,TEST,"b, ""quoted""",,$/);
    expect(lines[2]).to.match(/,CRITICAL,test,TEST,c,,$/);
  });

  it('exits 3 with the NAK code when the server refuses', () => {
    expect(runs.refused!.code).to.equal(3);
    expect(runs.refused!.stderr).to.match(/^scs fetch: FORBIDDEN: [^\n]*\n$/);
    expect(runs.badToken!.code).to.equal(3);
    expect(runs.badToken!.stderr).to.match(/^scs fetch: AUTH_FAILED/);
  });

  it('--help prints the options', () => {
    expect(runs.help!.code).to.equal(0);
    expect(runs.help!.stdout)
      .to.include('Usage: scs fetch')
      .and.include('--agency A')
      .and.include('--from T');
  });

  it('a stdout closed by its reader ends the fetch quietly, exit 0', () => {
    const r = runs.headed!;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
  });

  it('exits 4 when no server answers', async () => {
    await server.close(); // idempotent: after() closes it again
    const r = await scs(['fetch', '--port', String(server.port), '--from', String(from), '--quiet']);
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
  });
});
