// What one client process counts for one group; turned into a GroupReport at the end.
import type { GroupCounters, GroupReport, GroupShare } from './ipc.ts';
import { encode, type Histogram, newHistogram, recordUs } from './latency.ts';

/** Heartbeat intervals kept per group and process: enough for the spacing check. */
const MAX_INTERVALS = 2000;

export function zeroCounters(): GroupCounters {
  return {
    connects: 0,
    admitted: 0,
    refused: 0,
    records: 0,
    bytes: 0,
    lost: 0,
    skipped: 0,
    disorder: 0,
    archiveEnds: 0,
    protocolErrors: 0,
    heartbeats: 0,
  };
}

export class GroupState {
  readonly share: GroupShare;
  readonly host: string;
  readonly port: number;
  readonly counters = zeroCounters();
  readonly naks: Record<string, number> = {};
  readonly byes: Record<string, number> = {};
  readonly ended: Record<string, number> = {};
  /** Admitted sessions open now. */
  open = 0;
  readonly #latency = newHistogram();
  /** The process's histogram of the current tick, shared by all its groups. */
  readonly #tickLatency: Histogram;
  readonly #intervals: number[] = [];

  constructor(share: GroupShare, host: string, port: number, tickLatency: Histogram) {
    this.share = share;
    this.host = host;
    this.port = port;
    this.#tickLatency = tickLatency;
  }

  latency(us: number): void {
    recordUs(this.#latency, us);
    recordUs(this.#tickLatency, us);
  }

  heartbeatInterval(ms: number): void {
    if (this.#intervals.length < MAX_INTERVALS) this.#intervals.push(Math.round(ms));
  }

  report(): GroupReport {
    return {
      name: this.share.name,
      counters: { ...this.counters },
      naks: { ...this.naks },
      byes: { ...this.byes },
      ended: { ...this.ended },
      latency: encode(this.#latency),
      heartbeatIntervalsMs: [...this.#intervals],
    };
  }
}
