// Downlink metrics: per-link and per-VC counters of the acquisition thread, read by the main
// thread when /metrics is scraped.
//
// The acquisition thread is the only writer (one thread, one writer per link block), so plain
// Float64 stores suffice, as in counters.ts: a scrape may see a value one update old, never a
// torn one (aligned 8-byte cells). A restarted acquisition thread continues from the values in
// the buffer, so exported counters never go backwards.
//
// SAB layout (Float64): `links` link blocks, then one decom block.
//   link block:  LINK_FIELDS.length values, then VC_SLOTS × VC_FIELDS.length values
//   decom block: DECOM_FIELDS.length values
import { MetricsError, MetricsErrorCode } from './errors.ts';

/** Per-link values; `up`, `syncLocked` are gauges (0/1), the others totals. */
export const LINK_FIELDS = [
  'up',
  'syncLocked',
  'bytes',
  'blocks',
  'frames',
  'badFrames',
  'crcErrors',
  'headerErrors',
  'rsCorrectedSymbols',
  'rsUncorrectableFrames',
  'idleFrames',
  'unselectedFrames',
  'vcSequenceErrors',
  'invertedFrames',
  'garbageBytes',
  'lockLosses',
  'packets',
  'idlePackets',
  'incompletePackets',
  'packetHeaderErrors',
  'packetSequenceErrors',
  'lengthMismatches',
  'linkUps',
  'linkDowns',
  'connectFailures',
  'connectionsRefused',
  'connectionsReplaced',
  'skippedBytes',
] as const;
export type LinkField = (typeof LINK_FIELDS)[number];

/** Per-VC values; `frameRate` (frames/s) is a gauge, the others totals. */
export const VC_FIELDS = [
  'frames',
  'badFrames',
  'rsCorrectedSymbols',
  'sequenceErrors',
  'frameRate',
] as const;
export type VcField = (typeof VC_FIELDS)[number];

/** Decommutation totals of the mission database's packet processor (shared by every link). */
export const DECOM_FIELDS = [
  'packets',
  'unknownApid',
  'samples',
  'outOfPacket',
  'invalidValue',
  'unknownState',
  'invalidInput',
  'events',
] as const;
export type DecomField = (typeof DECOM_FIELDS)[number];

/** VCIDs 0..63 (AOS); TM uses the first 8. */
export const VC_SLOTS = 64;
const LINK_STRIDE = LINK_FIELDS.length + VC_SLOTS * VC_FIELDS.length;
const LINK_INDEX: Readonly<Record<LinkField, number>> = indexOf(LINK_FIELDS);
const VC_INDEX: Readonly<Record<VcField, number>> = indexOf(VC_FIELDS);
const DECOM_INDEX: Readonly<Record<DecomField, number>> = indexOf(DECOM_FIELDS);

function indexOf<K extends string>(names: readonly K[]): Record<K, number> {
  return Object.fromEntries(names.map((n, i) => [n, i])) as Record<K, number>;
}

export interface DownlinkLinkInfo {
  id: string;
  station: string;
}

export interface DownlinkMetricsBuffers {
  sab: SharedArrayBuffer;
  /** Link blocks, in this order (the simulator counts as one link). */
  links: readonly DownlinkLinkInfo[];
}

export function createDownlinkMetrics(links: readonly DownlinkLinkInfo[]): DownlinkMetricsBuffers {
  const ids = new Set(links.map((l) => l.id));
  if (ids.size !== links.length) {
    throw new MetricsError(MetricsErrorCode.CONFIG, 'downlink metrics: link ids must be unique');
  }
  const values = links.length * LINK_STRIDE + DECOM_FIELDS.length;
  return { sab: new SharedArrayBuffer(values * 8), links: links.map((l) => ({ ...l })) };
}

function linkIndex(b: DownlinkMetricsBuffers, id: string): number {
  const i = b.links.findIndex((l) => l.id === id);
  if (i < 0) throw new MetricsError(MetricsErrorCode.RANGE, `downlink metrics: unknown link ${id}`);
  return i;
}

function checkVc(vcid: number): void {
  if (vcid >>> 0 !== vcid || vcid >= VC_SLOTS) {
    throw new MetricsError(MetricsErrorCode.RANGE, `VCID ${vcid} outside 0..${VC_SLOTS - 1}`);
  }
}

/** The acquisition thread's writer for one link's block. */
export class LinkMetricsWriter {
  readonly #f64: Float64Array;

  constructor(b: DownlinkMetricsBuffers, linkId: string) {
    this.#f64 = new Float64Array(b.sab, linkIndex(b, linkId) * LINK_STRIDE * 8, LINK_STRIDE);
  }

  get(field: LinkField): number {
    return this.#f64[LINK_INDEX[field]]!;
  }

  set(field: LinkField, value: number): void {
    this.#f64[LINK_INDEX[field]] = value;
  }

  add(field: LinkField, n: number): void {
    this.#f64[LINK_INDEX[field]] += n;
  }

  getVc(vcid: number, field: VcField): number {
    checkVc(vcid);
    return this.#f64[LINK_FIELDS.length + vcid * VC_FIELDS.length + VC_INDEX[field]]!;
  }

  setVc(vcid: number, field: VcField, value: number): void {
    checkVc(vcid);
    this.#f64[LINK_FIELDS.length + vcid * VC_FIELDS.length + VC_INDEX[field]] = value;
  }
}

/** The acquisition thread's writer of the decommutation totals. */
export class DecomMetricsWriter {
  readonly #f64: Float64Array;

  constructor(b: DownlinkMetricsBuffers) {
    this.#f64 = new Float64Array(b.sab, b.links.length * LINK_STRIDE * 8, DECOM_FIELDS.length);
  }

  get(field: DecomField): number {
    return this.#f64[DECOM_INDEX[field]]!;
  }

  set(field: DecomField, value: number): void {
    this.#f64[DECOM_INDEX[field]] = value;
  }
}

/** The main thread's view. */
export class DownlinkMetricsReader {
  readonly links: readonly DownlinkLinkInfo[];
  readonly #f64: Float64Array;

  constructor(b: DownlinkMetricsBuffers) {
    this.links = b.links;
    this.#f64 = new Float64Array(b.sab);
  }

  link(i: number, field: LinkField): number {
    return this.#f64[i * LINK_STRIDE + LINK_INDEX[field]]!;
  }

  vc(i: number, vcid: number, field: VcField): number {
    return this.#f64[i * LINK_STRIDE + LINK_FIELDS.length + vcid * VC_FIELDS.length + VC_INDEX[field]]!;
  }

  /** VCIDs of link `i` that have seen a frame. */
  activeVcs(i: number): number[] {
    const out: number[] = [];
    for (let v = 0; v < VC_SLOTS; v++) {
      if (this.vc(i, v, 'frames') > 0) out.push(v);
    }
    return out;
  }

  decom(field: DecomField): number {
    return this.#f64[this.links.length * LINK_STRIDE + DECOM_INDEX[field]]!;
  }
}
