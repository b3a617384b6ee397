// Every index into the shared buffers of src/ring is named here, so the writer (acquisition
// thread), the readers (actors) and the main thread that creates the buffers agree on them.
import { RingError, RingErrorCode } from './errors.ts';

// ---- ring slot meta: one 64-byte block per slot (one cache line, so neighbouring slots never
// share a line between the writer and a reader) seen as Int32 and Float64 elements.

export const META_SLOT_BYTES = 64;
export const META_I32_PER_SLOT = META_SLOT_BYTES / Int32Array.BYTES_PER_ELEMENT;
export const META_F64_PER_SLOT = META_SLOT_BYTES / Float64Array.BYTES_PER_ELEMENT;

/** Int32 fields of a slot, as offsets from `slot * META_I32_PER_SLOT`. */
export const MetaI32 = {
  /** Seqlock version: odd while the writer writes the slot, even when the slot is complete. */
  VERSION: 0,
  /** Payload length in bytes. */
  LENGTH: 1,
  KEY1: 2,
  KEY2: 3,
  QUALITY: 4,
  /** Byte offset of the payload in the ring's data buffer. */
  OFFSET: 5,
} as const;

/** Float64 fields of a slot, as offsets from `slot * META_F64_PER_SLOT` (bytes 24…55 of the block). */
export const MetaF64 = {
  /** Ring position of the record held by the slot. */
  POS: 3,
  SEQ: 4,
  ERT: 5,
  SCET: 6,
  /** Where the payload starts in the ring's monotonic byte count (the writer's bookkeeping). */
  DATA_AT: 7,
} as const;

// ---- ring header: a few BigInt64 per ring, its own buffer (the `head` buffer).

/** BigInt64 fields of a ring's header. Only the writer stores them. */
export const RingHeader = {
  /** The head: next position to write, published once per commit. */
  HEAD: 0,
  /** Oldest position whose payload the writer has not evicted, as of the last commit. */
  TAIL: 1,
  /** Monotonic byte count where the next payload goes, as of the last commit (a new writer resumes there). */
  DATA_NEXT: 2,
  /** Records the writer's owner refused because they were larger than the ring's largest record. */
  DROPPED_TOO_LARGE: 3,
} as const;
export const HEAD_BYTES = 4 * BigInt64Array.BYTES_PER_ELEMENT;
/** Index of the head (next position to write) in the ring's BigInt64Array. */
export const HEAD = RingHeader.HEAD;

// ---- control block: one buffer for the whole ring set.

export const CONTROL_BYTES = 16;
/** Int32 fields of the control block. */
export const ControlI32 = {
  /** Bumped and notified by the writer once per commit. */
  DOORBELL: 0,
  /** 1 while the acquisition link is up. */
  LINK_UP: 1,
} as const;
/** 64-bit fields of the control block (Float64 values, accessed atomically through a BigInt64 alias). */
export const Control64 = {
  /** µs time of the last record written. */
  LAST_ACQUISITION_US: 1,
} as const;

// ---- value table: header, then two banks of lengths, then two banks of payloads.

export const VT_HEADER_BYTES = 64;
/** Int32 fields of the value table header. */
export const VtI32 = {
  /** Which bank (0 or 1) is the front, the one readers read. */
  FRONT: 0,
  /** Per-bank version, at VERSION + bank: odd while the writer may change that bank. */
  VERSION: 1,
} as const;
/** Length of an entry that has no value yet. */
export const VT_NO_VALUE = -1;

/** Layout of a value table of `entries` entries of up to `entryBytes` bytes. */
export function valueTableLayout(entries: number, entryBytes: number) {
  const lengthsBytes = 2 * entries * Int32Array.BYTES_PER_ELEMENT;
  // Payload banks start 8-aligned after the lengths.
  const dataOffset = VT_HEADER_BYTES + Math.ceil(lengthsBytes / 8) * 8;
  return {
    /** Byte offset of the Int32 lengths; entry i of bank b is at element `b * entries + i`. */
    lengthsOffset: VT_HEADER_BYTES,
    /** Byte offset of the payloads; entry i of bank b starts at `(b * entries + i) * entryBytes`. */
    dataOffset,
    totalBytes: dataOffset + 2 * entries * entryBytes,
  };
}

// Reinterprets a Float64 as the BigInt64 with the same bits, and back. Plain Float64 accesses
// may tear under a race (the JS memory model only promises tear-free plain access for integer
// element types); going through Atomics on a BigInt64 alias keeps a shared Float64 whole.
const bitsF64 = new Float64Array(1);
const bitsI64 = new BigInt64Array(bitsF64.buffer);

/** The control block shared by the acquisition writer and every reader. */
export class ControlBlock {
  readonly #i32: Int32Array;
  readonly #i64: BigInt64Array;

  constructor(sab: SharedArrayBuffer) {
    if (sab.byteLength !== CONTROL_BYTES) {
      throw new RingError(
        RingErrorCode.ERR_BAD_BUFFERS,
        `control block is ${sab.byteLength} bytes, not ${CONTROL_BYTES}`,
      );
    }
    this.#i32 = new Int32Array(sab, 0, CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT);
    this.#i64 = new BigInt64Array(sab, 0, CONTROL_BYTES / BigInt64Array.BYTES_PER_ELEMENT);
  }

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(CONTROL_BYTES);
  }

  doorbell(): number {
    return Atomics.load(this.#i32, ControlI32.DOORBELL);
  }

  /** Bumps the doorbell and wakes every waiter. The add is sequentially consistent, so a reader
   * that sees the new doorbell value also sees every head stored before the call. */
  ring(): void {
    Atomics.add(this.#i32, ControlI32.DOORBELL, 1);
    Atomics.notify(this.#i32, ControlI32.DOORBELL);
  }

  /**
   * Resolves once the doorbell differs from `seen`, or after `timeoutMs`. Read `seen` with
   * doorbell() BEFORE scanning the heads: a commit after that read changes the doorbell, so
   * waitAsync returns at once instead of sleeping through it (no lost wake-up). Never polls.
   */
  waitDoorbell(seen: number, timeoutMs: number): Promise<void> {
    const result = Atomics.waitAsync(this.#i32, ControlI32.DOORBELL, seen, timeoutMs);
    if (!result.async) return Promise.resolve();
    return result.value.then(() => undefined);
  }

  linkUp(): boolean {
    return Atomics.load(this.#i32, ControlI32.LINK_UP) === 1;
  }

  setLinkUp(up: boolean): void {
    Atomics.store(this.#i32, ControlI32.LINK_UP, up ? 1 : 0);
  }

  lastAcquisitionUs(): number {
    bitsI64[0] = Atomics.load(this.#i64, Control64.LAST_ACQUISITION_US);
    return bitsF64[0];
  }

  setLastAcquisitionUs(us: number): void {
    bitsF64[0] = us;
    Atomics.store(this.#i64, Control64.LAST_ACQUISITION_US, bitsI64[0]);
  }
}
