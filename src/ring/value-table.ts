// Double-buffered current value table: the latest encoded record of every parameter index.
//
// Two banks. Readers read the front bank; the single writer (acquisition thread) writes the back
// bank and flips. Each bank has a version that is odd whenever the writer may change that bank
// (from the moment it stops being the front until it is published again), so a reader that was
// still copying from a bank when it was flipped away sees the version move and retries.
import { RingError, RingErrorCode } from './errors.ts';
import { fence } from './fence.ts';
import { VT_HEADER_BYTES, VT_NO_VALUE, VtI32, valueTableLayout } from './layout.ts';

export interface ValueTableBuffers {
  entries: number;
  entryBytes: number;
  sab: SharedArrayBuffer;
}

/** Whole-bank snapshot tries before falling back to per-entry consistency. */
const MAX_ATTEMPTS = 64;

// Versions stay in [0, 2^31).
const VERSION_MASK = 0x7fffffff;

export function createValueTable(entries: number, entryBytes: number): ValueTableBuffers {
  checkSizes(entries, entryBytes);
  const layout = valueTableLayout(entries, entryBytes);
  const sab = new SharedArrayBuffer(layout.totalBytes);
  new Int32Array(sab, layout.lengthsOffset, 2 * entries).fill(VT_NO_VALUE);
  const header = new Int32Array(sab, 0, VT_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
  header[VtI32.FRONT] = 0;
  header[VtI32.VERSION] = 0;
  header[VtI32.VERSION + 1] = 1;
  return { entries, entryBytes, sab };
}

function checkSizes(entries: number, entryBytes: number): void {
  if (!Number.isInteger(entries) || entries < 1 || !Number.isInteger(entryBytes) || entryBytes < 1) {
    throw new RingError(
      RingErrorCode.ERR_BAD_SPEC,
      `value table of ${entries} entries of ${entryBytes} bytes: both must be positive integers`,
    );
  }
}

interface TableViews {
  readonly entries: number;
  readonly entryBytes: number;
  readonly header: Int32Array;
  /** Entry i of bank b at `b * entries + i`; VT_NO_VALUE when it has none. */
  readonly lengths: Int32Array;
  /** Entry i of bank b at byte `(b * entries + i) * entryBytes`. */
  readonly bytes: Uint8Array;
}

function viewsOf(b: ValueTableBuffers): TableViews {
  checkSizes(b.entries, b.entryBytes);
  const layout = valueTableLayout(b.entries, b.entryBytes);
  if (b.sab.byteLength !== layout.totalBytes) {
    throw new RingError(
      RingErrorCode.ERR_BAD_BUFFERS,
      `value table buffer is ${b.sab.byteLength} bytes, expected ${layout.totalBytes}`,
    );
  }
  return {
    entries: b.entries,
    entryBytes: b.entryBytes,
    header: new Int32Array(b.sab, 0, VT_HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT),
    lengths: new Int32Array(b.sab, layout.lengthsOffset, 2 * b.entries),
    bytes: new Uint8Array(b.sab, layout.dataOffset, 2 * b.entries * b.entryBytes),
  };
}

function checkIndex(v: TableViews, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= v.entries) {
    throw new RingError(
      RingErrorCode.ERR_BAD_INDEX,
      `value table index ${index} is not in [0, ${v.entries})`,
    );
  }
}

/** The writer of a value table. Only one thread (the acquisition thread) may hold one. */
export class ValueTableWriter {
  readonly #v: TableViews;
  #back: number;
  /** Indices set since the last flip (each once), and a flag per index. */
  readonly #changed: Int32Array;
  #changedCount = 0;
  readonly #isChanged: Uint8Array;

  constructor(b: ValueTableBuffers) {
    const v = viewsOf(b);
    this.#v = v;
    this.#changed = new Int32Array(v.entries);
    this.#isChanged = new Uint8Array(v.entries);
    const front = Atomics.load(v.header, VtI32.FRONT);
    this.#back = 1 - front;
    // A previous writer may have left the back bank partly updated, and its list of changes is
    // gone: start from a full copy of the front, under an odd version like every back bank.
    this.#open(this.#back);
    const n = v.entries;
    v.lengths.copyWithin(this.#back * n, front * n, front * n + n);
    v.bytes.copyWithin(
      this.#back * n * v.entryBytes,
      front * n * v.entryBytes,
      (front + 1) * n * v.entryBytes,
    );
  }

  /** Sets the value of `index` in the back bank; readers see it after the next flip(). */
  set(index: number, payload: Uint8Array): void {
    const v = this.#v;
    checkIndex(v, index);
    if (payload.length > v.entryBytes) {
      throw new RingError(
        RingErrorCode.ERR_RECORD_TOO_LARGE,
        `value table entry of ${payload.length} bytes exceeds entryBytes ${v.entryBytes}`,
      );
    }
    const e = this.#back * v.entries + index;
    v.lengths[e] = payload.length;
    v.bytes.set(payload, e * v.entryBytes);
    if (this.#isChanged[index] === 0) {
      this.#isChanged[index] = 1;
      this.#changed[this.#changedCount++] = index;
    }
  }

  /**
   * Publishes the back bank as the front, then brings the new back bank up to date with the
   * entries changed since the previous flip, so no update is lost. No-op when nothing changed.
   */
  flip(): void {
    if (this.#changedCount === 0) return;
    const v = this.#v;
    const published = this.#back;
    const back = 1 - published;
    const version = v.header[VtI32.VERSION + published];
    // Even version, then FRONT: both sequentially consistent after the bank's plain stores, so a
    // reader that loads the new FRONT sees the bank complete and its version even.
    Atomics.store(v.header, VtI32.VERSION + published, (version + 1) & VERSION_MASK);
    Atomics.store(v.header, VtI32.FRONT, published);
    this.#open(back);
    const n = v.entries;
    const size = v.entryBytes;
    for (let k = 0; k < this.#changedCount; k++) {
      const index = this.#changed[k];
      const from = published * n + index;
      const to = back * n + index;
      const length = v.lengths[from];
      v.lengths[to] = length;
      v.bytes.copyWithin(to * size, from * size, from * size + length);
      this.#isChanged[index] = 0;
    }
    this.#changedCount = 0;
    this.#back = back;
  }

  /** Makes `bank`'s version odd before the first of its bytes changes. */
  #open(bank: number): void {
    const header = this.#v.header;
    // Only this thread writes versions, so the plain read sees the last one.
    Atomics.store(header, VtI32.VERSION + bank, ((header[VtI32.VERSION + bank] + 1) | 1) & VERSION_MASK);
    // A reader still copying from this bank (it loaded FRONT before the flip) must see the odd
    // version if it could see any byte changed after it; a release store alone does not hold
    // the later plain stores back, the fence does.
    fence();
  }
}

/** A lock-free reader of a value table. Any number of threads may each hold one; one per thread. */
export class ValueTableReader {
  readonly #v: TableViews;
  readonly #scratch: Uint8Array;
  #bank = new Uint8Array(0);

