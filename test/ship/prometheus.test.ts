// deploy/prometheus and deploy/grafana against the real tools and a real server: promtool checks
// and unit-tests the alert rules, and Debian's Prometheus, started here, scrapes a running SCS
// (simulator and archive on) and holds every series the rules and the dashboard use.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ScsServer } from '../../src/server/server.ts';
import { version } from '../../src/version.ts';
import { freePort } from '../support/ports.ts';
import { runProcess } from '../support/process.ts';
import { startConfiguredServer } from '../support/server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'scs-alerts.yml');
const RULE_TESTS = join(ROOT, 'deploy', 'prometheus', 'scs-alerts.test.yml');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'scs-dashboard.json');

/** Metric names in PromQL text: scs_*, process_* (up is Prometheus' own). */
function metricNames(exprs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const e of exprs) for (const m of e.matchAll(/\b((?:scs|process)_[a-z0-9_]+)\b/g)) names.add(m[1]!);
  return names;
}

function ruleExprs(): string[] {
  return [...readFileSync(RULES, 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
}

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('Prometheus rules and dashboard (deploy/)', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(600_000);
    // Debian's prometheus package brings promtool too; installed once, when missing.
    const r = await runProcess('bash', [join(ROOT, 'scripts', 'ensure-debian.sh'), 'prometheus']);
    if (r.code !== 0) throw new Error(`scripts/ensure-debian.sh prometheus failed: ${r.stderr}`);
  });

  it('promtool check rules accepts the alert rules', async () => {
    const r = await runProcess('promtool', ['check', 'rules', RULES]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/SUCCESS: 11 rules found/);
  });

  it('promtool test rules: each alert fires on its condition and stays quiet on a healthy server', async () => {
    const r = await runProcess('promtool', ['test', 'rules', RULE_TESTS]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('SUCCESS');
    // Every alert of the rules file is exercised by the tests.
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    const tested = readFileSync(RULE_TESTS, 'utf8');
    for (const a of alerts) expect(tested, a).to.match(new RegExp(`alertname: ${a}\\b`));
  });

  it('the dashboard is Grafana JSON whose every panel queries Prometheus', () => {
    const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string; title: string };
    expect(d.uid).to.equal('scs-overview');
    const graphs = d.panels.filter((p) => p.type !== 'row');
    expect(graphs.length).to.be.greaterThan(20);
    for (const p of graphs) expect(p.targets?.length, p.title).to.be.greaterThan(0);
    const titles = d.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(titles).to.deep.equal(['Links and virtual channels', 'Sessions per agency', 'Archive', 'Process']);
  });

  describe('a real Prometheus scraping a running SCS', () => {
    let server: ScsServer | undefined;
    let prometheus: ReturnType<typeof spawn> | undefined;
    let base = '';
    const work = mkdtempSync(join(tmpdir(), 'scs-prometheus-'));

    before(async function () {
      this.timeout(60_000);
      server = await startConfiguredServer({ simulator: { enabled: true }, archive: { enabled: true } });
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const config = join(work, 'prometheus.yml');
      writeFileSync(
        config,
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          `rule_files: ['${RULES}']`,
          'scrape_configs:',
          '  - job_name: scs',
          `    static_configs: [{ targets: ['127.0.0.1:${server.httpPort}'] }]`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(work, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      );
    });

    after(async () => {
      prometheus?.kill('SIGTERM');
      await server?.close();
      rmSync(work, { recursive: true, force: true });
    });

    const query = async (q: string) => {
      const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await r.json()) as { data: { result: { metric: Record<string, string> }[] } };
      return body.data.result;
    };

    it('scrapes the target (up == 1) and stores scs_build_info with this version', async () => {
      const info = await until('scs_build_info in Prometheus', 30_000, async () => {
        const r = await query('scs_build_info');
        return r.length > 0 ? r : undefined;
      });
      expect(info[0]!.metric).to.include({ job: 'scs', version: version(), node: process.versions.node });
      const up = await query('up{job="scs"}');
      expect(up).to.have.length(1);
    });

    it('holds every series the alert rules and the dashboard use', async () => {
      const wanted = metricNames([...ruleExprs(), ...dashboardExprs()]);
      expect(wanted.size).to.be.greaterThan(30);
      const missing = async () => {
        const r = await fetch(`${base}/api/v1/label/__name__/values`);
        const have = new Set(((await r.json()) as { data: string[] }).data);
        return [...wanted].filter((n) => !have.has(n));
      };
      // The simulator's link comes up, a VC rate appears and the archive commits within seconds.
      await until('every metric name', 30_000, async () =>
        (await missing()).length === 0 ? true : undefined,
      ).catch(() => undefined);
      expect(await missing()).to.deep.equal([]);
      const link = await query('scs_link_up{link="simulator"}');
      expect(link.map((s) => s.metric.station)).to.deep.equal(['SIM']);
    });

    it('/healthz says the version, the uptime, each link and the archive state', async () => {
      const r = await fetch(`http://127.0.0.1:${server!.httpPort}/healthz`);
      expect(r.status).to.equal(200);
      const { detail } = (await r.json()) as { detail: Record<string, unknown> };
      expect(detail).to.include({ version: version(), archive: true, archiveState: 'recording' });
      expect(detail.uptimeSeconds).to.be.a('number');
      expect(detail.links).to.deep.equal([{ id: 'simulator', station: 'SIM', up: true, syncLocked: true }]);
    });

    it('loads the alert rules with every one healthy (its query evaluates)', async () => {
      const groups = await until('the rule group evaluated', 30_000, async () => {
        const r = await fetch(`${base}/api/v1/rules`);
        const body = (await r.json()) as {
          data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
        };
        const g = body.data.groups.find((x) => x.name === 'scs');
        return g?.rules.every((x) => x.health === 'ok') ? g : undefined;
      });
      expect(groups.rules).to.have.length(11);
    });
  });
});
