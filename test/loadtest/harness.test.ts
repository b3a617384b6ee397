// The load-test harness run as CI runs it: `bash loadtest/run.sh --scenario …` as a real
// process against a real server it starts, with its exit code, result.json and report.html
// checked. The CI scenarios take a few seconds each.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { GroupState } from '../../loadtest/harness/group-state.ts';
import type { GroupShare } from '../../loadtest/harness/ipc.ts';
import { newHistogram } from '../../loadtest/harness/latency.ts';
import { loadScenario, parseScenario } from '../../loadtest/harness/load-scenario.ts';
import type { RunResult } from '../../loadtest/harness/result.ts';
import { serverConfig } from '../../loadtest/harness/server-config.ts';
import { Session as HarnessSession } from '../../loadtest/harness/session.ts';
import { startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { freePort } from '../support/ports.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCENARIOS = new URL('../../loadtest/scenarios/', import.meta.url);
const SHIPPED = [
  'fanout-1000',
  'mixed-agencies',
  'slow-consumers',
  'connect-storm',
  'hostile',
  'ci-hostile',
  'ci-connect-storm',
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function loadtest(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['loadtest/run.sh', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function result(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('load-test scenarios', () => {
  it('every shipped scenario is valid', () => {
    for (const name of SHIPPED) expect(loadScenario(name, SCENARIOS).name).to.equal(name);
  });

  const base = {
    name: 'x',
    description: '',
    durationSec: 1,
    server: { frameRateHz: 10, agencies: { alpha: { token: 't', maxConnections: 5 } } },
    groups: [{ kind: 'subscribe', name: 'g', agency: 'alpha', stream: 'frames', count: 1 }],
    expect: [],
  };
  const refused = (value: unknown): { code?: unknown; message: string } => {
    try {
      parseScenario('s.json', JSON.stringify(value));
    } catch (err) {
      return err as { code?: unknown; message: string };
    }
    throw new Error('accepted');
  };

  it('reports an unknown field of a group against its own kind only', () => {
    const err = refused({ ...base, groups: [{ ...base.groups[0], delivery: 'complete', holdMs: 5 }] });
    expect(err.code).to.equal('ERR_HARNESS_SCENARIO');
    expect(err.message).to.equal("s.json: /groups/0 must NOT have additional properties 'holdMs'");
  });

  it('refuses a group of an agency the server does not configure', () => {
    const err = refused({ ...base, groups: [{ ...base.groups[0], agency: 'nobody' }] });
    expect(err.message).to.equal("s.json: /groups/0/agency 'nobody' is not in /server/agencies");
  });

  it('refuses a loss check over a filtered group, where gaps are not losses', () => {
    const err = refused({
      ...base,
      groups: [{ ...base.groups[0], filter: { vcids: [1] } }],
      expect: [{ check: 'count', metric: 'lost', equals: 0 }],
    });
    expect(err.message).to.match(/^s\.json: \/expect\/0 counts 'lost' over group 'g'/);
  });
});

describe('load-test harness (npm run loadtest)', function () {
  this.timeout(40_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scs-harness-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ci-hostile: every expectation passes, hostile clients get their NAKs, the report embeds data and uPlot', async () => {
    const run = await loadtest(['--scenario', 'ci-hostile', '--out', dir]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const r = result(dir);
    expect(r.pass).to.equal(true);
    expect(r.expectations.length).to.be.greaterThan(5);
    expect(r.expectations.filter((c) => !c.pass)).to.deep.equal([]);
    const byName = new Map(r.groups.map((g) => [g.name, g]));
    expect(byName.get('good-frames')!.lost).to.equal(0);
    expect(byName.get('good-frames')!.records).to.be.greaterThan(0);
    expect(byName.get('garbage')!.naks.MALFORMED).to.be.greaterThan(0);
    expect(byName.get('wrong-token')!.naks.AUTH_FAILED).to.be.greaterThan(0);
    expect(byName.get('silent')!.admitted).to.equal(0);
    expect(r.timeline.t.length).to.be.at.least(3);
    expect(run.stdout).to.match(/^PASS {2}heartbeat spacing/m);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).to.include('id="scs-loadtest-data"');
    expect(html).to.include('"scenario":"ci-hostile"');
    expect(html).to.include('uPlot.paths.bars');
    // The library itself is inlined (no <script src>), so the file opens with no server.
    expect(html).to.match(/var uPlot=function\(\)|uPlot=/);
    expect(html).not.to.match(/<script[^>]+src=/);
  });

  it('ci-connect-storm: exact AGENCY_FULL count under a simultaneous storm', async () => {
    const run = await loadtest(['--scenario', 'ci-connect-storm', '--out', dir]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const r = result(dir);
    expect(r.pass).to.equal(true);
    const storm = r.groups.find((g) => g.name === 'storm')!;
    expect(storm.admitted).to.equal(30);
    expect(storm.naks.AGENCY_FULL).to.equal(10);
    expect(r.agencies.alpha!.naks.AGENCY_FULL).to.equal(10);
  });

  it('a failing expectation prints FAIL and exits non-zero', async () => {
    const file = join(dir, 'impossible.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'impossible',
        description: 'two clients, one expected to be admitted 99 times',
        durationSec: 3,
        procs: 1,
        server: { frameRateHz: 10, agencies: { alpha: { token: 'alpha-load-token', maxConnections: 5 } } },
        groups: [{ kind: 'subscribe', name: 'two', agency: 'alpha', stream: 'frames', count: 2 }],
        expect: [
          { check: 'count', metric: 'admitted', equals: 2 },
          { check: 'count', metric: 'admitted', equals: 99 },
        ],
      }),
    );
    const run = await loadtest(['--scenario', file, '--out', dir]);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/^PASS {2}admitted over all groups = 2: 2$/m);
    expect(run.stdout).to.match(/^FAIL {2}admitted over all groups = 99: 2$/m);
    expect(result(dir).pass).to.equal(false);
  });

  it('--target loads a server it did not start, from the processes --procs asks for', async () => {
    const scenario = {
      name: 'targeted',
      description: 'three subscribers against a running server',
      durationSec: 2,
      procs: 1,
      server: { frameRateHz: 20, agencies: { alpha: { token: 'alpha-load-token', maxConnections: 5 } } },
      groups: [{ kind: 'subscribe', name: 'three', agency: 'alpha', stream: 'frames', count: 3 }],
      expect: [
        { check: 'count', metric: 'admitted', equals: 3 },
        { check: 'count', metric: 'records', min: 1 },
      ],
    };
    const file = join(dir, 'targeted.json');
    writeFileSync(file, JSON.stringify(scenario));
    const stateDir = join(dir, 'state');
    const server = await startServer({
      config: serverConfig(parseScenario(file, JSON.stringify(scenario)), stateDir, 3),
      logger: silentLogger(),
    });
    try {
      const target = `127.0.0.1:${server.port}`;
      const run = await loadtest(['--scenario', file, '--target', target, '--procs', '2', '--out', dir]);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(run.stderr).to.include(`server ${target}`);
      const r = result(dir);
      expect(r).to.include({ target, procs: 2, serverSetup: null });
      expect(r.cpu.serverPct).to.equal(null);
      // The shares of the 2 processes add up to the group.
      expect(r.groups[0]).to.include({ connects: 3, admitted: 3 });
      expect(r.totals.admitted).to.equal(3);
    } finally {
      await server.close();
    }
  });

  it('--target with nothing listening: one line "cannot connect", exit 2, nothing started', async () => {
    const port = await freePort();
    const run = await loadtest(['--scenario', 'ci-hostile', '--target', `127.0.0.1:${port}`, '--out', dir]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(
      `loadtest: cannot connect to 127.0.0.1:${port}: ECONNREFUSED (ERR_HARNESS_CONNECT)\n`,
    );
    expect(run.stdout).to.equal('');
  });

  it('a refused connect is never counted as a connect, only as an end by error', async () => {
    const share: GroupShare = {
      name: 'g',
      kind: 'subscribe',
      count: 1,
      perSec: 0,
      startSec: 0,
      agency: 'alpha',
      token: 't',
      stream: 'frames',
      holdMs: 0,
      lookbackSec: 0,
      realtime: true,
      lossMeasurable: true,
    };
    const group = new GroupState(share, '127.0.0.1', await freePort(), newHistogram());
    await new Promise<void>((resolve) => new HarnessSession(group, () => resolve()));
    expect(group.counters.connects).to.equal(0);
    expect(group.ended).to.deep.equal({ 'error ECONNREFUSED': 1 });
  });

  it('the report colours NAKs apart from admissions (two series, red and green)', async () => {
    // The report is written whether the expectations pass or not: only the chart is checked here.
    const run = await loadtest(['--scenario', 'ci-connect-storm', '--out', dir]);
    expect(run.code, run.stdout + run.stderr).to.be.oneOf([0, 1]);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).to.include("label: 'admitted (ACK)', fill: colors[2]");
    expect(html).to.include("label: 'refused (NAK)', fill: colors[1]");
    expect(html).to.include("'\\nNAK ' + c");
  });

  it('an invalid scenario is refused before anything starts, naming the file and the field', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'broken',
        description: '',
        durationSec: 1,
        server: { frameRateHz: 10, agencies: { alpha: { token: 't', maxConnections: 5 } } },
        groups: [{ kind: 'subscribe', name: 'g', agency: 'alpha', stream: 'frames', count: 0 }],
        expect: [],
      }),
    );
    const run = await loadtest(['--scenario', file]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('broken.json: /groups/0/count must be >= 1');
    expect(run.stderr).to.include('ERR_HARNESS_SCENARIO');
  });
});
