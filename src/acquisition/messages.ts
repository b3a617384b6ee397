// Messages between the main thread and the acquisition worker (discriminated on `kind`).
import type { Stream } from '../../protocol/constants.ts';
import type { ArchiveCountersBuffers } from '../archive/counters.ts';
import type { MdbText } from '../mdb/load.ts';
import type { DownlinkMetricsBuffers } from '../metrics/downlink.ts';
import type { RingSetBuffers } from '../ring/ring.ts';
import type { ValueTableBuffers } from '../ring/value-table.ts';
import type { SourceSpec } from './index.ts';
import type { EventIn, FrameIn, PacketIn, SampleIn } from './source.ts';

export interface AcquisitionWorkerData {
  rings: RingSetBuffers;
  valueTable: ValueTableBuffers;
  source: SourceSpec;
  /**
   * The mission database in force, as the main thread accepted it (its dictionary is the one the
   * value table, the actors and the display index by). The thread parses this text and never
   * reads the file itself: a file edited on disk since would decode with other parameters.
   */
  mdb?: MdbText;
  /** Link, VC and decommutation counters for /metrics. */
  downlinkMetrics?: DownlinkMetricsBuffers;
  /** A pino level name; default 'info'. */
  logLevel?: string;
  /** The archive recorder's counters and positions: file replays wait for it (recorder-pace.ts). */
  archiveCounters?: ArchiveCountersBuffers;
  /** First seq per stream (one past the archive's last); default: continue the rings. */
  initialSeq?: Partial<Record<Stream, number>>;
}

export type InjectRecord =
  | { stream: 'frames'; rec: FrameIn }
  | { stream: 'packets'; rec: PacketIn }
  | { stream: 'parameters'; rec: SampleIn }
  | { stream: 'events'; rec: EventIn };

export type ToAcquisition =
  | { kind: 'inject'; records: InjectRecord[] }
  | { kind: 'link'; up: boolean }
  /** An operator request for the mission database (src/mdb/control.ts), answered by `control-reply`. */
  | { kind: 'control'; id: number; msg: unknown }
  | { kind: 'stop' };

export type FromAcquisition =
  | { kind: 'ready' }
  /** Replies to inject once its records are committed: every ring's head, in STREAMS order. */
  | { kind: 'injected'; heads: number[] }
  | { kind: 'stopped' }
  /** A reload was accepted (sent before its control-reply): the database a restart must start with. */
  | { kind: 'database'; database: MdbText }
  /** The handler's JSON-able reply to `control` `id`; `error` instead when the handler threw. */
  | { kind: 'control-reply'; id: number; reply: unknown; error?: ControlFailure }
  /** Sent just before the thread ends on an error; `code` is the error's code when it has one. */
  | { kind: 'fatal'; message: string; code?: string };

export interface ControlFailure {
  message: string;
  code?: string;
}
