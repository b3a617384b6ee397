// The JSON result of one harness run (result.json; also embedded in report.html).
import type { MachineInfo } from '../machine.ts';
import type { AgencyAdmissions, Timeline } from './aggregate.ts';
import type { CheckResult } from './expect.ts';
import type { GroupCounters } from './ipc.ts';
import type { LatencySummary } from './latency.ts';
import type { ServerSetup } from './scenario.ts';

export interface GroupResult extends GroupCounters {
  name: string;
  kind: string;
  agency: string | null;
  naks: Record<string, number>;
  byes: Record<string, number>;
  ended: Record<string, number>;
  latency: LatencySummary;
  heartbeatIntervals: number;
}

export interface RunResult {
  scenario: string;
  description: string;
  command: string;
  startedAt: string;
  target: string;
  machine: MachineInfo;
  procs: number;
  durationSec: number;
  serverSetup: ServerSetup | null;
  /** CPU use during the run, % of one core. */
  cpu: { serverPct: number | null; clientsPct: number };
  totals: {
    admitted: number;
    records: number;
    recordsPerSec: number;
    payloadMBps: number;
    lost: number;
    naks: Record<string, number>;
    latency: LatencySummary;
  };
  groups: GroupResult[];
  agencies: Record<string, AgencyAdmissions>;
  timeline: Timeline;
  latencyBuckets: { upperMs: number[]; counts: number[] };
  expectations: CheckResult[];
  pass: boolean;
}
