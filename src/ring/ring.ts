// Single-writer, multi-reader record rings in shared memory, one per stream.
//
// A ring is an index of `slots` fixed-size meta slots plus a byte ring (the data buffer) that
// holds the payloads back to back, each as long as it is: a 60-byte packet takes 60 bytes, a
// 65 KB one 65 KB, so memory is sized by the mean record, not the largest. Positions are a
// monotonic 64-bit counter; position p's meta lives in slot p mod slots. The head (next position
// to write) is published by the writer once per batch; each slot is guarded by its own seqlock
// (see layout.ts MetaI32.VERSION) and records its position, so a reader can tell its record from
// a newer one that overwrote it.
//
// A record is lost to readers in two ways: its slot is reused (slots records later) or its
// payload bytes are reused (the byte ring wrapped). The writer turns the second into the first:
// before it writes bytes that older records' payloads still occupy, it marks those records'
// slots odd (evicts them), so the one seqlock check of the slot covers meta and payload alike.
import { RingError, RingErrorCode } from './errors.ts';
import { fence } from './fence.ts';
import {
  ControlBlock,
  HEAD_BYTES,
  META_F64_PER_SLOT,
  META_I32_PER_SLOT,
  META_SLOT_BYTES,
  MetaF64,
  MetaI32,
  RingHeader,
} from './layout.ts';

export interface RingSpec {
  /** A power of two. */
  slots: number;
  /** Mean payload bytes budgeted per record, a multiple of 8: the data buffer is slots × slotBytes. */
  slotBytes: number;
}

export interface RingBuffers {
  slots: number;
  slotBytes: number;
  /** The ring header (layout.ts RingHeader): head, tail, data cursor, drop count. */
  head: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  /** The byte ring of payloads, slots × slotBytes bytes. */
  data: SharedArrayBuffer;
}

/** `rings` in STREAMS order (protocol/constants.ts). */
export interface RingSetBuffers {
  rings: RingBuffers[];
  control: SharedArrayBuffer;
}

/** seq, ert, scet: Float64 (µs times, stream seq up to 2^53); key1, key2, quality: Int32. */
export interface RecordMeta {
  seq: number;
  ert: number;
  scet: number;
  key1: number;
  key2: number;
  quality: number;
}

export const ReadStatus = { EMPTY: -1, OVERRUN: -2 } as const;
export type ReadStatus = (typeof ReadStatus)[keyof typeof ReadStatus];

/** The largest payload any ring carries: far above a CCSDS space packet (65,542 bytes) or frame record. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** A ring's largest payload is at most this fraction of its data buffer, so it always holds several. */
const MAX_RECORD_FRACTION = 4;

const MAX_SLOTS = 2 ** 30;
/** A ring's data buffer (slots × slotBytes) at most: payload offsets are Int32 slot fields. */
export const MAX_RING_DATA_BYTES = 2 ** 31 - 8;
// Versions stay in [0, 2^31) so a valid version is never mistaken for a negative ReadStatus.
const VERSION_MASK = 0x7fffffff;

/** The largest payload a ring of `slots` × `slotBytes` carries. */
export function maxRecordBytes(spec: RingSpec): number {
  return Math.min(MAX_RECORD_BYTES, Math.floor((spec.slots * spec.slotBytes) / MAX_RECORD_FRACTION));
}

export function createRingSet(specs: readonly RingSpec[]): RingSetBuffers {
  const rings = specs.map(({ slots, slotBytes }, i): RingBuffers => {
    checkSpec(slots, slotBytes, i);
    return {
      slots,
      slotBytes,
      head: new SharedArrayBuffer(HEAD_BYTES),
      meta: new SharedArrayBuffer(slots * META_SLOT_BYTES),
      data: new SharedArrayBuffer(slots * slotBytes),
    };
  });
  return { rings, control: ControlBlock.create() };
}

