// The records of one ring an actor looks at in one pump. Metadata is read once per position
// when the window is loaded; a payload is copied out of the ring only when some session will
// be sent it, and at most once however many groups of sessions use it.
import type { RecordMeta, RingSetReader } from '../ring/ring.ts';
import { ReadStatus } from '../ring/ring.ts';

/** Records read per ring per pump at most: bounds the time between event-loop turns. */
const MAX_RECORDS = 4096;
/** Payload scratch per ring per actor: a window ends early rather than hold more bytes than this. */
const SCRATCH_BYTES = 8 * 1024 * 1024;

const META_ONLY = -3;

export class Window {
  /** Payloads copied by payload(i), record i at offset(i). */
  readonly scratch: Uint8Array;
  /** Positions one window covers at most. */
  readonly capacity = MAX_RECORDS;
  /** Payload length once copied; META_ONLY before; ReadStatus.EMPTY / OVERRUN when unreadable. */
  readonly #length = new Int32Array(MAX_RECORDS);
  /** Where the payload goes in the scratch. */
  readonly #offset = new Int32Array(MAX_RECORDS);
  readonly #seq = new Float64Array(MAX_RECORDS);
  readonly #ert = new Float64Array(MAX_RECORDS);
  readonly #scet = new Float64Array(MAX_RECORDS);
  readonly #key1 = new Int32Array(MAX_RECORDS);
  readonly #key2 = new Int32Array(MAX_RECORDS);
  readonly #quality = new Int32Array(MAX_RECORDS);
  readonly #reader: RingSetReader;
  readonly #ring: number;
  readonly #tmp: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  from = 0;
  to = 0;

  constructor(reader: RingSetReader, ring: number) {
    this.#reader = reader;
    this.#ring = ring;
    // Records vary in size (60-byte packets beside 64 KB ones): the scratch is a byte budget,
    // never smaller than the ring's largest record, so a window always takes at least one.
    this.scratch = new Uint8Array(Math.max(SCRATCH_BYTES, reader.maxRecordBytes(ring)));
  }

  /**
   * Starts a window over positions [from, to) (`to - from` must not exceed `capacity`), reading
   * each position's meta. The window ends early (`this.to` < `to`) where the payloads would not
   * all fit the scratch.
   */
  load(from: number, to: number): void {
    this.from = from;
    const m = this.#tmp;
    const room = this.scratch.length;
    let used = 0;
    let i = 0;
    for (; from + i < to; i++) {
      const n = this.#reader.readMetaLength(this.#ring, from + i, m);
      if (n < 0) {
        this.#length[i] = n;
        continue;
      }
      if (used + n > room) break;
      this.#seq[i] = m.seq;
      this.#ert[i] = m.ert;
      this.#scet[i] = m.scet;
      this.#key1[i] = m.key1;
      this.#key2[i] = m.key2;
      this.#quality[i] = m.quality;
      this.#offset[i] = used;
      this.#length[i] = META_ONLY;
      // 8-aligned, as in the ring: V8 copies shared memory word by word only between aligned ends.
      used += n + (-n & 7);
    }
    this.to = from + i;
  }

  /** False when the position could not be read (overwritten before the actor got to it). */
  readable(i: number): boolean {
    const n = this.#length[i]!;
    return n >= 0 || n === META_ONLY;
  }

  /** Call after readable(i) returned true. */
  fill(i: number, meta: RecordMeta): void {
    meta.seq = this.#seq[i]!;
    meta.ert = this.#ert[i]!;
    meta.scet = this.#scet[i]!;
    meta.key1 = this.#key1[i]!;
    meta.key2 = this.#key2[i]!;
    meta.quality = this.#quality[i]!;
  }

  /** Where payload(i) puts the payload of window index `i` in the scratch. */
  offset(i: number): number {
    return this.#offset[i]!;
  }

  /**
   * Copies the payload of window index `i` into the scratch at offset(i) (once) and returns its
   * length, or ReadStatus.OVERRUN when the writer overwrote or evicted the record since load():
   * the seqlock read decides, so a torn copy is never used.
   */
  payload(i: number): number {
    const n = this.#length[i]!;
    if (n !== META_ONLY) return n;
    // load() left room for the size the meta gave, and a position's record never changes once
    // committed (a newer record in its slot is an OVERRUN), so the copy fits.
    const got = this.#reader.read(this.#ring, this.from + i, this.#tmp, this.scratch, this.#offset[i]!);
    const length = got < 0 ? ReadStatus.OVERRUN : got;
    this.#length[i] = length;
    return length;
  }
}
