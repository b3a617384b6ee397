// Frame synchronisation on the attached sync marker (CCSDS 131.0-B section 9) in a byte stream
// that arrives in chunks of any size. Byte-aligned: front ends deliver octet-aligned CADUs.
// States: SEARCH scans for the marker (either polarity) and locks on the first one seen; LOCK
// checks the marker only where the next frame must start and, with the flywheel, keeps delivering
// frames through up to `flywheel` consecutive missed markers before dropping back to SEARCH.
import { CcsdsError, CcsdsErrorCode } from './errors.ts';

export const ASM = 0x1acffc1d;
/** The marker as received with inverted polarity (every bit complemented). */
export const ASM_INVERTED = ~ASM >>> 0;
export const ASM_BYTES = 4;

export const SyncState = { SEARCH: 'search', LOCK: 'lock' } as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

export interface FrameSyncConfig {
  /** Bytes after the marker: the code block (transfer frame, plus RS check symbols if coded). */
  blockLength: number;
  /** Consecutive missed markers tolerated in LOCK before re-searching. Default 3. */
  flywheel?: number;
  /** Bit errors tolerated in a marker at the expected position while locked. Default 0. */
  markerBitErrors?: number;
}

export interface SyncedBlock {
  /**
   * The code block, already complemented when the marker was inverted. A view of the pushed chunk
   * when the block lay inside it untouched, else a copy owned by the receiver (`owned`).
   */
  data: Uint8Array;
  owned: boolean;
  inverted: boolean;
  /** Delivered by the flywheel: no marker at the expected position. */
  markerMissed: boolean;
}

export interface SyncCounters {
  blocks: number;
  /** Bytes skipped while searching: garbage, slips, or the tails of lost frames. */
  garbageBytes: number;
  flywheelBlocks: number;
  lockLosses: number;
  polarityChanges: number;
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function word(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export class FrameSync {
  readonly blockLength: number;
  readonly flywheel: number;
  readonly markerBitErrors: number;
  readonly counters: SyncCounters = {
    blocks: 0,
    garbageBytes: 0,
    flywheelBlocks: 0,
    lockLosses: 0,
    polarityChanges: 0,
  };
  #state: SyncState = SyncState.SEARCH;
  #inverted = false;
  #misses = 0;
  /** Bytes not yet consumed from earlier chunks: always less than one CADU. */
  readonly #carry: Uint8Array;
  #carried = 0;
  readonly #cadu: number;

  constructor(config: FrameSyncConfig) {
    const flywheel = config.flywheel ?? 3;
    const markerBitErrors = config.markerBitErrors ?? 0;
    if (!Number.isInteger(config.blockLength) || config.blockLength < 1) {
      throw new CcsdsError(CcsdsErrorCode.ERR_FRAME_LENGTH, `block length ${config.blockLength} is invalid`);
    }
    if (!Number.isInteger(flywheel) || flywheel < 0) {
      throw new CcsdsError(CcsdsErrorCode.ERR_SYNC_CONFIG, `flywheel ${flywheel} is not a count`);
    }
    // More than 8 bit errors would let random data pass for a marker (and a polarity flip for both).
    if (!Number.isInteger(markerBitErrors) || markerBitErrors < 0 || markerBitErrors > 8) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_SYNC_CONFIG,
        `marker bit errors ${markerBitErrors} is not 0..8`,
      );
    }
    this.blockLength = config.blockLength;
    this.flywheel = flywheel;
    this.markerBitErrors = markerBitErrors;
    this.#cadu = ASM_BYTES + config.blockLength;
    // A carried partial CADU plus one CADU's worth of the next chunk.
    this.#carry = new Uint8Array(2 * this.#cadu);
  }

  get state(): SyncState {
    return this.#state;
  }

  /** Bytes held back waiting for the rest of a frame or marker. */
  get pending(): number {
    return this.#carried;
  }

