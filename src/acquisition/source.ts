// The plug-in boundary of the acquisition side: a Source produces telemetry into an
// AcquisitionSink. The simulator is one Source; CCSDS ingest and decommutation are others.
import type { Limit, Severity } from '../../protocol/constants.ts';
import type { PacketProcessor } from '../mdb/processor.ts';
import type { DownlinkMetricsBuffers } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export interface ParameterInfo {
  name: string;
  unit?: string;
  type: 'float' | 'int' | 'state' | 'bool' | 'string';
  states?: readonly string[];
  description?: string;
  limits?: { warnLow?: number; warnHigh?: number; alarmLow?: number; alarmHigh?: number };
}

/** Times are µs since the epoch (ICD §1). */
export interface FrameIn {
  ert: number;
  station: string;
  scid: number;
  vcid: number;
  vcfc: number;
  quality: number;
  data: Uint8Array;
}

export interface PacketIn {
  ert: number;
  scet: number;
  station: string;
  scid: number;
  vcid: number;
  apid: number;
  ssc: number;
  quality: number;
  data: Uint8Array;
}

/** `param` is the parameter's index in the source's dictionary; bytes for `bytes` parameters. */
export interface SampleIn {
  param: number;
  scet: number;
  ert: number;
  raw: number | string | boolean | Uint8Array;
  eng: number | string | boolean | Uint8Array;
  limit: Limit;
  quality: number;
}

export interface EventIn {
  time: number;
  severity: Severity;
  source: string;
  type: string;
  message: string;
  parameter?: string;
  value?: number | string | boolean;
}

/** Records become visible to readers only at commit(); a source commits once per batch it produces. */
export interface AcquisitionSink {
  frame(f: FrameIn): void;
  packet(p: PacketIn): void;
  sample(s: SampleIn): void;
  event(e: EventIn): void;
  setLink(up: boolean): void;
  commit(): void;
  nowUs(): number;
}

export interface Source {
  readonly name: string;
  start(sink: AcquisitionSink): void;
  /** Resolves once the source will write nothing more. */
  stop(): Promise<void>;
}

/** The mission database's packet processor in force (a reload replaces it: read it per packet). */
export interface DecomHandle {
  readonly processor: PacketProcessor;
}

/** What the acquisition thread gives a source besides the sink. */
export interface SourceContext {
  /** Null when no mission database is loaded. */
  decom: DecomHandle | null;
  /** Link and VC counters (src/metrics/downlink.ts); null when nobody reads them. */
  metrics: DownlinkMetricsBuffers | null;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Slots of each ring the sink writes, in STREAMS order: a source that can fall behind bounds its
   * catch-up bursts by them. Absent: no bound known.
   */
  ringSlots?: readonly number[];
  /**
   * File replays wait on it for the archive recorder (recorder-pace.ts): null when it has nothing
   * to wait for, else a promise to await before asking again. Absent: no archive.
   */
  recorderPace?: () => Promise<void> | null;
}

export interface SourceDefinition {
  readonly dictionary: readonly ParameterInfo[];
  create(clock: Clock, context: SourceContext): Source;
}
