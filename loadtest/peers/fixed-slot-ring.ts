// The fixed-stride ring SCS used before variable-length records (commit 0757dc1,
// src/ring/ring.ts), frozen here as the peer `npm run bench:ring` measures the current ring
// against in the same run. Not used by the server.
// Single-writer, multi-reader record rings in shared memory, one per stream.
//
// Each ring is `slots` fixed-stride slots. Positions are a monotonic 64-bit counter; position p
// lives in slot p mod slots. The head (next position to write) is published by the writer once
// per batch; each slot is guarded by its own seqlock (see layout.ts MetaI32.VERSION) and records
// its position, so a reader can tell its record from a newer one that overwrote it.
import { RingError, RingErrorCode } from '../../src/ring/errors.ts';
import { fence } from '../../src/ring/fence.ts';
import { ControlBlock } from '../../src/ring/layout.ts';

const META_SLOT_BYTES = 64;
const META_I32_PER_SLOT = 16;
const META_F64_PER_SLOT = 8;
const MetaI32 = { VERSION: 0, LENGTH: 1, KEY1: 2, KEY2: 3, QUALITY: 4 } as const;
const MetaF64 = { POS: 3, SEQ: 4, ERT: 5, SCET: 6 } as const;
const HEAD_BYTES = 8;
const HEAD = 0;

export interface RingSpec {
  /** A power of two. */
  slots: number;
  /** Largest payload of a record; a multiple of 8. */
  slotBytes: number;
}

export interface RingBuffers {
  slots: number;
  slotBytes: number;
  head: SharedArrayBuffer;
  meta: SharedArrayBuffer;
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

const MAX_SLOTS = 2 ** 30;
// Versions stay in [0, 2^31) so a valid version is never mistaken for a negative ReadStatus.
const VERSION_MASK = 0x7fffffff;

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
}

/** Typed views over one ring's buffers. */
interface RingViews {
  readonly slots: number;
  readonly mask: number;
  readonly slotBytes: number;
  readonly head: BigInt64Array;
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
      slotBytes: b.slotBytes,
      head: new BigInt64Array(b.head),
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

  constructor(set: RingSetBuffers) {
    this.#rings = viewsOf(set);
    this.#control = new ControlBlock(set.control);
    // Resume after a previous writer: positions stay monotonic across writer restarts.
    this.#published = this.#rings.map((r) => Number(Atomics.load(r.head, HEAD)));
    this.#next = [...this.#published];
  }

