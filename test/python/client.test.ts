// The Python client's pytest suite (clients/python/tests) as part of `npm test`: pytest runs once
// while this file loads (its servers are real ones, started by test/support/py-server.ts on this
// Node), and each of its tests becomes one mocha test here, so the closing "N passed, N failed"
// line of the run counts them. Debian's python3-pytest (and the optional python3-msgpack and
// python3-pandas) come from scripts/python-deps.sh, which `npm test` runs first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.SCS_PYTHON ?? '/usr/bin/python3';
const PACKAGE = fileURLToPath(new URL('../../clients/python', import.meta.url));
/** The whole pytest run; past this it is stopped and reported as one failure. */
const RUN_LIMIT_MS = 12 * 60_000;

interface Phase {
  nodeid: string;
  when: 'setup' | 'call' | 'teardown';
  outcome: 'passed' | 'failed' | 'skipped';
  duration: number;
  message?: string;
}

interface Outcome {
  failed: string[];
  skipped?: string;
  ms: number;
}

interface Run {
  tests: Map<string, Outcome>;
  /** Why the run itself failed (no pytest, a crash, the time limit), if it did. */
  error?: string;
  summary: string;
}

function runPytest(): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'scs-pytest-'));
  const report = join(dir, 'report.jsonl');
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
      cwd: PACKAGE,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SCS_NODE: process.execPath,
        SCS_PYTEST_REPORT: report,
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    const finish = (code: number | null, error?: string) => {
      clearTimeout(timer);
      const tests = new Map<string, Outcome>();
      const lines = existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean) : [];
      for (const line of lines) {
        const p = JSON.parse(line) as Phase;
        const t = tests.get(p.nodeid) ?? { failed: [], ms: 0 };
        t.ms += p.duration * 1000;
        if (p.outcome === 'failed') t.failed.push(`${p.when}: ${p.message ?? ''}`);
        if (p.outcome === 'skipped') t.skipped = p.message ?? 'skipped';
        tests.set(p.nodeid, t);
      }
      rmSync(dir, { recursive: true, force: true });
      const summary = out.trimEnd().split('\n').at(-1) ?? '';
      // Exit 0: all passed; 1: some failed (each one reported below). Anything else is the run's own failure.
      const broken =
        error ?? (code === 0 || code === 1 ? undefined : `pytest exited with ${code}:\n${out.slice(-4000)}`);
      resolve({ tests, summary, ...(broken === undefined ? {} : { error: broken }) });
    };
    child.once('error', (err) => finish(null, `${PYTHON} could not be started: ${err.message}`));
    child.once('close', (code) => finish(code));
  });
}

const started = Date.now();
const run = await runPytest();
process.stderr.write(
  `pytest (clients/python): ${run.summary} [${((Date.now() - started) / 1000).toFixed(0)} s]\n`,
);

describe('Python client (clients/python, pytest against real servers)', () => {
  if (run.error !== undefined || run.tests.size === 0) {
    it('the pytest suite runs (python3-pytest from scripts/python-deps.sh)', () => {
      throw new Error(run.error ?? `pytest reported no tests: ${run.summary}`);
    });
  }
  for (const [nodeid, t] of run.tests) {
    const title = nodeid.replace(/^tests\//, '');
    if (t.failed.length === 0 && t.skipped !== undefined) {
      it.skip(`${title} (${t.skipped})`);
      continue;
    }
    it(title, () => {
      if (t.failed.length > 0) throw new Error(t.failed.join('\n'));
    });
  }
});
