// Scenario files (loadtest/scenarios/*.json): their types. A scenario is a mix of client
// groups, the server to start when there is no --target, and the expectations checked at the
// end. The schema is in scenario-schema.ts, the loader in load-scenario.ts;
// loadtest/README.md documents the format.
import type { Delivery, NakCode, Severity, Stream } from '../../protocol/constants.ts';

/** Upper bounds that keep every run finite. */
export const LIMITS = {
  durationSec: 3600,
  groups: 64,
  countPerGroup: 20_000,
  totalClients: 50_000,
  procs: 64,
  connectsPerSec: 5000,
} as const;

export interface Filter {
  vcids?: number[];
  apids?: number[];
  parameters?: string[];
  severity?: Severity;
}

interface GroupBase {
  name: string;
  /** Seconds after the start before the group begins; default 0. */
  startSec?: number;
}

interface Selection {
  agency: string;
  stream: Stream;
  filter?: Filter;
  rateHz?: number;
}

/** `count` realtime sessions held for the whole run. */
export interface SubscribeGroup extends GroupBase, Selection {
  kind: 'subscribe';
  count: number;
  delivery?: Delivery;
  /** Sessions opened per second (all at once when absent). */
  connectPerSec?: number;
  /** A slow reader: reads at most this many bytes per second from its socket. */
  readBytesPerSec?: number;
}

/** Sessions opened at `connectsPerSec`, each held `holdMs`, then closed with BYE. */
export interface ChurnGroup extends GroupBase, Selection {
  kind: 'churn';
  connectsPerSec: number;
  holdMs: number;
}

/** `count` clients replaying the last `lookbackSec` of the archive, one replay after another. */
export interface ArchiveGroup extends GroupBase, Selection {
  kind: 'archive';
  count: number;
  lookbackSec: number;
  speed?: number;
}

export const HOSTILE_BEHAVIOURS = ['garbage', 'halfFrame', 'wrongToken', 'noRequest'] as const;
export type HostileBehaviour = (typeof HOSTILE_BEHAVIOURS)[number];

/** `count` clients misbehaving in a loop: each connection misbehaves, awaits its NAK, reconnects. */
export interface HostileGroup extends GroupBase {
  kind: 'hostile';
  behaviour: HostileBehaviour;
  count: number;
  /** The agency named in wrongToken requests; default the first configured agency. */
  agency?: string;
}

export type Group = SubscribeGroup | ChurnGroup | ArchiveGroup | HostileGroup;

export const COUNT_METRICS = [
  'connects',
  'admitted',
  'refused',
  'records',
  'lost',
  'skipped',
  'disorder',
  'archiveEnds',
  'protocolErrors',
  'heartbeats',
] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];

interface Bounds {
  equals?: number;
  min?: number;
  max?: number;
}

interface CheckBase {
  /** The groups the check covers; all groups when absent. */
  groups?: string[];
}

export type Expectation =
  | (CheckBase & Bounds & { check: 'count'; metric: CountMetric })
  | (CheckBase & Bounds & { check: 'naks'; code: NakCode })
  | (CheckBase & Bounds & { check: 'byes'; reason: string })
  | (CheckBase & { check: 'latency'; percentile: number; maxMs: number })
  | (CheckBase & { check: 'heartbeat'; intervalMs: number; tolerancePct: number; minIntervals?: number });

export interface AgencySetup {
  /** The agency's token (plain text: the harness hashes it for the server it starts). */
  token: string;
  maxConnections: number;
  streams?: Stream[];
  parameters?: string[];
  maxArchiveQueries?: number;
}

export interface ServerSetup {
  agencies: Record<string, AgencySetup>;
  frameRateHz: number;
  frameLength?: number;
  actors?: number;
  maxClients?: number;
  heartbeatMs?: number;
  requestTimeoutMs?: number;
  /** Server buffer per `complete` session before BYE SLOW_CONSUMER. */
  completeBufferBytes?: number;
  /** Slots of the frames ring: how far (in frames) a `complete` session may lag before BYE SLOW_CONSUMER. */
  frameRingSlots?: number;
  archive?: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  durationSec: number;
  /** Client processes; --procs overrides; default min(2, cores). */
  procs?: number;
  server: ServerSetup;
  groups: Group[];
  expect: Expectation[];
}

/**
 * Gaps in `seq` are losses only for a realtime session that gets every record of its stream.
 * Not on `parameters`: a session starts with the current value of each parameter (older seqs).
 */
export function lossMeasurable(g: Group): boolean {
  return (
    (g.kind === 'subscribe' || g.kind === 'churn') &&
    g.stream !== 'parameters' &&
    g.filter === undefined &&
    g.rateHz === undefined
  );
}
