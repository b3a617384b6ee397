// The acquisition side's writer: numbers every record of a stream (`seq`), encodes it once
// as its ICD §6 msgpack map, writes it to its ring (and parameters to the value table), and
// publishes link state and acquisition time on the control block.
import { SEVERITIES, STREAMS, type Stream } from '../../protocol/constants.ts';
import { ControlBlock } from '../ring/layout.ts';
import { type RecordMeta, type RingSetBuffers, RingSetReader, RingSetWriter } from '../ring/ring.ts';
import { type ValueTableBuffers, ValueTableWriter } from '../ring/value-table.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { limitIndex } from './limits.ts';
import { RecordEncoder } from './record-codec.ts';
import type { AcquisitionSink, EventIn, FrameIn, PacketIn, ParameterInfo, SampleIn } from './source.ts';

const FRAMES = STREAMS.indexOf('frames');
const PACKETS = STREAMS.indexOf('packets');
const PARAMETERS = STREAMS.indexOf('parameters');
const EVENTS = STREAMS.indexOf('events');
const SEVERITY_INDEX: ReadonlyMap<string, number> = new Map(SEVERITIES.map((s, i) => [s, i]));

export interface RingSinkOptions {
  rings: RingSetBuffers;
  valueTable: ValueTableBuffers;
  /** The source's dictionary: a sample's `param` indexes it. */
  dictionary: readonly ParameterInfo[];
  clock: Clock;
  /**
   * First `seq` of each stream, e.g. one past the last archived record. Default: one past
   * the last record committed to the ring (a restarted acquisition thread continues the
   * sequence), or 1 for an empty ring.
   */
  initialSeq?: Partial<Record<Stream, number>>;
  log: Pick<Logger, 'warn'>;
}

export interface SinkCounters {
  records: Record<Stream, number>;
  dropped: Record<Stream, number>;
}

export class RingSink implements AcquisitionSink {
  readonly #writer: RingSetWriter;
  readonly #values: ValueTableWriter;
  readonly #control: ControlBlock;
  readonly #dictionary: readonly ParameterInfo[];
  readonly #paramIndex: ReadonlyMap<string, number>;
  readonly #clock: Clock;
  readonly #log: Pick<Logger, 'warn'>;
  /** Per ring: the largest payload it takes (parameters: also what the value table takes). */
  readonly #maxBytes: number[];
  readonly #nextSeq: number[];
  readonly #records: number[] = STREAMS.map(() => 0);
  readonly #dropped: number[] = STREAMS.map(() => 0);
  /** Per ring: monotonic ms of the last record dropped (-Infinity: none), to raise one ALARM per burst. */
  readonly #lastDropMs: number[] = STREAMS.map(() => Number.NEGATIVE_INFINITY);
  readonly #meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  readonly #encoder = new RecordEncoder();
  #written = 0;