  /** Feeds `chunk`; calls `onBlock` synchronously for every complete code block. */
  push(chunk: Uint8Array, onBlock: (b: SyncedBlock) => void): void {
    let from = 0;
    if (this.#carried > 0) {
      // Join the carried bytes with at most one CADU of the new chunk, so the copy is bounded and
      // any frame or marker straddling the boundary becomes contiguous.
      const take = Math.min(chunk.length, this.#cadu);
      this.#carry.set(chunk.subarray(0, take), this.#carried);
      const joined = this.#carry.subarray(0, this.#carried + take);
      const used = this.#scan(joined, true, onBlock);
      if (take === chunk.length) {
        this.#carry.copyWithin(0, used, joined.length);
        this.#carried = joined.length - used;
        return;
      }
      // The joined window held a whole CADU past the carried bytes, so the scan moved beyond them.
      from = used - this.#carried;
      this.#carried = 0;
    }
    const used = this.#scan(chunk, false, onBlock, from);
    this.#carry.set(chunk.subarray(used));
    this.#carried = chunk.length - used;
  }

  /** Drops carried bytes and lock, as after a link break. */
  reset(): void {
    this.#carried = 0;
    this.#state = SyncState.SEARCH;
    this.#misses = 0;
  }

  /** Consumes CADUs from `buf[from..]`; returns the index of the first byte not consumed. */
  #scan(buf: Uint8Array, isCarry: boolean, onBlock: (b: SyncedBlock) => void, from = 0): number {
    const cadu = this.#cadu;
    const len = buf.length;
    let pos = from;
    for (;;) {
      if (this.#state === SyncState.SEARCH) {
        const found = this.#search(buf, pos);
        if (found < 0) {
          // Keep the last 3 bytes: they may be the start of a marker completed by the next chunk.
          const keep = Math.max(pos, len - (ASM_BYTES - 1));
          this.counters.garbageBytes += keep - pos;
          return keep;
        }
        this.counters.garbageBytes += found - pos;
        pos = found;
        this.#state = SyncState.LOCK;
        this.#misses = 0;
        this.#inverted = buf[found] === 0xe5;
      }
      if (len - pos < cadu) return pos;
      const marker = word(buf, pos);
      const expected = this.#inverted ? ASM_INVERTED : ASM;
      let missed = false;
      if (popcount32(marker ^ expected) > this.markerBitErrors) {
        if (popcount32(marker ^ (expected ^ 0xffffffff)) <= this.markerBitErrors) {
          this.#inverted = !this.#inverted;
          this.counters.polarityChanges++;
        } else if (++this.#misses > this.flywheel) {
          this.#state = SyncState.SEARCH;
          this.counters.lockLosses++;
          continue;
        } else {
          missed = true;
        }
      }
      if (!missed) this.#misses = 0;
      this.#emit(buf, pos + ASM_BYTES, isCarry, missed, onBlock);
      pos += cadu;
    }
  }

  /** Index of the first exact marker (either polarity) at or after `from`, or -1. */
  #search(buf: Uint8Array, from: number): number {
    const last = buf.length - ASM_BYTES;
    for (let i = from; i <= last; i++) {
      const c = buf[i];
      if (c !== 0x1a && c !== 0xe5) continue;
      const w = word(buf, i);
      if (w === ASM || w === ASM_INVERTED) return i;
    }
    return -1;
  }

  #emit(
    buf: Uint8Array,
    start: number,
    isCarry: boolean,
    missed: boolean,
    onBlock: (b: SyncedBlock) => void,
  ): void {
    const view = buf.subarray(start, start + this.blockLength);
    let data = view;
    let owned = false;
    if (this.#inverted) {
      data = new Uint8Array(view.length);
      for (let i = 0; i < view.length; i++) data[i] = ~view[i]! & 0xff;
      owned = true;
    } else if (isCarry) {
      // The carry buffer is reused by the next push: the receiver must get its own bytes.
      data = view.slice();
      owned = true;
    }
    this.counters.blocks++;
    if (missed) this.counters.flywheelBlocks++;
    onBlock({ data, owned, inverted: this.#inverted, markerMissed: missed });
  }
}
