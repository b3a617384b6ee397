// One measured scenario: the server (SCS in bench-server.ts, or nats-server with its
// publisher) and N clients spread over reader processes, a warm-up, then a fixed window in
// which every reader counts what it receives. Every child is stopped in `finally`.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchServerOptions } from './bench-server.ts';
import { Child, stopAll } from './children.ts';
import { BenchError, BenchErrorCode } from './errors.ts';
import type { FanoutClientOptions } from './fanout-client.ts';
import { LogHistogram } from './histogram.ts';
import type { ReaderReport } from './ipc.ts';
import { cpuSeconds } from './machine.ts';
import { startNatsBroker } from './nats-broker.ts';
import type { NatsPubOptions } from './nats-pub.ts';
import type { NatsSubOptions } from './nats-sub.ts';

export interface RunSettings {
  warmupSec: number;
  procs: number | undefined;
  crcEvery: number;
  actors: number;
  batch: number | undefined;
  rateHz: number;
  frameLength: number;
  natsWindow: number;
}

export type ScenarioId = 'a' | 'b';

export interface Measurement {
  system: 'scs' | 'nats';
  scenario: ScenarioId;
  n: number;
  procs: number;
  admitted: number;
  refused: Record<string, number>;
  windowSec: number;
  recordsPerSec: number;
  payloadMBps: number;
  wireMBps: number;
  latencyMs: { p50: number; p99: number; max: number };
  lost: number;
  skipped: number;
  disorder: number;
  crcChecked: number;
  crcErrors: number;
  malformed: number;
  messageGaps: number;
  /** Sessions still receiving at the end of the window. */
  open: number;
  ended: Record<string, number>;
  /** CPU use in the window, % of one core, per role. */
  cpuPct: Record<string, number>;
}

const BENCH_AGENCY = 'bench';
const BENCH_TOKEN = 'bench-fanout-token';
const ADMIT_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 10_000;
const NATS_SUBJECT = 'bench.frames';
const NATS_ACK_SUBJECT = 'bench.ack';

const script = (name: string) => new URL(`./${name}`, import.meta.url);

function split(n: number, procs: number): number[] {
  return Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
}

function procsFor(n: number, s: RunSettings): number {
  return Math.min(n, s.procs ?? (n >= 10 ? 2 : 1));
}

