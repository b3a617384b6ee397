// Messages between the harness (main.ts) and its child processes: the server (server-proc.ts)
// and the client processes (client-proc.ts). Children get their options as one JSON argument;
// both ends of the channel are ../child-process.ts.

import type { Delivery, Stream } from '../../protocol/constants.ts';
import { type Kinded, toParent as sendToParent, serveParent as serve } from '../child-process.ts';
import type { Filter, HostileBehaviour } from './scenario.ts';

/** One group's share of the work in one client process. */
export interface GroupShare {
  name: string;
  kind: 'subscribe' | 'churn' | 'archive' | 'hostile';
  /** Sessions (subscribe, archive) or misbehaving loops (hostile) in this process. */
  count: number;
  /** This process's part of a churn rate or a subscribe ramp, per second (0 = all at once). */
  perSec: number;
  startSec: number;
  agency: string;
  token: string;
  stream: Stream;
  filter?: Filter;
  rateHz?: number;
  delivery?: Delivery;
  readBytesPerSec?: number;
  holdMs: number;
  lookbackSec: number;
  speed?: number;
  behaviour?: HostileBehaviour;
  /** Whether seq gaps are losses (see lossMeasurable) and latency is meaningful. */
  realtime: boolean;
  lossMeasurable: boolean;
}

export interface ClientProcOptions {
  host: string;
  port: number;
  proc: number;
  durationSec: number;
  /** The process exits by itself after this long, whatever happens. */
  lifetimeMs: number;
  groups: GroupShare[];
}

export interface ServerProcOptions {
  /** The server configuration object handed to startServer. */
  config: Record<string, unknown>;
  lifetimeMs: number;
}

export interface GroupCounters {
  connects: number;
  admitted: number;
  refused: number;
  records: number;
  bytes: number;
  lost: number;
  skipped: number;
  disorder: number;
  archiveEnds: number;
  protocolErrors: number;
  heartbeats: number;
}

export interface GroupReport {
  name: string;
  counters: GroupCounters;
  naks: Record<string, number>;
  byes: Record<string, number>;
  /** Sessions that ended otherwise: socket errors, timeouts, closes without NAK or BYE. */
  ended: Record<string, number>;
  /** Receipt time − `ert` of realtime records, µs: hdr-histogram-js compressed base64. */
  latency: string;
  /** Spacing of consecutive HEARTBEATs with no DATA between them, ms (capped sample). */
  heartbeatIntervalsMs: number[];
}

export interface Tick {
  proc: number;
  elapsedMs: number;
  /** Admitted sessions open now. */
  connected: number;
  /** Cumulative totals of this process. */
  records: number;
  bytes: number;
  naks: Record<string, number>;
  /** Latency of realtime records received since the previous tick (compressed base64). */
  latency: string;
}

export type ToChild = { kind: 'go' } | { kind: 'close' };

export type FromChild =
  | { kind: 'listening'; port: number; httpPort: number }
  | { kind: 'ready' }
  | { kind: 'tick'; tick: Tick }
  | { kind: 'final'; groups: GroupReport[] }
  | { kind: 'fatal'; message: string };

const isToChild = (msg: Kinded): msg is ToChild => msg.kind === 'go' || msg.kind === 'close';

export const toParent: (msg: FromChild) => void = sendToParent;

/**
 * Child side: delivers control messages, exits when the harness goes away (its IPC channel
 * closes) and after `lifetimeMs` whatever happens, so no run leaves processes behind.
 */
export function serveParent(lifetimeMs: number, onControl: (msg: ToChild) => void): void {
  serve(
    lifetimeMs,
    'this script is a child of loadtest/harness/main.ts; run `npm run loadtest`',
    isToChild,
    onControl,
  );
}

export { failToParent } from '../child-process.ts';
