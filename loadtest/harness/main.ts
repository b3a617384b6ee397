// The load-test harness (npm run loadtest -- --scenario NAME): starts the server (unless
// --target), spreads the scenario's client groups over client processes, shows progress,
// merges what they measured, checks the expectations, and writes result.json and a
// self-contained report.html. Exit code: 0 all expectations pass, 1 one fails, 2 the run
// could not be made (bad arguments or scenario, a child failed). Every child is stopped in
// `finally`, and every child also exits by itself when its lifetime runs out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { cpuSeconds, machineInfo } from '../machine.ts';
import { agencyAdmissions, mergeGroups, TimelineBuilder } from './aggregate.ts';
import { parseHarnessArgs, USAGE } from './args.ts';
import { Child, stopAll } from './child.ts';
import { checkExpectations } from './expect.ts';
import type { ClientProcOptions, GroupReport, ServerProcOptions } from './ipc.ts';
import { buckets, newHistogram, summarize } from './latency.ts';
import { loadScenario } from './load-scenario.ts';
import { probeTarget } from './probe.ts';
import { Progress } from './progress.ts';
import { renderReport } from './report-html.ts';
import type { RunResult } from './result.ts';
import { serverConfig } from './server-config.ts';
import { sharesFor, totalClients } from './shares.ts';

const SCENARIOS = new URL('../scenarios/', import.meta.url);
const READY_TIMEOUT_MS = 30_000;
/** After the run: time for the processes to close their sockets and report. */
const FINAL_GRACE_MS = 20_000;

async function run(argv: readonly string[]): Promise<number> {
  const args = parseHarnessArgs(argv);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const scenario = loadScenario(args.scenario, SCENARIOS);
  const durationSec = args.durationSec ?? scenario.durationSec;
  const procs = args.procs ?? scenario.procs ?? Math.min(2, os.availableParallelism());
  const lifetimeMs = (durationSec + 60) * 1000 + READY_TIMEOUT_MS;
  const startedAt = new Date();
  const outDir = resolve(
    args.out ?? `loadtest/results/${scenario.name}-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  );
  const machine = machineInfo();

  let server: Child | undefined;
  let stateDir: string | undefined;
  const clients: Child[] = [];
  const cleanUp = async (): Promise<void> => {
    await stopAll([...clients, server]);
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
  };
  // Ctrl-C skips `finally`: the children would exit by themselves, but the server's state
  // directory would stay behind.
  const interrupted = (): void => {
    process.stderr.write('\nloadtest: interrupted, stopping\n');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    let host: string;
    let port: number;
    if (args.target !== undefined) {
      ({ host, port } = args.target);
      await probeTarget(host, port);
    } else {
      stateDir = mkdtempSync(join(os.tmpdir(), 'scs-loadtest-'));
      const options: ServerProcOptions = {
        config: serverConfig(scenario, stateDir, totalClients(scenario)),
        lifetimeMs,
      };
      server = new Child('server', new URL('./server-proc.ts', import.meta.url), options);
      host = '127.0.0.1';
      ({ port } = await server.next('listening', READY_TIMEOUT_MS));
    }
    process.stderr.write(
      `loadtest ${scenario.name}: ${durationSec} s, ${procs} client process(es), server ${args.target ? `${host}:${port}` : `started on port ${port}`}\n`,
    );

    const timeline = new TimelineBuilder(procs);
    const progress = new Progress();
    for (let proc = 0; proc < procs; proc++) {
      const options: ClientProcOptions = {
        host,
        port,
        proc,
        durationSec,
        lifetimeMs,
        groups: sharesFor(scenario, proc, procs),
      };
      const child = new Child(`clients-${proc}`, new URL('./client-proc.ts', import.meta.url), options);
      child.onTick = (tick) => {
        timeline.add(tick);
        progress.update(timeline.latest.values(), durationSec);
      };
      clients.push(child);
    }
    await Promise.all(clients.map((c) => c.next('ready', READY_TIMEOUT_MS)));
    const cpuBefore = {
      server: server ? cpuSeconds(server.pid) : 0,
      clients: clients.map((c) => cpuSeconds(c.pid)),
    };
    const t0 = performance.now();
    for (const c of clients) c.send({ kind: 'go' });
    let finals: GroupReport[][];
    try {
      finals = (
        await Promise.all(clients.map((c) => c.next('final', durationSec * 1000 + FINAL_GRACE_MS)))
      ).map((m) => m.groups);
    } finally {
      progress.done();
    }
    const wallSec = (performance.now() - t0) / 1000;
    const cpu = {
      serverPct: server ? Math.round(((cpuSeconds(server.pid) - cpuBefore.server) / wallSec) * 100) : null,
      clientsPct: Math.round(
        (clients.reduce((n, c, i) => n + cpuSeconds(c.pid) - cpuBefore.clients[i]!, 0) / wallSec) * 100,
      ),
    };

    const groups = mergeGroups(scenario, finals);
    const all = newHistogram();
    for (const g of groups) all.add(g.latency);
    const checks = checkExpectations(scenario.expect, groups);
    const records = groups.reduce((n, g) => n + g.counters.records, 0);
    const bytes = groups.reduce((n, g) => n + g.counters.bytes, 0);
    const naks: Record<string, number> = {};
    for (const g of groups) for (const [c, n] of Object.entries(g.naks)) naks[c] = (naks[c] ?? 0) + n;
    const result: RunResult = {
      scenario: scenario.name,
      description: scenario.description,
      command: `npm run loadtest -- ${argv.join(' ')}`,
      startedAt: startedAt.toISOString(),
      target: args.target ? `${host}:${port}` : 'started by the harness',
      machine,
      procs,
      durationSec,
      serverSetup: args.target ? null : scenario.server,
      cpu,
      totals: {
        admitted: groups.reduce((n, g) => n + g.counters.admitted, 0),
        records,
        recordsPerSec: Math.round(records / durationSec),
        payloadMBps: Math.round(bytes / durationSec / 1e3) / 1e3,
        lost: groups.reduce((n, g) => n + g.counters.lost, 0),
        naks,
        latency: summarize(all),
      },
      groups: groups.map((g) => ({
        name: g.name,
        kind: g.kind,
        agency: g.agency ?? null,
        ...g.counters,
        naks: g.naks,
        byes: g.byes,
        ended: g.ended,
        latency: summarize(g.latency),
        heartbeatIntervals: g.heartbeatIntervalsMs.length,
      })),
      agencies: agencyAdmissions(groups),
      timeline: timeline.build(),
      latencyBuckets: buckets(all),
      expectations: checks,
      pass: checks.every((c) => c.pass),
    };

    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, 'report.html'), renderReport(result));
    const t = result.totals;
    process.stdout.write(
      `${scenario.name}: admitted ${t.admitted}, ${t.recordsPerSec} records/s, ${t.payloadMBps} MB/s, lost ${t.lost}, ` +
        `latency p50 ${t.latency.p50Ms} ms p99 ${t.latency.p99Ms} ms max ${t.latency.maxMs} ms, ` +
        `CPU server ${cpu.serverPct ?? '-'} % clients ${cpu.clientsPct} %\n`,
    );
    for (const c of checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'}  ${c.check}: ${c.observed}\n`);
    process.stdout.write(`result: ${join(outDir, 'result.json')}\nreport: ${join(outDir, 'report.html')}\n`);
    return result.pass ? 0 : 1;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  const code = err instanceof Error && 'code' in err ? ` (${String(err.code)})` : '';
  process.stderr.write(`loadtest: ${err instanceof Error ? err.message : String(err)}${code}\n`);
  process.exitCode = 2;
}
