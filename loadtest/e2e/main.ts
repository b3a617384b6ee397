// End-to-end benchmark (`npm run bench:e2e`): lossless capacity through a real link.
// publisher process → TCP → SCS (`scs serve`: tcp-server link → CCSDS chain → rings → actors)
// → N ICD client processes, and the same publisher and subscriber processes against nats-server,
// in the same run. For each system and N: a ladder of fixed frame rates, then bisection; a step
// passes when every one of the N sessions receives every frame, in order, with no disconnect,
// within --drain seconds of the last frame's due time, and the publisher kept its schedule.
// Then the saturation case: a flooding publisher, `complete` and `latest` SCS clients mixed.
// Prints a table and the SCS/NATS ratios, writes a JSON result with the load average.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../machine.ts';
import { parseE2eArgs, USAGE } from './args.ts';
import { runSystem, type StepResult, type SystemRun } from './runner.ts';
import { measureSessions } from './sessions.ts';

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

function stepLine(system: string, n: number, s: StepResult): string {
  const what = s.rate === 0 ? 'saturation' : `${fmt(s.rate)} frames/s`;
  const verdict = s.rate === 0 ? 'flood' : s.pass ? 'PASS' : 'FAIL';
  const cut = s.cuts[0];
  const cutText =
    cut === undefined
      ? ''
      : `; worst cut ${cut.reason} ${fmt(cut.behindRecords)} records (${cut.behindSec.toFixed(2)} s) behind${cut.bye && Object.keys(cut.bye).length > 0 ? ` ${JSON.stringify(cut.bye)}` : ''}`;
  return (
    `  ${system} N=${n} ${what}: ${verdict}${s.why ? ` (${s.why})` : ''}; delivered ${fmt(s.deliveredPerSec)}/s ` +
    `${s.deliveredMBps} MB/s; p50/p99 ${s.latencyMs.p50}/${s.latencyMs.p99} ms; ` +
    `CPU srv ${s.cpuPct.server}% pub ${s.cpuPct.publisher}% cli ${s.cpuPct.clients}%${cutText}; load ${s.loadAverage[0]}`
  );
}

function table(runs: SystemRun[]): string[] {
  const out = [
    '| system | N | max lossless frames/s | delivered MB/s | p50 ms | p99 ms | CPU server % | CPU publisher % | CPU clients % (per process) | load |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of runs) {
    const m = r.atMax;
    out.push(
      m === null
        ? `| ${r.system} | ${r.n} | none${r.error ? ` (${r.error})` : ''} | | | | | | | |`
        : `| ${r.system} | ${r.n} | ${fmt(r.maxLosslessRate)} | ${m.deliveredMBps} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.cpuPct.server} | ${m.cpuPct.publisher} | ${m.cpuPct.clients} (${m.cpuPct.perClient}) | ${m.loadAverage[0]} |`,
    );
  }
  return out;
}

function saturationTable(runs: SystemRun[]): string[] {
  const out = [
    '| system | N | published frames/s | class | sessions | delivered records/s | MB/s | skipped | cut | CPU server % | load |',
    '|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of runs) {
    const s = r.saturation;
    if (s === null) continue;
    for (const [name, c] of Object.entries(s.classes)) {
      out.push(
        `| ${r.system} | ${r.n} | ${fmt(s.sent / s.publisherWallSec)} | ${name} | ${c.sessions} | ${fmt(c.records / s.publisherWallSec)} | ${(c.payloadBytes / s.publisherWallSec / 1e6).toFixed(1)} | ${fmt(c.skipped)} | ${c.cut} | ${s.cpuPct.server} | ${s.loadAverage[0]} |`,
      );
    }
  }
  return out;
}

export interface Ratio {
  n: number;
  scs: number;
  nats: number;
  ratio: number;
}

function ratios(runs: SystemRun[]): Ratio[] {
  const out: Ratio[] = [];
  for (const scs of runs.filter((r) => r.system === 'scs')) {
    const nats = runs.find((r) => r.system === 'nats' && r.n === scs.n);
    if (nats === undefined) continue;
    out.push({
      n: scs.n,
      scs: scs.maxLosslessRate,
      nats: nats.maxLosslessRate,
      ratio: nats.maxLosslessRate > 0 ? scs.maxLosslessRate / nats.maxLosslessRate : Number.NaN,
    });
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseE2eArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const machine = machineInfo();
  const startedAt = new Date();
  process.stdout.write(
    `end-to-end benchmark: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage.join(' ')}\n` +
      `  ladder ${args.rates.join(', ')} frames/s of ${args.frameLength} bytes, ${args.stepSec} s a step, drain ${args.drainSec} s, bisect ${args.bisect}\n`,
  );
  if (args.sessions) {
    const f = await measureSessions(1000, 10_000, args.frameLength);
    const load = os.loadavg().map((l) => Math.round(l * 100) / 100);
    process.stdout.write(
      `1000 handshakes (connect → ACK, 64 at a time): ${f.handshakeSec.toFixed(3)} s\n` +
        `10,000 idle sessions: server RSS ${f.rssBeforeMiB.toFixed(1)} → ${f.rssWithMiB.toFixed(1)} MiB, ` +
        `${f.perSessionKB.toFixed(1)} KB per session; load ${load.join(' ')}\n`,
    );
    return 0;
  }
  const runs: SystemRun[] = [];
  for (const n of args.n) {
    for (const system of args.systems) {
      const run = await runSystem(system, n, args, (s) =>
        process.stdout.write(`${stepLine(system, n, s)}\n`),
      );
      if (run.error) process.stdout.write(`  ${system} N=${n}: ERROR ${run.error}\n`);
      runs.push(run);
    }
  }
  const ratioList = ratios(runs);
  const out = [
    '',
    'Lossless capacity (every frame to every `complete` session, no disconnect):',
    ...table(runs),
  ];
  out.push(
    '',
    'Saturation (flooding publisher; SCS: odd sessions `latest`, even `complete`):',
    ...saturationTable(runs),
  );
  out.push('');
  for (const r of ratioList)
    out.push(
      `SCS/NATS lossless capacity N=${r.n}: ${r.ratio.toFixed(2)} (${fmt(r.scs)} / ${fmt(r.nats)} frames/s)`,
    );
  const loadAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  out.push(`load average at start ${machine.loadAverage.join(' ')}, at end ${loadAtEnd.join(' ')}`);

  const here = path.dirname(fileURLToPath(import.meta.url));
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = args.out ?? path.join(here, '..', 'results', `e2e-${stamp}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: 'e2e',
        startedAt: startedAt.toISOString(),
        command: [
          'npm run bench:e2e',
          ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
        ].join(' '),
        machine,
        loadAverageAtEnd: loadAtEnd,
        args,
        runs,
        ratios: ratioList,
      },
      null,
      2,
    )}\n`,
  );
  out.push(`result: ${path.relative(process.cwd(), file)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return runs.some((r) => r.error) ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
try {
  process.exitCode = await main();
} catch (err) {
  const code = typeof err === 'object' && err !== null && 'code' in err ? ` ${String(err.code)}` : '';
  process.stderr.write(`bench:e2e:${code} ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