  /** Writes a record into the next slot of `ring` (invisible to readers until commit()); returns its position. */
  write(ring: number, meta: RecordMeta, payload: Uint8Array): number {
    const r = ringAt(this.#rings, ring);
    if (payload.length > r.slotBytes) {
      throw new RingError(
        RingErrorCode.ERR_RECORD_TOO_LARGE,
        `ring ${ring}: payload of ${payload.length} bytes exceeds slotBytes ${r.slotBytes}`,
      );
    }
    const pos = this.#next[ring];
    const slot = pos & r.mask;
    const i = slot * META_I32_PER_SLOT;
    const f = slot * META_F64_PER_SLOT;
    // Odd even if a crashed previous writer left the slot odd. Only this thread writes versions,
    // so the plain read sees the last one.
    const odd = ((r.i32[i + MetaI32.VERSION] + 1) | 1) & VERSION_MASK;
    Atomics.store(r.i32, i + MetaI32.VERSION, odd);
    // The odd version must be visible before any byte of the slot changes, else a reader could
    // copy new bytes yet see the old even version on both sides of its copy. A release store
    // does not hold later plain stores back; the fence does.
    fence();
    r.f64[f + MetaF64.POS] = pos;
    r.f64[f + MetaF64.SEQ] = meta.seq;
    r.f64[f + MetaF64.ERT] = meta.ert;
    r.f64[f + MetaF64.SCET] = meta.scet;
    r.i32[i + MetaI32.LENGTH] = payload.length;
    r.i32[i + MetaI32.KEY1] = meta.key1;
    r.i32[i + MetaI32.KEY2] = meta.key2;
    r.i32[i + MetaI32.QUALITY] = meta.quality;
    r.bytes.set(payload, slot * r.slotBytes);
    // Sequentially consistent store: a reader whose Atomics.load returns this even version
    // happens-after every plain store above, so it sees the whole slot.
    Atomics.store(r.i32, i + MetaI32.VERSION, (odd + 1) & VERSION_MASK);
    this.#next[ring] = pos + 1;
    return pos;
  }

  /** Publishes the head of every ring written since the last commit, then rings the doorbell once.
   * Does nothing (no wake-up) when nothing was written. */
  commit(): void {
    let published = false;
    for (let ring = 0; ring < this.#rings.length; ring++) {
      const next = this.#next[ring];
      if (next === this.#published[ring]) continue;
      // Every slot store of the batch precedes this store in program order, so a reader that
      // loads this head (Atomics.load) happens-after all of them: positions below it are complete.
      Atomics.store(this.#rings[ring].head, HEAD, BigInt(next));
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
    this.#knownHead = this.#rings.map((r) => Number(Atomics.load(r.head, HEAD)));
  }

  /** The next position to be written (the published head). */
  head(ring: number): number {
    const r = ringAt(this.#rings, ring);
    const head = Number(Atomics.load(r.head, HEAD));
    this.#knownHead[ring] = head;
    return head;
  }

  /** The oldest position that may still be readable: max(0, head - slots). */
  oldest(ring: number): number {
    return Math.max(0, this.head(ring) - ringAt(this.#rings, ring).slots);
  }

  slotBytes(ring: number): number {
    return ringAt(this.#rings, ring).slotBytes;
  }

  /**
   * Reads the meta of the record at `pos` (a non-negative integer) into `out`.
   * 0: `out` holds the record, untorn. EMPTY: not written yet. OVERRUN: overwritten (`out` is garbage).
   */
  readMeta(ring: number, pos: number, out: RecordMeta): number {
    const r = ringAt(this.#rings, ring);
    const version = this.#open(r, ring, pos);
    if (version < 0) return version;
    const slot = pos & r.mask;
    this.#copyMeta(r, slot, out);
    return this.#unchanged(r, slot, version) ? 0 : ReadStatus.OVERRUN;
  }

  /**
   * Like readMeta, and copies the payload into `dst` at `dstOffset`, which must have slotBytes of
   * room. Returns the payload length (>= 0), or EMPTY/OVERRUN (then `out` and the copied bytes are garbage).
   */
  read(ring: number, pos: number, out: RecordMeta, dst: Uint8Array, dstOffset: number): number {
    const r = ringAt(this.#rings, ring);
    // Checked against slotBytes, not the record's length: that length is only trustworthy after
    // the copy has been validated, and a copy must never throw halfway.
    if (!(dstOffset >= 0 && dstOffset + r.slotBytes <= dst.length)) {
      throw new RingError(
        RingErrorCode.ERR_DST_TOO_SMALL,
        `ring ${ring}: dst needs ${r.slotBytes} bytes at offset ${dstOffset}, has ${dst.length - dstOffset}`,
      );
    }
    const version = this.#open(r, ring, pos);
    if (version < 0) return version;
    const slot = pos & r.mask;
    this.#copyMeta(r, slot, out);
    // Plain Int32 reads never tear (JS memory model), and the writer only stores lengths within
    // [0, slotBytes], so even a racy length keeps the copy inside this slot's payload stride.
    const length = r.i32[slot * META_I32_PER_SLOT + MetaI32.LENGTH];
    const start = slot * r.slotBytes;
    dst.set(r.bytes.subarray(start, start + length), dstOffset);
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
    // record is being written over it, another position means it was overwritten already.
    if ((version & 1) !== 0 || r.f64[slot * META_F64_PER_SLOT + MetaF64.POS] !== pos) {
      return ReadStatus.OVERRUN;
    }
    return version;
  }

  /** Seqlock exit: true when the slot did not change since #open, so the copies are untorn. */
  #unchanged(r: RingViews, slot: number, version: number): boolean {
    // The copies above are racy plain reads; the fence makes them complete before the re-check
    // (an acquire load alone would let them drift after it). If the writer began overwriting
    // the slot before any of those reads, its odd store precedes them, so this load sees it.
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