function checkSpec(slots: number, slotBytes: number, ring: number): void {
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS || (slots & (slots - 1)) !== 0) {
    throw new RingError(RingErrorCode.ERR_BAD_SPEC, `ring ${ring}: slots ${slots} is not a power of two`);
  }
  if (!Number.isInteger(slotBytes) || slotBytes <= 0 || slotBytes % 8 !== 0) {
    throw new RingError(
      RingErrorCode.ERR_BAD_SPEC,
      `ring ${ring}: slotBytes ${slotBytes} is not a positive multiple of 8`,
    );
  }
  if (slots * slotBytes > MAX_RING_DATA_BYTES) {
    throw new RingError(
      RingErrorCode.ERR_BAD_SPEC,
      `ring ${ring}: slots × slotBytes is ${slots * slotBytes} bytes, above ${MAX_RING_DATA_BYTES}`,
    );
  }
}

/** Typed views over one ring's buffers. */
interface RingViews {
  readonly slots: number;
  readonly mask: number;
  /** Bytes of the data buffer. */
  readonly capacity: number;
  readonly maxRecordBytes: number;
  readonly header: BigInt64Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly bytes: Uint8Array;
}

function viewsOf(set: RingSetBuffers): RingViews[] {
  return set.rings.map((b, i) => {
    checkSpec(b.slots, b.slotBytes, i);
    if (
      b.head.byteLength !== HEAD_BYTES ||
      b.meta.byteLength !== b.slots * META_SLOT_BYTES ||
      b.data.byteLength !== b.slots * b.slotBytes
    ) {
      throw new RingError(RingErrorCode.ERR_BAD_BUFFERS, `ring ${i}: buffer sizes do not match its spec`);
    }
    return {
      slots: b.slots,
      mask: b.slots - 1,
      capacity: b.data.byteLength,
      maxRecordBytes: maxRecordBytes(b),
      header: new BigInt64Array(b.head),
      i32: new Int32Array(b.meta),
      f64: new Float64Array(b.meta),
      bytes: new Uint8Array(b.data),
    };
  });
}

function ringAt(rings: readonly RingViews[], ring: number): RingViews {
  const r = rings[ring];
  if (r === undefined) throw new RingError(RingErrorCode.ERR_NO_SUCH_RING, `no ring ${ring}`);
  return r;
}

function loadHeader(r: RingViews, field: number): number {
  return Number(Atomics.load(r.header, field));
}

// `pos & mask` is pos mod slots for every integer pos < 2^53: the bitwise operators take
// ToInt32(pos), which keeps the low 32 bits, and mask < 2^30.

/** The writer of a ring set. Only one thread (the acquisition thread) may hold one. */
export class RingSetWriter {
  readonly #rings: RingViews[];
  readonly #control: ControlBlock;
  /** Per ring: the position the next write() uses. */
  readonly #next: number[];
  /** Per ring: the head last published. */
  readonly #published: number[];
  /** Per ring: the monotonic byte count where the next payload goes (the byte ring is `capacity` of it). */
  readonly #dataNext: number[];
  /** Per ring: the oldest position not evicted yet (its payload intact, unless its slot was reused). */
  readonly #tail: number[];

  constructor(set: RingSetBuffers) {
    this.#rings = viewsOf(set);
    this.#control = new ControlBlock(set.control);
    // Resume after a previous writer: positions and byte counts stay monotonic across writer
    // restarts. Whatever a crashed writer wrote after its last commit was never visible; what it
    // evicted stays evicted (odd), and the old tail only makes this writer evict those again.
    this.#published = this.#rings.map((r) => loadHeader(r, RingHeader.HEAD));
    this.#next = [...this.#published];
    this.#dataNext = this.#rings.map((r) => loadHeader(r, RingHeader.DATA_NEXT));
    this.#tail = this.#rings.map((r, i) =>
      Math.max(loadHeader(r, RingHeader.TAIL), this.#published[i]! - r.slots),
    );
  }

