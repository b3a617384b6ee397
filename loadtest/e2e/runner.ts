// One system and one N: the server, the publisher and the client processes started once; then
// the fixed-rate ladder (each step: open N sessions, send `rate` frames/s for the step, wait
// for every session to have every frame, close the sessions), the bisection between the last
// passing and the first failing rate, and the saturation case (flooding publisher).
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogHistogram } from '../histogram.ts';
import { cpuSeconds } from '../machine.ts';
import type { E2eArgs } from './args.ts';
import type { ClientOptions } from './client.ts';
import {
  type ClassFigures,
  type ClientIn,
  type CutInfo,
  E2eChild,
  type PublisherIn,
  type StepReport,
  stopAll,
} from './messages.ts';
import type { PublisherOptions } from './publisher.ts';
import { type SystemUnderTest, scrapeCounter, startNats, startScs } from './systems.ts';

export const AGENCY = 'bench';
const TOKEN = 'bench-e2e-token';
const SUBJECT = 'bench.frames';
const script = (name: string) => new URL(`./${name}`, import.meta.url);

export interface StepResult {
  rate: number;
  pass: boolean;
  /** Why it failed (first reason). */
  why: string;
  expected: number;
  sent: number;
  publisherWallSec: number;
  publisherMaxBehind: number;
  sessions: number;
  complete: number;
  minRecords: number;
  lost: number;
  skipped: number;
  ended: Record<string, number>;
  cuts: CutInfo[];
  classes: Record<string, ClassFigures>;
  /** Frames per second delivered to all sessions together / payload MB/s (10^6 bytes). */
  deliveredPerSec: number;
  deliveredMBps: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU in the step, % of one core: server, publisher, all clients, and per client process. */
  cpuPct: { server: number; publisher: number; clients: number; perClient: number };
  /** SCS: BYE SLOW_CONSUMER counted by the server in the step. */
  serverSlowConsumerCloses?: number;
  loadAverage: number[];
}

export interface SystemRun {
  system: 'scs' | 'nats';
  n: number;
  procs: number;
  steps: StepResult[];
  maxLosslessRate: number;
  atMax: StepResult | null;
  saturation: StepResult | null;
  error?: string;
}

