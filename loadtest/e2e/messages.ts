// Messages between the end-to-end bench's orchestrator (main.ts) and its children (publisher.ts,
// client.ts), and the children's side of the channel. Every child exits on its own when the
// orchestrator goes away or its lifetime runs out (child-process.ts), so no run leaves processes.
import { type ChildErrors, ChildProcessHandle, type Kinded, serveParent as serve } from '../child-process.ts';
import { BenchError, BenchErrorCode } from '../errors.ts';
import type { LatencySnapshot } from '../ipc.ts';

export { failToParent, stopAll, toParent } from '../child-process.ts';

/** Orchestrator → publisher. */
export type PublisherIn =
  /**
   * Send `frames` frames starting at `t0Us` (wall clock, µs), frame k due at t0 + k/rate;
   * `flood`: as fast as the connection takes them for `floodMs`, frames and rate ignored.
   */
  { kind: 'run'; rate: number; frames: number; t0Us: number; flood: boolean; floodMs: number };

/** Orchestrator → client process. */
export type ClientIn =
  /**
   * Open every session (SCS: REQUEST → ACK; NATS: CONNECT, SUB, PING → PONG). `mixed`: SCS
   * sessions of odd global index ask for `delivery: latest`, the others `complete`.
   */
  | { kind: 'open'; mixed: boolean }
  /** A step begins: counters restart; frame k is due at t0 + k/rate (rate 0: unknown); `expected` frames per session (0: no end). */
  | { kind: 'arm'; t0Us: number; rate: number; expected: number }
  /** Report once every session has `expected` records or has ended, or at `deadlineMs` (wall clock, ms). */
  | { kind: 'collect'; deadlineMs: number }
  /** Close every session (the process stays for the next step). */
  | { kind: 'shut' };

export interface PublisherDone {
  kind: 'done';
  sent: number;
  /** Wall time from t0 to the last write, s. */
  wallSec: number;
  /** Most frames the publisher was ever behind its schedule. */
  maxBehind: number;
  /** The connection did not take the bytes at some point (MAX_QUEUED waiting in the socket). */
  blocked: boolean;
}

/** A session that was cut: how far behind it was then. */
export interface CutInfo {
  reason: string;
  /** Records due by then (at the step's rate) that the client had not received. */
  behindRecords: number;
  behindSec: number;
  /** What the server said in its BYE beyond `reason`, if anything. */
  bye: Record<string, unknown> | null;
}

/** Figures of one class of sessions (SCS `complete` or `latest`; NATS subscribers). */
export interface ClassFigures {
  sessions: number;
  records: number;
  payloadBytes: number;
  skipped: number;
  lost: number;
  cut: number;
}

export interface StepReport {
  classes: Record<string, ClassFigures>;
  sessions: number;
  /** Sessions that received every expected record, in order, with no gap, and are still open. */
  complete: number;
  records: number;
  payloadBytes: number;
  minRecords: number;
  /** Gaps in the record sequence, summed over sessions (records never received). */
  lost: number;
  /** Records the server declared skipped (SCS `latest`). */
  skipped: number;
  disorder: number;
  ended: Record<string, number>;
  cuts: CutInfo[];
  latency: LatencySnapshot;
  protocolErrors: number;
  /** Seconds from t0 to the last record received. */
  lastRecordSec: number;
}

export type ChildOut =
  /** The child's modules are loaded and it listens for control messages. */
  | { kind: 'loaded' }
  | { kind: 'ready'; admitted: number; refused: Record<string, number> }
  | { kind: 'armed' }
  | PublisherDone
  | { kind: 'report'; report: StepReport }
  | { kind: 'shut-done' }
  | { kind: 'fatal'; message: string };

const ERRORS: ChildErrors = {
  timeout: (message) => new BenchError(BenchErrorCode.ERR_BENCH_TIMEOUT, message),
  failed: (message) => new BenchError(BenchErrorCode.ERR_BENCH_CHILD, message),
};

export class E2eChild<In extends Kinded> extends ChildProcessHandle<In, ChildOut> {
  constructor(name: string, script: URL, options: unknown) {
    super(name, script, options, ERRORS);
  }
}

const HINT = 'this script is a child of loadtest/e2e/main.ts; run `npm run bench:e2e`';

export function serveParent<In extends Kinded>(
  lifetimeMs: number,
  kinds: readonly string[],
  onControl: (msg: In) => void,
): void {
  const set = new Set(kinds);
  serve(lifetimeMs, HINT, (msg: Kinded): msg is In => set.has(msg.kind), onControl);
}
