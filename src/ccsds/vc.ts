// Virtual channel demultiplexing: which VCs of a link are processed, frame count continuity per VC,
// and per-VC statistics.
import { CcsdsError, CcsdsErrorCode } from './errors.ts';
import { type FrameType, MAX_VCID } from './frame.ts';

export interface VcStats {
  vcid: number;
  frames: number;
  /** Frames with a CRC, Reed-Solomon or header error. */
  badFrames: number;
  /** Reed-Solomon symbols corrected in this VC's frames. */
  rsCorrections: number;
  sequenceErrors: number;
}

export interface VcConfig {
  type: FrameType;
  /** VCs to process; all when omitted. */
  vcids?: readonly number[];
  /**
   * Check VC frame count continuity (default true). Off for spacecraft whose counts are not
   * continuous: then neither the flag is set nor is a count jump treated as lost data.
   */
  checkContinuity?: boolean;
}

export class VirtualChannels {
  readonly checkContinuity: boolean;
  readonly #selected: Uint8Array;
  readonly #last: Float64Array;
  /** Bad frames claiming each VC since its last good one. */
  readonly #bad: Uint32Array;
  readonly #stats: (VcStats | undefined)[];

  constructor(config: VcConfig) {
    const max = MAX_VCID[config.type];
    this.#selected = new Uint8Array(max + 1);
    if (config.vcids === undefined) this.#selected.fill(1);
    else {
      for (const v of config.vcids) {
        if (!Number.isInteger(v) || v < 0 || v > max) {
          throw new CcsdsError(CcsdsErrorCode.ERR_VCID, `VCID ${v} is outside 0..${max} for ${config.type}`);
        }
        this.#selected[v] = 1;
      }
    }
    this.checkContinuity = config.checkContinuity ?? true;
    this.#last = new Float64Array(max + 1).fill(-1);
    this.#bad = new Uint32Array(max + 1);
    this.#stats = new Array(max + 1);
  }

  selected(vcid: number): boolean {
    return this.#selected[vcid] === 1;
  }

  stats(vcid: number): VcStats {
    let s = this.#stats[vcid];
    if (s === undefined) {
      s = { vcid, frames: 0, badFrames: 0, rsCorrections: 0, sequenceErrors: 0 };
      this.#stats[vcid] = s;
    }
    return s;
  }

  /** Statistics of every VC that has seen a frame, in VCID order. */
  allStats(): VcStats[] {
    return this.#stats.filter((s): s is VcStats => s !== undefined);
  }

  /** Records a bad frame claiming `vcid`: its count is untrusted, but it may fill a count gap. */
  bad(vcid: number): void {
    this.stats(vcid).badFrames++;
    this.#bad[vcid]!++;
  }

  /**
   * Records a good frame's count; true when frames are missing since the previous good one, beyond
   * the bad frames delivered in between (those are accounted for, not lost).
   */
  follow(vcid: number, vcfc: number, modulus: number): boolean {
    const last = this.#last[vcid]!;
    const bad = this.#bad[vcid]!;
    this.#last[vcid] = vcfc;
    this.#bad[vcid] = 0;
    if (!this.checkContinuity || last < 0) return false;
    const step = (vcfc - last + modulus) % modulus;
    if (step >= 1 && step <= 1 + bad) return false;
    this.stats(vcid).sequenceErrors++;
    return true;
  }
}