function split(n: number, procs: number): number[] {
  return Array.from({ length: procs }, (_, i) => Math.floor(n / procs) + (i < n % procs ? 1 : 0));
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

class Rig {
  readonly sut: SystemUnderTest;
  readonly publisher: E2eChild<PublisherIn>;
  readonly clients: E2eChild<ClientIn>[];

  private constructor(sut: SystemUnderTest, publisher: E2eChild<PublisherIn>, clients: E2eChild<ClientIn>[]) {
    this.sut = sut;
    this.publisher = publisher;
    this.clients = clients;
  }

  static async start(system: 'scs' | 'nats', n: number, args: E2eArgs, lifetimeMs: number): Promise<Rig> {
    const sut =
      system === 'scs'
        ? await startScs({
            agency: AGENCY,
            token: TOKEN,
            maxConnections: n,
            frameLength: args.frameLength,
            actors: args.actors,
            ringSlots: args.ringSlots,
            ...(args.session ? { session: args.session } : {}),
            ...(args.cpuProf ? { cpuProfDir: args.cpuProf } : {}),
          })
        : await startNats();
    const children: E2eChild<never>[] = [];
    try {
      const pubOptions: PublisherOptions = {
        system,
        port: sut.publishPort,
        frameLength: args.frameLength,
        subject: SUBJECT,
        lifetimeMs,
      };
      const publisher = new E2eChild<PublisherIn>('publisher', script('publisher.ts'), pubOptions);
      children.push(publisher as E2eChild<never>);
      let first = 0;
      const clients = split(n, Math.min(n, args.procs)).map((count, i) => {
        const o: ClientOptions = {
          system,
          port: sut.clientPort,
          count,
          name: `e2e-${system}-n${n}`,
          firstIndex: first,
          agency: AGENCY,
          token: TOKEN,
          subject: SUBJECT,
          lifetimeMs,
        };
        first += count;
        return new E2eChild<ClientIn>(`client ${i}`, script('client.ts'), o);
      });
      children.push(...(clients as E2eChild<never>[]));
      await publisher.next('ready', 60_000);
      await Promise.all(clients.map((c) => c.next('loaded', 120_000)));
      return new Rig(sut, publisher, clients);
    } catch (err) {
      await stopAll(children);
      await sut.stop();
      throw err;
    }
  }

  /**
   * Sends `frames` frames with no session open, so the first step does not pay for first use:
   * the rings' shared memory is touched page by page the first time round (a zero-filled page
   * fault per 4 KiB; with 131 072 slots that made the first steps fail at 10 k frames/s), and a
   * server in operation has long been through it.
   */
  async warmUp(frames: number): Promise<void> {
    const done = this.publisher.next('done', 300_000);
    this.publisher.send({
      kind: 'run',
      rate: 50_000,
      frames,
      t0Us: Date.now() * 1000,
      flood: false,
      floodMs: 0,
    });
    await done;
    await sleep(1000);
  }

  async stop(): Promise<void> {
    await stopAll([this.publisher, ...this.clients]);
    await this.sut.stop();
  }

  cpu(): { server: number; publisher: number; clients: number } {
    return {
      server: cpuSeconds(this.sut.pid),
      publisher: cpuSeconds(this.publisher.pid),
      clients: this.clients.reduce((s, c) => s + cpuSeconds(c.pid), 0),
    };
  }

  /** One step: `rate` > 0 paced for `seconds`; `rate` 0 floods for `seconds`. */
  async step(rate: number, seconds: number, drainSec: number, mixed: boolean): Promise<StepResult> {
    const flood = rate === 0;
    const opened = await Promise.all(
      this.clients.map((c) => {
        const p = c.next('ready', 120_000);
        c.send({ kind: 'open', mixed });
        return p;
      }),
    );
    const admitted = opened.reduce((s, r) => s + r.admitted, 0);
    const expected = flood ? 0 : Math.round(rate * seconds);
    const t0Us = Date.now() * 1000 + 300_000;
    await Promise.all(
      this.clients.map((c) => {
        const p = c.next('armed', 30_000);
        c.send({ kind: 'arm', t0Us, rate, expected });
        return p;
      }),
    );
    const slow0 =
      this.sut.system === 'scs'
        ? await scrapeCounter(this.sut.httpPort, 'scs_slow_consumer_closes_total')
        : 0;
    const cpu0 = this.cpu();
    const wall0 = performance.now();
    const done = this.publisher.next('done', (seconds + 120) * 1000);
    this.publisher.send({ kind: 'run', rate, frames: expected, t0Us, flood, floodMs: seconds * 1000 });
    const d = await done;
    const deadlineMs = Math.max(t0Us / 1000 + seconds * 1000, Date.now()) + drainSec * 1000;
    const reports = (
      await Promise.all(
        this.clients.map((c) => {
          const p = c.next('report', (drainSec + seconds + 60) * 1000);
          c.send({ kind: 'collect', deadlineMs });
          return p;
        }),
      )
    ).map((m) => m.report);
    const wall = (performance.now() - wall0) / 1000;
    const cpu1 = this.cpu();
    await Promise.all(
      this.clients.map((c) => {
        const p = c.next('shut-done', 30_000);
        c.send({ kind: 'shut' });
        return p;
      }),
    );
    const slow1 =
      this.sut.system === 'scs'
        ? await scrapeCounter(this.sut.httpPort, 'scs_slow_consumer_closes_total')
        : 0;
    const merged = merge(reports);
    const sentSec = flood ? d.wallSec : seconds;
    const onTime = flood || (d.sent === expected && d.wallSec <= seconds * 1.05 + 0.05);
    const why =
      admitted < merged.sessions
        ? `${admitted} of ${merged.sessions} sessions admitted`
        : flood
          ? ''
          : merged.complete < merged.sessions
            ? `${merged.sessions - merged.complete} of ${merged.sessions} sessions incomplete (${describeEnds(merged)})`
            : !onTime
              ? `publisher late: ${d.sent} frames in ${round(d.wallSec)} s (${d.blocked ? 'the server did not take them' : 'the publisher itself was not scheduled in time'})`
              : '';
    return {
      rate,
      pass: !flood && why === '',
      why,
      expected,
      sent: d.sent,
      publisherWallSec: round(d.wallSec, 3),
      publisherMaxBehind: d.maxBehind,
      sessions: merged.sessions,
      complete: merged.complete,
      minRecords: merged.minRecords,
      lost: merged.lost,
      skipped: merged.skipped,
      ended: merged.ended,
      cuts: merged.cuts,
      classes: merged.classes,
      deliveredPerSec: round(merged.records / sentSec, 0),
      deliveredMBps: round(merged.payloadBytes / sentSec / 1e6, 1),
      latencyMs: merged.latencyMs,
      cpuPct: {
        server: round((100 * (cpu1.server - cpu0.server)) / wall, 0),
        publisher: round((100 * (cpu1.publisher - cpu0.publisher)) / wall, 0),
        clients: round((100 * (cpu1.clients - cpu0.clients)) / wall, 0),
        perClient: round((100 * (cpu1.clients - cpu0.clients)) / wall / this.clients.length, 1),
      },
      ...(this.sut.system === 'scs' ? { serverSlowConsumerCloses: slow1 - slow0 } : {}),
      loadAverage: os.loadavg().map((l) => round(l)),
    };
  }
}

function describeEnds(m: ReturnType<typeof merge>): string {
  const parts = Object.entries(m.ended).map(([k, v]) => `${v}× ${k}`);
  if (m.lost > 0) parts.push(`${m.lost} records lost`);
  if (parts.length === 0) parts.push(`fewest records ${m.minRecords}`);
  return parts.join(', ');
}

function merge(reports: readonly StepReport[]) {
  const latency = new LogHistogram();
  const ended: Record<string, number> = {};
  const classes: Record<string, ClassFigures> = {};
  const cuts: CutInfo[] = [];
  let sessions = 0;
  let complete = 0;
  let records = 0;
  let payloadBytes = 0;
  let lost = 0;
  let skipped = 0;
  let minRecords = Number.POSITIVE_INFINITY;
  for (const r of reports) {
    latency.addPairs(r.latency);
    for (const [k, v] of Object.entries(r.ended)) ended[k] = (ended[k] ?? 0) + v;
    for (const [k, c] of Object.entries(r.classes)) {
      classes[k] ??= { sessions: 0, records: 0, payloadBytes: 0, skipped: 0, lost: 0, cut: 0 };
      const into = classes[k];
      for (const f of Object.keys(c) as (keyof ClassFigures)[]) into[f] += c[f];
    }
    cuts.push(...r.cuts);
    sessions += r.sessions;
    complete += r.complete;
    records += r.records;
    payloadBytes += r.payloadBytes;
    lost += r.lost;
    skipped += r.skipped;
    minRecords = Math.min(minRecords, r.minRecords);
  }
  cuts.sort((a, b) => b.behindRecords - a.behindRecords);
  return {
    sessions,
    complete,
    records,
    payloadBytes,
    lost,
    skipped,
    minRecords,
    ended,
    classes,
    // The largest few: enough to show how far behind the cut clients were.
    cuts: cuts.slice(0, 10),
    latencyMs: {
      p50: round(latency.percentile(50) / 1000, 2),
      p99: round(latency.percentile(99) / 1000, 2),
      max: round(latency.max / 1000, 2),
    },
  };
}

export type StepLog = (s: StepResult) => void;

/** The ladder, then bisection, then the saturation case, for one system and N. */
export async function runSystem(
  system: 'scs' | 'nats',
  n: number,
  args: E2eArgs,
  log: StepLog,
): Promise<SystemRun> {
  const steps: StepResult[] = [];
  const lifetimeMs = 3600_000;
  const run: SystemRun = {
    system,
    n,
    procs: Math.min(n, args.procs),
    steps,
    maxLosslessRate: 0,
    atMax: null,
    saturation: null,
  };
  const rig = await Rig.start(system, n, args, lifetimeMs);
  try {
    // Both systems, so both start the ladder warm: the SCS rings, each packets ring included, once round.
    await rig.warmUp(args.ringSlots + 1024);
    const doStep = async (rate: number): Promise<StepResult> => {
      const s = await rig.step(rate, args.stepSec, args.drainSec, false);
      steps.push(s);
      log(s);
      if (s.pass && rate > run.maxLosslessRate) {
        run.maxLosslessRate = rate;
        run.atMax = s;
      }
      await sleep(500); // let the server settle before the next step
      return s;
    };
    let pass = 0;
    let fail = 0;
    for (const rate of args.rates) {
      if ((await doStep(rate)).pass) pass = rate;
      else {
        fail = rate;
        break;
      }
    }
    // The lowest rung failed: halve down to find a passing rate.
    while (pass === 0 && fail > 0 && fail / 2 >= 100) {
      const rate = Math.round(fail / 2);
      if ((await doStep(rate)).pass) pass = rate;
      else fail = rate;
    }
    for (let i = 0; i < args.bisect && fail > 0 && pass > 0 && fail - pass > pass * 0.05; i++) {
      const rate = Math.round((pass + fail) / 2 / 100) * 100;
      if ((await doStep(rate)).pass) pass = rate;
      else fail = rate;
    }
    if (args.saturationSec > 0) {
      const s = await rig.step(0, args.saturationSec, args.drainSec, true);
      run.saturation = s;
      log(s);
    }
  } catch (err) {
    run.error = err instanceof Error ? err.message : String(err);
  } finally {
    await rig.stop();
  }
  return run;
}