function lifetimeMs(durationSec: number, s: RunSettings): number {
  return ADMIT_TIMEOUT_MS + (s.warmupSec + durationSec) * 1000 + 60_000;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Waits for every reader's `ready`; returns the admitted count and the refusals by reason. */
async function awaitReady(
  readers: readonly Child[],
): Promise<{ admitted: number; refused: Record<string, number> }> {
  const ready = await Promise.all(readers.map((r) => r.next('ready', ADMIT_TIMEOUT_MS + 10_000)));
  const refused: Record<string, number> = {};
  for (const r of ready) addCounts(refused, r.refused);
  return { admitted: ready.reduce((sum, r) => sum + r.admitted, 0), refused };
}

/** Warm-up, then the window: CPU sampled at both ends, every reader's report collected. */
async function measureWindow(
  readers: readonly Child[],
  roles: Record<string, readonly number[]>,
  durationSec: number,
  s: RunSettings,
): Promise<{ reports: ReaderReport[]; cpuPct: Record<string, number> }> {
  await sleep(s.warmupSec * 1000);
  const cpu = () => Object.fromEntries(Object.entries(roles).map(([k, pids]) => [k, sumCpu(pids)]));
  const started = readers.map((r) => r.next('started', REPORT_TIMEOUT_MS));
  const cpu0 = cpu();
  const t0 = performance.now();
  for (const r of readers) r.send({ kind: 'start' });
  await Promise.all(started);
  await sleep(durationSec * 1000);
  const pending = readers.map((r) => r.next('report', REPORT_TIMEOUT_MS));
  for (const r of readers) r.send({ kind: 'snapshot' });
  const reports = (await Promise.all(pending)).map((m) => m.report);
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpu();
  const cpuPct = Object.fromEntries(Object.keys(roles).map((k) => [k, (100 * (cpu1[k]! - cpu0[k]!)) / wall]));
  return { reports, cpuPct };
}

function sumCpu(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

function aggregate(reports: readonly ReaderReport[]) {
  const latency = new LogHistogram();
  const ended: Record<string, number> = {};
  let recordsPerSec = 0;
  let payloadPerSec = 0;
  let wirePerSec = 0;
  const sum = {
    lost: 0,
    skipped: 0,
    disorder: 0,
    crcChecked: 0,
    crcErrors: 0,
    malformed: 0,
    messageGaps: 0,
    open: 0,
  };
  for (const r of reports) {
    latency.addPairs(r.latency);
    addCounts(ended, r.ended);
    recordsPerSec += r.records / r.windowSec;
    payloadPerSec += r.payloadBytes / r.windowSec;
    wirePerSec += r.wireBytes / r.windowSec;
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r[k];
  }
  return {
    windowSec: Math.max(...reports.map((r) => r.windowSec)),
    recordsPerSec,
    payloadMBps: payloadPerSec / 1e6,
    wireMBps: wirePerSec / 1e6,
    latencyMs: {
      p50: latency.percentile(50) / 1000,
      p99: latency.percentile(99) / 1000,
      max: latency.max / 1000,
    },
    ended,
    ...sum,
  };
}

/** SCS: scenario a at `rateHz` with delivery 'complete', b saturated with delivery 'latest'. */
export async function runScs(
  scenario: ScenarioId,
  n: number,
  durationSec: number,
  s: RunSettings,
): Promise<Measurement> {
  const lifetime = lifetimeMs(durationSec, s);
  const children: Child[] = [];
  try {
    const serverOptions: BenchServerOptions = {
      mode: scenario === 'a' ? 'rate' : 'saturate',
      rateHz: s.rateHz,
      frameLength: s.frameLength,
      ...(s.batch === undefined ? {} : { batch: s.batch }),
      actors: s.actors,
      agency: BENCH_AGENCY,
      token: BENCH_TOKEN,
      maxConnections: n,
      lifetimeMs: lifetime,
    };
    const server = new Child('bench-server', script('bench-server.ts'), serverOptions);
    children.push(server);
    const { port } = await server.next('listening', 30_000);
    const counts = split(n, procsFor(n, s));
    let first = 0;
    const readers = counts.map((count, i) => {
      const options: FanoutClientOptions = {
        host: '127.0.0.1',
        port,
        count,
        name: `bench-${scenario}${n}-p${i}`,
        firstIndex: first,
        agency: BENCH_AGENCY,
        token: BENCH_TOKEN,
        delivery: scenario === 'a' ? 'complete' : 'latest',
        crcEvery: s.crcEvery,
        connectConcurrency: 64,
        admitTimeoutMs: ADMIT_TIMEOUT_MS,
        lifetimeMs: lifetime,
      };
      first += count;
      return new Child(`fanout-client ${i}`, script('fanout-client.ts'), options);
    });
    children.push(...readers);
    const { admitted, refused } = await awaitReady(readers);
    if (admitted === 0)
      throw new BenchError(
        BenchErrorCode.ERR_BENCH_ADMISSION,
        `no client admitted: ${JSON.stringify(refused)}`,
      );
    const roles = { server: [server.pid], clients: readers.map((r) => r.pid) };
    const { reports, cpuPct } = await measureWindow(readers, roles, durationSec, s);
    return {
      system: 'scs',
      scenario,
      n,
      procs: readers.length,
      admitted,
      refused,
      ...aggregate(reports),
      cpuPct,
    };
  } finally {
    // Clients first, so the server's shutdown does not wait on live sessions.
    await stopAll(children.slice(1));
    await stopAll(children.slice(0, 1));
  }
}

/** NATS baseline of scenario b: nats-server, one publisher as fast as the subscribers take, n subscribers. */
export async function runNats(n: number, durationSec: number, s: RunSettings): Promise<Measurement> {
  const lifetime = lifetimeMs(durationSec, s);
  const broker = await startNatsBroker();
  const children: Child[] = [];
  try {
    const counts = split(n, procsFor(n, s));
    let first = 0;
    const readers = counts.map((count, i) => {
      const options: NatsSubOptions = {
        port: broker.port,
        count,
        firstId: first,
        subject: NATS_SUBJECT,
        ackSubject: NATS_ACK_SUBJECT,
        ackEvery: Math.max(1, Math.floor(s.natsWindow / 8)),
        readyTimeoutMs: ADMIT_TIMEOUT_MS,
        lifetimeMs: lifetime,
      };
      first += count;
      return new Child(`nats-sub ${i}`, script('nats-sub.ts'), options);
    });
    children.push(...readers);
    const { admitted, refused } = await awaitReady(readers);
    if (admitted < n)
      throw new BenchError(
        BenchErrorCode.ERR_BENCH_ADMISSION,
        `NATS subscribers not ready: ${JSON.stringify(refused)}`,
      );
    const pubOptions: NatsPubOptions = {
      port: broker.port,
      subject: NATS_SUBJECT,
      ackSubject: NATS_ACK_SUBJECT,
      subscribers: n,
      messageBytes: s.frameLength,
      window: s.natsWindow,
      batch: 256,
      lifetimeMs: lifetime,
    };
    const publisher = new Child('nats-pub', script('nats-pub.ts'), pubOptions);
    children.push(publisher);
    await publisher.next('ready', 10_000);
    publisher.send({ kind: 'go' });
    const roles = { server: [broker.pid], clients: readers.map((r) => r.pid), publisher: [publisher.pid] };
    const { reports, cpuPct } = await measureWindow(readers, roles, durationSec, s);
    return {
      system: 'nats',
      scenario: 'b',
      n,
      procs: readers.length,
      admitted,
      refused,
      ...aggregate(reports),
      cpuPct,
    };
  } finally {
    await stopAll(children);
    await broker.stop();
  }
}
