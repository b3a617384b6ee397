// Message bodies of ICD-001 (§3, §5, §6, §7) as TypeScript types.
import type { Delivery, HeartbeatState, Limit, Mode, NakCode, Severity, Stream } from './constants.ts';

export interface RequestBody {
  agency: string;
  token?: string;
  client: string;
  stream: Stream;
  mode: Mode;
  filter?: { vcids?: number[]; apids?: number[]; parameters?: string[]; severity?: Severity };
  from?: number | string;
  to?: number | string;
  timeBy?: 'ert' | 'scet';
  speed?: number;
  rateHz?: number;
  delivery?: Delivery;
  since?: number;
}

export interface AckBody {
  clientId: string;
  agency: string;
  stream: Stream;
  mode: Mode;
  heartbeatMs: number;
  serverTime: number;
  parameters?: string[];
  /**
   * SPEC extension (realtime only): seq of the newest record of the stream when the request was
   * admitted. Records with seq <= head are catch-up (a `since` replay, the value snapshot), older
   * than the ACK; a record with seq > head was acquired after it. Absent from older servers.
   */
  head?: number;
}

export interface NakBody {
  code: NakCode;
  reason: string;
  requestSeq?: number;
}

export interface FrameRecord {
  seq: number;
  ert: number;
  station: string;
  scid: number;
  vcid: number;
  vcfc: number;
  quality: number;
  data: Uint8Array;
}

export interface PacketRecord {
  seq: number;
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

export interface ParameterRecord {
  seq: number;
  name: string;
  scet: number;
  ert: number;
  /** The value as decoded: a number, a text, a boolean or bytes (msgpack bin), ICD rev B §6. */
  raw: number | string | boolean | Uint8Array;
  /** The calibrated value: a number, a state text, a boolean or bytes (msgpack bin), ICD rev B §6. */
  eng: number | string | boolean | Uint8Array;
  unit?: string;
  limit: Limit;
  quality: number;
}

export interface EventRecord {
  seq: number;
  time: number;
  severity: Severity;
  source: string;
  type: string;
  message: string;
  parameter?: string;
  value?: number | string | boolean;
}

export type AnyRecord = FrameRecord | PacketRecord | ParameterRecord | EventRecord;

export interface DataBody<R = AnyRecord> {
  stream: Stream;
  records: R[];
  skipped?: number;
}

export interface HeartbeatBody {
  state: HeartbeatState;
  lastDataTime: number;
  linkUp: boolean;
}

export interface EndBody {
  records: number;
  reason: string;
}

export interface ByeBody {
  reason: string;
  seq?: number;
}

/** One decoded message frame (ICD §2). `body` is a view into the decoder's input or its spill buffer. */
export interface Frame {
  type: number;
  flags: number;
  seq: number;
  time: number;
  body: Uint8Array;
}