  constructor(opts: RingSinkOptions) {
    this.#writer = new RingSetWriter(opts.rings);
    this.#values = new ValueTableWriter(opts.valueTable);
    this.#control = new ControlBlock(opts.rings.control);
    this.#dictionary = opts.dictionary;
    this.#paramIndex = new Map(opts.dictionary.map((p, i) => [p.name, i]));
    this.#clock = opts.clock;
    this.#log = opts.log;
    if (opts.valueTable.entries < opts.dictionary.length) {
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_VALUE_TABLE_SIZE,
        `value table has ${opts.valueTable.entries} entries for ${opts.dictionary.length} parameters`,
      );
    }
    this.#maxBytes = STREAMS.map((_, ring) => this.#writer.maxRecordBytes(ring));
    // A parameter record is also the value table's current value: it must fit an entry.
    this.#maxBytes[PARAMETERS] = Math.min(this.#maxBytes[PARAMETERS]!, opts.valueTable.entryBytes);
    this.#nextSeq = STREAMS.map(
      (s, ring) => opts.initialSeq?.[s] ?? continueSeq(opts.rings, ring, opts.clock),
    );
  }

  frame(f: FrameIn): void {
    const seq = this.#nextSeq[FRAMES]!;
    this.#put(FRAMES, this.#encoder.frame(seq, f), seq, f.ert, 0, f.vcid, -1, f.quality);
  }

  packet(p: PacketIn): void {
    const seq = this.#nextSeq[PACKETS]!;
    this.#put(PACKETS, this.#encoder.packet(seq, p), seq, p.ert, p.scet, p.vcid, p.apid, p.quality);
  }

  sample(s: SampleIn): void {
    const info = this.#dictionary[s.param];
    if (!Number.isInteger(s.param) || info === undefined) {
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_UNKNOWN_PARAMETER,
        `sample for parameter index ${s.param}, the dictionary has ${this.#dictionary.length}`,
      );
    }
    const seq = this.#nextSeq[PARAMETERS]!;
    // Key order as in ICD §6; `unit` only for parameters that have one.
    const payload = this.#encoder.sample(seq, info.name, info.unit, s);
    if (this.#put(PARAMETERS, payload, seq, s.ert, s.scet, s.param, limitIndex(s.limit), s.quality)) {
      this.#values.set(s.param, payload);
    }
  }

  event(e: EventIn): void {
    const seq = this.#nextSeq[EVENTS]!;
    // -2: the event names a parameter outside the dictionary; only agencies allowed every
    // parameter receive it (src/actors/selection.ts), as its name may be one others must not see.
    const param = e.parameter === undefined ? -1 : (this.#paramIndex.get(e.parameter) ?? -2);
    const payload = this.#encoder.event(seq, e);
    this.#put(EVENTS, payload, seq, e.time, 0, SEVERITY_INDEX.get(e.severity) ?? -1, param, 0);
  }

  setLink(up: boolean): void {
    this.#control.setLinkUp(up);
  }

  /** Publishes everything written since the last commit and wakes the readers once. */
  commit(): void {
    if (this.#written === 0) return;
    this.#written = 0;
    // Doorbell last: a reader it wakes must already see the acquisition time and the values.
    this.#control.setLastAcquisitionUs(this.#clock.nowUs());
    this.#values.flip();
    this.#writer.commit();
  }

  nowUs(): number {
    return this.#clock.nowUs();
  }

  /** The position the next record of each ring will take (committed or not), in STREAMS order. */
  heads(): number[] {
    return STREAMS.map((_, ring) => this.#writer.head(ring));
  }

  counters(): SinkCounters {
    const byStream = (values: readonly number[]) =>
      Object.fromEntries(STREAMS.map((s, i) => [s, values[i]!])) as Record<Stream, number>;
    return { records: byStream(this.#records), dropped: byStream(this.#dropped) };
  }

  /** Writes one encoded record; a record its ring cannot hold is counted and dropped (false). */
  #put(
    ring: number,
    payload: Uint8Array,
    seq: number,
    ert: number,
    scet: number,
    key1: number,
    key2: number,
    quality: number,
  ): boolean {
    if (payload.length > this.#maxBytes[ring]!) {
      this.#drop(ring, payload.length);
      return false;
    }
    const meta = this.#meta;
    meta.seq = seq;
    meta.ert = ert;
    meta.scet = scet;
    meta.key1 = key1;
    meta.key2 = key2;
    meta.quality = quality;
    this.#writer.write(ring, meta, payload);
    this.#nextSeq[ring] = seq + 1;
    this.#records[ring]!++;
    this.#written++;
    return true;
  }

  /** Counts a record too large to carry (in the ring header: scs_records_dropped_total), once per burst an ALARM. */
  #drop(ring: number, bytes: number): void {
    this.#dropped[ring]!++;
    this.#writer.countTooLarge(ring);
    const now = this.#clock.monoMs();
    const quiet = now - this.#lastDropMs[ring]! >= DROP_QUIET_MS;
    this.#lastDropMs[ring] = now;
    if (!quiet) return;
    const stream = STREAMS[ring]!;
    const maxBytes = this.#maxBytes[ring]!;
    const holder =
      maxBytes < this.#writer.maxRecordBytes(ring)
        ? 'a value table entry holds'
        : `the ${stream} ring carries`;
    this.#log.warn({ stream, bytes, maxBytes }, 'record too large to carry: dropped (counted, ALARM event)');
    // An event about an event too large is small, so this never recurses more than once.
    this.event({
      time: this.#clock.nowUs(),
      severity: 'ALARM',
      source: 'acquisition',
      type: 'RECORD_DROPPED',
      message: `${stream} record of ${bytes} bytes is larger than the ${maxBytes} bytes ${holder}: dropped (scs_records_dropped_total{stream="${stream}",reason="too_large"})`,
    });
  }
}

/**
 * Drops of one stream less than this apart are one burst: one ALARM event and one log line
 * when it begins; the count (scs_records_dropped_total) goes up with every record.
 */
export const DROP_QUIET_MS = 10_000;

/**
 * One past the seq of the last committed record of `ring`, so seq stays strictly
 * increasing across a restart of the acquisition thread (ICD §6). If that record cannot
 * be read (a crashed writer overwrote it before publishing), the wall clock in µs is
 * used: larger than any seq this ring can have reached, so still increasing.
 */
function continueSeq(rings: RingSetBuffers, ring: number, clock: Clock): number {
  const reader = new RingSetReader(rings);
  const head = reader.head(ring);
  if (head === 0) return 1;
  const meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  return reader.readMeta(ring, head - 1, meta) >= 0 ? meta.seq + 1 : clock.nowUs();
}
