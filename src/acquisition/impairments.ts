// Channel impairments of the simulator's downlink, applied to CADUs as sent: random bit errors
// (Reed-Solomon corrects a few per codeword, not many), dropped frames, and stretches of inverted
// polarity. Seeded, so a run is reproducible.
import { Prng } from './prng.ts';

export interface ImpairmentsConfig {
  /** Probability of each bit being flipped. */
  readonly bitErrorRate: number;
  /** Probability of each CADU being lost. */
  readonly frameDropRate: number;
  /** Every `everyFrames` CADUs, `frames` CADUs are sent with every bit inverted; 0 disables. */
  readonly polarityInversion: { readonly everyFrames: number; readonly frames: number };
}

export const NO_IMPAIRMENTS: ImpairmentsConfig = {
  bitErrorRate: 0,
  frameDropRate: 0,
  polarityInversion: { everyFrames: 0, frames: 0 },
};

export class Impairments {
  readonly #cfg: ImpairmentsConfig;
  readonly #prng: Prng;
  #cadus = 0;
  /** Bits still to pass before the next bit error (geometric gaps: one draw per error, not per bit). */
  #gap: number;

  constructor(cfg: ImpairmentsConfig, seed: number) {
    this.#cfg = cfg;
    this.#prng = new Prng(seed);
    this.#gap = this.#nextGap();
  }

  /** The CADU as received (modified in place), or null when it is lost. */
  apply(cadu: Uint8Array): Uint8Array | null {
    const { frameDropRate, polarityInversion } = this.#cfg;
    const n = this.#cadus++;
    if (frameDropRate > 0 && this.#prng.chance(frameDropRate)) return null;
    if (this.#cfg.bitErrorRate > 0) this.#flipBits(cadu);
    const { everyFrames, frames } = polarityInversion;
    if (everyFrames > 0 && n % everyFrames >= everyFrames - frames) {
      for (let i = 0; i < cadu.length; i++) cadu[i] = ~cadu[i]! & 0xff;
    }
    return cadu;
  }

  #flipBits(cadu: Uint8Array): void {
    const bits = cadu.length * 8;
    let at = this.#gap;
    while (at < bits) {
      cadu[at >>> 3] ^= 0x80 >>> (at & 7);
      at += 1 + this.#nextGap();
    }
    this.#gap = at - bits;
  }

  #nextGap(): number {
    const ber = this.#cfg.bitErrorRate;
    if (!(ber > 0)) return Number.POSITIVE_INFINITY;
    // 1 - next() is in (0, 1]: log never sees 0.
    return Math.floor(Math.log(1 - this.#prng.next()) / Math.log1p(-Math.min(ber, 0.5)));
  }
}
