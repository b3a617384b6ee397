// Messages between the orchestrator (fanout.ts) and its child processes, and the child side of
// the channel. Every child is bounded: it exits on its own when its lifetime runs out or when
// the orchestrator goes away, so no run can leave processes behind (child-process.ts).
import { type Kinded, toParent as sendToParent, serveParent as serve } from './child-process.ts';

export { failToParent } from './child-process.ts';

/** Orchestrator → child. */
export type ControlMsg =
  /** Publisher: begin publishing. */
  | { kind: 'go' }
  /** Readers: open the measurement window (counters and latency histogram restart), answer `started`. */
  | { kind: 'start' }
  /** Readers: send a `report` of the window so far (it stays open). */
  | { kind: 'snapshot' }
  /** Close every socket and exit. */
  | { kind: 'close' };

export interface LatencySnapshot {
  pairs: [number, number][];
  max: number;
}

/** What one reader process measured. Window figures cover start → snapshot; loss figures the whole session. */
export interface ReaderReport {
  /** Sockets still receiving at the snapshot. */
  open: number;
  windowSec: number;
  records: number;
  /** Record payload: the frames' `data` (SCS) or the message payload (NATS). */
  payloadBytes: number;
  /** Every byte read from the sockets. */
  wireBytes: number;
  /** Acquisition (SCS `ert`) or publish (NATS) time to receipt, µs. */
  latency: LatencySnapshot;
  /** Records never received: gaps in the record `seq`, per socket. */
  lost: number;
  /** Records the server declared skipped (`skipped` in DATA bodies). */
  skipped: number;
  /** Records whose `seq` did not increase. */
  disorder: number;
  crcChecked: number;
  crcErrors: number;
  malformed: number;
  /** Jumps in the ICD header message counter. */
  messageGaps: number;
  /** Sockets that ended before the snapshot, by reason (BYE reason, 'eof', 'error', framing violation). */
  ended: Record<string, number>;
}

/** Child → orchestrator. */
export type ChildMsg =
  | { kind: 'listening'; port: number; httpPort: number }
  | { kind: 'ready'; admitted: number; refused: Record<string, number> }
  /** The window is open: what arrives from now on counts. */
  | { kind: 'started' }
  | { kind: 'report'; report: ReaderReport }
  | { kind: 'fatal'; message: string };

const CONTROL: ReadonlySet<string> = new Set<ControlMsg['kind']>(['go', 'start', 'snapshot', 'close']);
const isControlMsg = (msg: Kinded): msg is ControlMsg => CONTROL.has(msg.kind);

export const toParent: (msg: ChildMsg) => void = sendToParent;

/**
 * Child side: delivers control messages to `onControl`, exits when the orchestrator's channel
 * closes, and exits with code 3 after `lifetimeMs` whatever happens.
 */
export function serveParent(lifetimeMs: number, onControl: (msg: ControlMsg) => void): void {
  serve(
    lifetimeMs,
    'this script is a child of loadtest/fanout.ts; run `npm run bench:fanout`',
    isControlMsg,
    onControl,
  );
}