  /** Writes a record at the next position of `ring` (invisible to readers until commit()); returns its position. */
  write(ring: number, meta: RecordMeta, payload: Uint8Array): number {
    const r = ringAt(this.#rings, ring);
    const length = payload.length;
    if (length > r.maxRecordBytes) {
      throw new RingError(
        RingErrorCode.ERR_RECORD_TOO_LARGE,
        `ring ${ring}: payload of ${length} bytes exceeds the ring's largest record, ${r.maxRecordBytes} bytes`,
      );
    }
    const pos = this.#next[ring];
    // A payload is never split: one that would run past the end of the byte ring starts at its
    // beginning, and the bytes skipped count as used. `at` is a multiple of 8, as is capacity.
    let at = this.#dataNext[ring];
    let offset = at % r.capacity;
    if (offset + length > r.capacity) {
      at += r.capacity - offset;
      offset = 0;
    }
    const end = at + length;
    this.#evict(r, ring, pos, end - r.capacity);
    const slot = pos & r.mask;
    const i = slot * META_I32_PER_SLOT;
    const f = slot * META_F64_PER_SLOT;
    // Odd even if a crashed previous writer left the slot odd, or it was evicted. Only this thread
    // writes versions, so the plain read sees the last one.
    const odd = ((r.i32[i + MetaI32.VERSION] + 1) | 1) & VERSION_MASK;
    Atomics.store(r.i32, i + MetaI32.VERSION, odd);
    // The odd versions (this slot's and the evicted ones') must be visible before any byte of
    // the slot or of the payload area changes, else a reader could copy new bytes yet see the old
    // even version on both sides of its copy. A release store does not hold later plain stores
    // back; the fence does.
    fence();
    r.f64[f + MetaF64.POS] = pos;
    r.f64[f + MetaF64.SEQ] = meta.seq;
    r.f64[f + MetaF64.ERT] = meta.ert;
    r.f64[f + MetaF64.SCET] = meta.scet;
    r.f64[f + MetaF64.DATA_AT] = at;
    r.i32[i + MetaI32.LENGTH] = length;
    r.i32[i + MetaI32.OFFSET] = offset;
    r.i32[i + MetaI32.KEY1] = meta.key1;
    r.i32[i + MetaI32.KEY2] = meta.key2;
    r.i32[i + MetaI32.QUALITY] = meta.quality;
    r.bytes.set(payload, offset);
    // Sequentially consistent store: a reader whose Atomics.load returns this even version
    // happens-after every plain store above, so it sees the whole slot and payload.
    Atomics.store(r.i32, i + MetaI32.VERSION, (odd + 1) & VERSION_MASK);
    this.#next[ring] = pos + 1;
    // Payloads start 8-aligned: V8 copies shared memory word by word only when both ends are
    // aligned, byte by byte otherwise (3× slower for a 1115-byte frame; npm run bench:ring).
    this.#dataNext[ring] = end + (-end & 7);
    return pos;
  }

  /**
   * Evicts, oldest first, the records before `pos` whose payload starts below `keepFrom` (the
   * monotonic byte count from which the byte ring still holds what was written): the payload
   * about to be written reuses their bytes. Records are laid out in position order, so the
   * evicted ones are always a prefix [tail, t).
   */
  #evict(r: RingViews, ring: number, pos: number, keepFrom: number): void {
    // The slot of pos - slots is this write's own; everything older was reused already.
    let tail = Math.max(this.#tail[ring]!, pos - r.slots + 1);
    while (tail < pos) {
      const slot = tail & r.mask;
      if (r.f64[slot * META_F64_PER_SLOT + MetaF64.DATA_AT] >= keepFrom) break;
      const v = slot * META_I32_PER_SLOT + MetaI32.VERSION;
      Atomics.store(r.i32, v, r.i32[v] | 1);
      tail++;
    }
    this.#tail[ring] = tail;
  }

  /** Publishes the head of every ring written since the last commit, then rings the doorbell once.
   * Does nothing (no wake-up) when nothing was written. */
  commit(): void {
    let published = false;
    for (let ring = 0; ring < this.#rings.length; ring++) {
      const next = this.#next[ring];
      if (next === this.#published[ring]) continue;
      const h = this.#rings[ring].header;
      Atomics.store(h, RingHeader.TAIL, BigInt(this.#tail[ring]));
      Atomics.store(h, RingHeader.DATA_NEXT, BigInt(this.#dataNext[ring]));
      // Every slot store of the batch precedes this store in program order, so a reader that
      // loads this head (Atomics.load) happens-after all of them: positions below it are complete.
      Atomics.store(h, RingHeader.HEAD, BigInt(next));
      this.#published[ring] = next;
      published = true;
    }
    if (published) this.#control.ring();
  }

  /** The position the next write() on `ring` will use (committed or not). */
  head(ring: number): number {
    ringAt(this.#rings, ring);
    return this.#next[ring];
  }

  /** The largest payload write() takes on `ring`. */
  maxRecordBytes(ring: number): number {
    return ringAt(this.#rings, ring).maxRecordBytes;
  }

  /** Counts a record of `ring` its owner could not write because it was larger than maxRecordBytes(ring). */
  countTooLarge(ring: number): void {
    Atomics.add(ringAt(this.#rings, ring).header, RingHeader.DROPPED_TOO_LARGE, 1n);
  }
}

/** A lock-free reader of a ring set. Any number of threads may each hold one; one per thread. */
export class RingSetReader {
  readonly control: ControlBlock;
  readonly #rings: RingViews[];
  /** Per ring: the last head this reader loaded. Heads only grow, so a position below it is committed
   * without loading the head again (saves the BigInt conversion on the hot path). */
  readonly #knownHead: number[];

  constructor(set: RingSetBuffers) {
    this.#rings = viewsOf(set);
    this.control = new ControlBlock(set.control);
    this.#knownHead = this.#rings.map((r) => loadHeader(r, RingHeader.HEAD));
  }

  /** The next position to be written (the published head). */
  head(ring: number): number {
    const r = ringAt(this.#rings, ring);
    const head = loadHeader(r, RingHeader.HEAD);
    this.#knownHead[ring] = head;
    return head;
  }

  /**
   * The oldest position that may still be readable: max(head - slots, the tail as of the last
   * commit). Everything below it is overwritten (slot reused or payload evicted).
   */
  oldest(ring: number): number {
    const r = ringAt(this.#rings, ring);
    return Math.max(0, this.head(ring) - r.slots, loadHeader(r, RingHeader.TAIL));
  }

  /** The largest payload a record of `ring` can have: a `dst` of this many bytes takes any record. */
  maxRecordBytes(ring: number): number {
    return ringAt(this.#rings, ring).maxRecordBytes;
  }

  /** Records of `ring` refused by the writer's owner as larger than maxRecordBytes(ring). */
  droppedTooLarge(ring: number): number {
    return loadHeader(ringAt(this.#rings, ring), RingHeader.DROPPED_TOO_LARGE);
  }

  /**
   * Reads the meta of the record at `pos` (a non-negative integer) into `out`.
   * 0: `out` holds the record, untorn. EMPTY: not written yet. OVERRUN: overwritten (`out` is garbage).
   */
  readMeta(ring: number, pos: number, out: RecordMeta): number {
    return Math.min(0, this.readMetaLength(ring, pos, out));
  }

  /** Like readMeta, but returns the record's payload length (>= 0) when `out` holds the record. */
  readMetaLength(ring: number, pos: number, out: RecordMeta): number {
    const r = ringAt(this.#rings, ring);
    const version = this.#open(r, ring, pos);
    if (version < 0) return version;
    const slot = pos & r.mask;
    this.#copyMeta(r, slot, out);
    const length = r.i32[slot * META_I32_PER_SLOT + MetaI32.LENGTH];
    return this.#unchanged(r, slot, version) ? length : ReadStatus.OVERRUN;
  }

  /**
   * Like readMeta, and copies the payload into `dst` at `dstOffset`. Returns the payload length
   * (>= 0), or EMPTY/OVERRUN (then `out` and the copied bytes are garbage). Throws
   * ERR_DST_TOO_SMALL when the record is longer than the room after `dstOffset` (a `dst` of
   * maxRecordBytes(ring) always has room).
   */
  read(ring: number, pos: number, out: RecordMeta, dst: Uint8Array, dstOffset: number): number {
    const r = ringAt(this.#rings, ring);
    const room = dst.length - dstOffset;
    if (!(dstOffset >= 0 && room >= 0)) {
      throw new RingError(
        RingErrorCode.ERR_DST_TOO_SMALL,
        `ring ${ring}: dst offset ${dstOffset} is outside dst`,
      );
    }
    const version = this.#open(r, ring, pos);
    if (version < 0) return version;
    const slot = pos & r.mask;
    this.#copyMeta(r, slot, out);
    // Plain Int32 reads never tear (JS memory model). A racy length and offset may belong to two
    // different writes, but each is within [0, capacity], and subarray clamps, so the copy below
    // stays inside the data buffer and never throws; the version check then rejects it.
    const i = slot * META_I32_PER_SLOT;
    const length = r.i32[i + MetaI32.LENGTH];
    const offset = r.i32[i + MetaI32.OFFSET];
    if (length > room) {
      if (!this.#unchanged(r, slot, version)) return ReadStatus.OVERRUN;
      throw new RingError(
        RingErrorCode.ERR_DST_TOO_SMALL,
        `ring ${ring}: dst has ${room} bytes at offset ${dstOffset}, the record at ${pos} needs ${length}`,
      );
    }
    dst.set(r.bytes.subarray(offset, offset + length), dstOffset);
    return this.#unchanged(r, slot, version) ? length : ReadStatus.OVERRUN;
  }

  /** Seqlock entry: the slot's even version when it holds `pos` complete, else EMPTY or OVERRUN. */
  #open(r: RingViews, ring: number, pos: number): number {
    if (pos >= this.#knownHead[ring] && pos >= this.head(ring)) return ReadStatus.EMPTY;
    // A stale known head only lets through positions the slot check below rejects.
    if (pos < this.#knownHead[ring] - r.slots) return ReadStatus.OVERRUN;
    const slot = pos & r.mask;
    // Acquire: the plain reads of the slot that follow cannot be done before this load, and if
    // the version is even they see at least the write that made it even.
    const version = Atomics.load(r.i32, slot * META_I32_PER_SLOT + MetaI32.VERSION);
    // pos is committed, so the slot holds pos or a newer position (p + k·slots): odd means a newer
    // record is being written over it or its payload was evicted, another position means it was
    // overwritten already.
    if ((version & 1) !== 0 || r.f64[slot * META_F64_PER_SLOT + MetaF64.POS] !== pos) {
      return ReadStatus.OVERRUN;
    }
    return version;
  }

  /** Seqlock exit: true when the slot did not change since #open, so the copies are untorn. */
  #unchanged(r: RingViews, slot: number, version: number): boolean {
    // The copies above are racy plain reads; the fence makes them complete before the re-check
    // (an acquire load alone would let them drift after it). If the writer began overwriting
    // the slot, or evicted it before reusing its payload bytes, before any of those reads, its
    // odd store precedes them, so this load sees it.
    fence();
    return Atomics.load(r.i32, slot * META_I32_PER_SLOT + MetaI32.VERSION) === version;
  }

  #copyMeta(r: RingViews, slot: number, out: RecordMeta): void {
    const i = slot * META_I32_PER_SLOT;
    const f = slot * META_F64_PER_SLOT;
    out.seq = r.f64[f + MetaF64.SEQ];
    out.ert = r.f64[f + MetaF64.ERT];
    out.scet = r.f64[f + MetaF64.SCET];
    out.key1 = r.i32[i + MetaI32.KEY1];
    out.key2 = r.i32[i + MetaI32.KEY2];
    out.quality = r.i32[i + MetaI32.QUALITY];
  }
}