  constructor(b: ValueTableBuffers) {
    this.#v = viewsOf(b);
    this.#scratch = new Uint8Array(this.#v.entryBytes);
  }

  /**
   * Calls `visit` for each index of `indices` that has a value, all from one published
   * bank: the values the table held at one moment (a seq-ordered client stream needs
   * that, or a value copied before a flip could be older than one copied after it).
   * Retried while the writer flips during the copy; if it flips faster than a copy takes
   * for `MAX_ATTEMPTS` tries, each value is still untorn and published at some moment
   * during the call, only not the same moment. Payload views are reused after visit.
   */
  snapshot(indices: Iterable<number>, visit: (index: number, payload: Uint8Array) => void): void {
    const v = this.#v;
    const list = [...indices];
    for (const index of list) checkIndex(v, index);
    const size = v.entryBytes;
    if (this.#bank.length < list.length * size) this.#bank = new Uint8Array(list.length * size);
    const lengths = new Int32Array(list.length);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const bank = Atomics.load(v.header, VtI32.FRONT);
      // Acquire: the plain reads below are done after this load.
      const version = Atomics.load(v.header, VtI32.VERSION + bank);
      // Odd: the writer flipped after FRONT was loaded and may be changing this bank.
      if ((version & 1) !== 0) continue;
      for (let k = 0; k < list.length; k++) {
        const e = bank * v.entries + list[k]!;
        // Racy plain reads: an Int32 never tears, and the writer only stores lengths in
        // [VT_NO_VALUE, entryBytes], so the copy stays inside the entry whatever it reads.
        const length = v.lengths[e]!;
        lengths[k] = length;
        if (length > 0) this.#bank.set(v.bytes.subarray(e * size, e * size + length), k * size);
      }
      // The copies complete before the re-check (see fence.ts).
      fence();
      if (Atomics.load(v.header, VtI32.VERSION + bank) !== version) continue;
      for (let k = 0; k < list.length; k++) {
        if (lengths[k] !== VT_NO_VALUE)
          visit(list[k]!, this.#bank.subarray(k * size, k * size + lengths[k]!));
      }
      return;
    }
    this.#perEntry(list, visit);
  }

  #perEntry(indices: readonly number[], visit: (index: number, payload: Uint8Array) => void): void {
    const v = this.#v;
    const size = v.entryBytes;
    let bank = -1;
    let version = 0;
    for (const index of indices) {
      let length = VT_NO_VALUE;
      for (;;) {
        if (bank < 0) {
          bank = Atomics.load(v.header, VtI32.FRONT);
          version = Atomics.load(v.header, VtI32.VERSION + bank);
          if ((version & 1) !== 0) {
            bank = -1;
            continue;
          }
        }
        const e = bank * v.entries + index;
        length = v.lengths[e]!;
        if (length > 0) this.#scratch.set(v.bytes.subarray(e * size, e * size + length));
        fence();
        if (Atomics.load(v.header, VtI32.VERSION + bank) === version) break;
        bank = -1;
      }
      if (length !== VT_NO_VALUE) visit(index, this.#scratch.subarray(0, length));
    }
  }

  /** Whether `index` has a value in the front bank. */
  has(index: number): boolean {
    const v = this.#v;
    checkIndex(v, index);
    for (;;) {
      const bank = Atomics.load(v.header, VtI32.FRONT);
      const version = Atomics.load(v.header, VtI32.VERSION + bank);
      if ((version & 1) !== 0) continue;
      const present = Atomics.load(v.lengths, bank * v.entries + index) !== VT_NO_VALUE;
      if (Atomics.load(v.header, VtI32.VERSION + bank) === version) return present;
    }
  }
}
