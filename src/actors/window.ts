// The records of one ring an actor looks at in one pump. Nothing is read until asked
// for: metadata when some group filters on it, payloads when some session will be sent
// them, each at most once however many groups of sessions use it.
import type { RecordMeta, RingSetReader } from '../ring/ring.ts';
import { ReadStatus } from '../ring/ring.ts';

/** Records read per ring per pump at most: bounds the time between event-loop turns. */
const MAX_RECORDS = 4096;
/** Payload scratch per ring per actor at most: large slots (64 KiB AOS frames) get fewer records. */
const MAX_SCRATCH_BYTES = 8 * 1024 * 1024;

const META_ONLY = -3;
const UNREAD = -4;

export class Window {
  readonly scratch: Uint8Array;
  readonly slotBytes: number;
  /** Positions one window covers at most. */
  readonly capacity: number;
  /** Payload length once copied; UNREAD, META_ONLY before; ReadStatus.EMPTY / OVERRUN when unreadable. */
  readonly #length = new Int32Array(MAX_RECORDS);
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
    this.slotBytes = reader.slotBytes(ring);
    this.capacity = Math.max(1, Math.min(MAX_RECORDS, Math.floor(MAX_SCRATCH_BYTES / this.slotBytes)));
    this.scratch = new Uint8Array(this.capacity * this.slotBytes);
  }

  /** Starts a window over positions [from, to); `to - from` must not exceed `capacity`. */
  load(from: number, to: number): void {
    this.from = from;
    this.to = to;
    this.#length.fill(UNREAD, 0, to - from);
  }

  #meta(i: number): number {
    const n = this.#length[i]!;
    if (n !== UNREAD) return n;
    const m = this.#tmp;
    const status = this.#reader.readMeta(this.#ring, this.from + i, m);
    if (status < 0) {
      this.#length[i] = status;
      return status;
    }
    this.#seq[i] = m.seq;
    this.#ert[i] = m.ert;
    this.#scet[i] = m.scet;
    this.#key1[i] = m.key1;
    this.#key2[i] = m.key2;
    this.#quality[i] = m.quality;
    this.#length[i] = META_ONLY;
    return META_ONLY;
  }

  /** False when the position could not be read (overwritten before the actor got to it). */
  readable(i: number): boolean {
    const n = this.#meta(i);
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

  /**
   * Copies the payload of window index `i` into the scratch at `i * slotBytes` (once) and
   * returns its length, or ReadStatus.OVERRUN when the writer overwrote the slot since
   * load(): the seqlock read decides, so a torn copy is never used.
   */
  payload(i: number): number {
    const n = this.#meta(i);
    if (n !== META_ONLY) return n;
    const got = this.#reader.read(this.#ring, this.from + i, this.#tmp, this.scratch, i * this.slotBytes);
    const length = got < 0 ? ReadStatus.OVERRUN : got;
    this.#length[i] = length;
    return length;
  }
}
