// Merges what the client processes reported: per-group totals (latency histograms merged
// through hdr-histogram-js encode/decode), per-agency admissions, and the per-second timeline.
import { zeroCounters } from './group-state.ts';
import type { GroupCounters, GroupReport, Tick } from './ipc.ts';
import { addEncoded, type Histogram, type LatencySummary, newHistogram, summarize } from './latency.ts';
import type { Scenario } from './scenario.ts';

export interface MergedGroup {
  name: string;
  kind: string;
  agency: string | undefined;
  counters: GroupCounters;
  naks: Record<string, number>;
  byes: Record<string, number>;
  ended: Record<string, number>;
  latency: Histogram;
  heartbeatIntervalsMs: number[];
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

export function mergeGroups(s: Scenario, reports: readonly GroupReport[][]): MergedGroup[] {
  const merged = new Map<string, MergedGroup>();
  for (const g of s.groups) {
    merged.set(g.name, {
      name: g.name,
      kind: g.kind === 'hostile' ? `hostile ${g.behaviour}` : g.kind,
      agency: 'agency' in g ? g.agency : undefined,
      counters: zeroCounters(),
      naks: {},
      byes: {},
      ended: {},
      latency: newHistogram(),
      heartbeatIntervalsMs: [],
    });
  }
  for (const proc of reports) {
    for (const r of proc) {
      const m = merged.get(r.name);
      if (m === undefined) continue;
      for (const k of Object.keys(m.counters) as (keyof GroupCounters)[]) m.counters[k] += r.counters[k];
      add(m.naks, r.naks);
      add(m.byes, r.byes);
      add(m.ended, r.ended);
      addEncoded(m.latency, r.latency);
      m.heartbeatIntervalsMs.push(...r.heartbeatIntervalsMs);
    }
  }
  return [...merged.values()];
}

export interface AgencyAdmissions {
  admitted: number;
  naks: Record<string, number>;
}

export function agencyAdmissions(groups: readonly MergedGroup[]): Record<string, AgencyAdmissions> {
  const out: Record<string, AgencyAdmissions> = {};
  for (const g of groups) {
    // Garbage, half frames and silence name no agency: their NAKs are counted apart.
    const key = g.agency ?? '(no agency)';
    out[key] ??= { admitted: 0, naks: {} };
    const a = out[key];
    a.admitted += g.counters.admitted;
    add(a.naks, g.naks);
  }
  return out;
}

export interface Timeline {
  /** Seconds since the start, one point per second. */
  t: number[];
  connected: number[];
  recordsPerSec: number[];
  mbPerSec: number[];
  naks: number[];
  lagP50Ms: (number | null)[];
  lagP99Ms: (number | null)[];
  lagMaxMs: (number | null)[];
}

/** Collects ticks of all processes into one point per second. */
export class TimelineBuilder {
  readonly #procs: number;
  /** Per second: per process, its latest tick in that second. */
  readonly #seconds = new Map<number, Map<number, Tick>>();
  readonly #latency = new Map<number, Histogram>();
  /** Latest tick per process, for the progress line. */
  readonly latest = new Map<number, Tick>();

  constructor(procs: number) {
    this.#procs = procs;
  }

  add(tick: Tick): void {
    const second = Math.max(1, Math.round(tick.elapsedMs / 1000));
    if (!this.#seconds.has(second)) {
      this.#seconds.set(second, new Map());
      this.#latency.set(second, newHistogram());
    }
    this.#seconds.get(second)!.set(tick.proc, tick);
    addEncoded(this.#latency.get(second)!, tick.latency);
    this.latest.set(tick.proc, tick);
  }

  build(): Timeline {
    const out: Timeline = {
      t: [],
      connected: [],
      recordsPerSec: [],
      mbPerSec: [],
      naks: [],
      lagP50Ms: [],
      lagP99Ms: [],
      lagMaxMs: [],
    };
    const last = new Map<number, Tick>();
    for (const second of [...this.#seconds.keys()].sort((a, b) => a - b)) {
      const perProc = this.#seconds.get(second)!;
      let connected = 0;
      let records = 0;
      let bytes = 0;
      let naks = 0;
      for (let p = 0; p < this.#procs; p++) {
        const tick = perProc.get(p) ?? last.get(p);
        if (tick === undefined) continue;
        const before = last.get(p);
        connected += tick.connected;
        records += tick.records - (before?.records ?? 0);
        bytes += tick.bytes - (before?.bytes ?? 0);
        for (const n of Object.values(tick.naks)) naks += n;
        last.set(p, tick);
      }
      const lat: LatencySummary = summarize(this.#latency.get(second)!);
      out.t.push(second);
      out.connected.push(connected);
      out.recordsPerSec.push(records);
      out.mbPerSec.push(Math.round(bytes / 1e3) / 1e3);
      out.naks.push(naks);
      out.lagP50Ms.push(lat.count > 0 ? lat.p50Ms : null);
      out.lagP99Ms.push(lat.count > 0 ? lat.p99Ms : null);
      out.lagMaxMs.push(lat.count > 0 ? lat.maxMs : null);
    }
    return out;
  }
}
