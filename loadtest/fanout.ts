// Fan-out benchmark (`npm run bench:fanout`): SCS with a test source and N clients in
// separate processes, frames of --frame-length bytes; (a) at --rate-hz with N = 10, 100, 1000,
// (b) saturated with N = 1, 10, 100 next to a NATS baseline on the same machine. Prints a
// table, the SCS/NATS ratios and the verdicts on the targets; writes a JSON result.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchArgs, parseBenchArgs, USAGE } from './args.ts';
import { machineInfo } from './machine.ts';
import {
  type Failure,
  formatMachine,
  formatNotes,
  formatTable,
  ratios,
  verdicts,
  writeResult,
} from './report.ts';
import { type Measurement, type RunSettings, runNats, runScs, type ScenarioId } from './scenarios.ts';

interface Job {
  system: 'scs' | 'nats';
  scenario: ScenarioId;
  n: number;
  durationSec: number;
}

function jobs(args: BenchArgs): Job[] {
  const list: Job[] = [];
  if (args.scenarios.a)
    for (const n of args.nA) list.push({ system: 'scs', scenario: 'a', n, durationSec: args.durationA });
  for (const n of args.nB) {
    if (args.scenarios.b) list.push({ system: 'scs', scenario: 'b', n, durationSec: args.durationB });
    if (args.scenarios.nats) list.push({ system: 'nats', scenario: 'b', n, durationSec: args.durationB });
  }
  return list;
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const settings: RunSettings = {
    warmupSec: args.warmupSec,
    procs: args.procs,
    crcEvery: args.crcEvery,
    actors: args.actors,
    batch: args.batch,
    rateHz: args.rateHz,
    frameLength: args.frameLength,
    natsWindow: args.natsWindow,
  };
  const machine = machineInfo();
  const startedAt = new Date();
  process.stdout.write(`fan-out benchmark on ${formatMachine(machine)}\n`);

  const rows: Measurement[] = [];
  const failures: Failure[] = [];
  for (const job of jobs(args)) {
    const label = `${job.system} ${job.scenario} N=${job.n}`;
    process.stdout.write(`  ${label}: ${job.durationSec} s … `);
    try {
      const m =
        job.system === 'scs'
          ? await runScs(job.scenario, job.n, job.durationSec, settings)
          : await runNats(job.n, job.durationSec, settings);
      rows.push(m);
      process.stdout.write(`${Math.round(m.recordsPerSec).toLocaleString('en-US')} records/s\n`);
    } catch (err) {
      const code =
        typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'ERR_UNKNOWN';
      const message = err instanceof Error ? err.message : String(err);
      failures.push({ system: job.system, scenario: job.scenario, n: job.n, code, message });
      process.stdout.write(`FAILED ${code}: ${message}\n`);
    }
  }

  const ratioList = ratios(rows);
  const verdictList = verdicts(rows, ratioList);
  const out = [`\n${formatTable(rows)}`];
  for (const note of formatNotes(rows)) out.push(`  note: ${note}`);
  out.push(
    '\nMB/s = record payload (frame data / NATS message), 10^6 bytes; latency from acquisition (ert) or publish time.',
  );
  for (const r of ratioList) {
    out.push(
      `SCS/NATS saturation N=${r.n}: ${r.ratio.toFixed(2)} (${Math.round(r.scsRecordsPerSec)} / ${Math.round(r.natsMessagesPerSec)} records/s)`,
    );
  }
  for (const v of verdictList) out.push(`target ${v.target}: ${v.status}${v.detail ? ` (${v.detail})` : ''}`);

  const here = path.dirname(fileURLToPath(import.meta.url));
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = args.out ?? path.join(here, 'results', `fanout-${stamp}.json`);
  writeResult(file, {
    benchmark: 'fanout',
    startedAt: startedAt.toISOString(),
    command: [
      'npm run bench:fanout',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine,
    loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
    settings,
    measurements: rows,
    ratios: ratioList,
    verdicts: verdictList,
    failures,
  });
  out.push(`result: ${path.relative(process.cwd(), file)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  const code = typeof err === 'object' && err !== null && 'code' in err ? ` ${String(err.code)}` : '';
  process.stderr.write(`bench:fanout:${code} ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
