// The plug-in boundary of the acquisition side: a Source produces telemetry into an
// AcquisitionSink. The simulator is one Source; CCSDS ingest and decommutation are others.
import type { Limit, Severity } from '../../protocol/constants.ts';
import type { Clock } from '../util/clock.ts';

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

/** `param` is the parameter's index in the source's dictionary. */
export interface SampleIn {
  param: number;
  scet: number;
  ert: number;
  raw: number | string | boolean;
  eng: number | string | boolean;
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

export interface SourceDefinition {
  readonly dictionary: readonly ParameterInfo[];
  create(clock: Clock): Source;
}
