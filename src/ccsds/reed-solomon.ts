// CCSDS Reed-Solomon (255,223), E = 16 (CCSDS 131.0-B, section 4): field GF(2^8) with
// F(x) = x^8 + x^7 + x^2 + x + 1, generator roots alpha^(11j) for j = 112..143, symbols on the link
// in the Berlekamp dual basis (the representation the book mandates); `conventional` is offered for
// front ends that have already converted. Interleave depth 1..5 and shortened codewords (virtual
// fill) are handled by RsCodeBlock. Decoding: remainder check, then Berlekamp-Massey, Chien, Forney.
import { CcsdsError, CcsdsErrorCode } from './errors.ts';

export const RS_N = 255;
export const RS_K = 223;
export const RS_PARITY = 32;
export const RS_T = 16;
export const RS_MAX_INTERLEAVE = 5;

export const RsBasis = { DUAL: 'dual', CONVENTIONAL: 'conventional' } as const;
export type RsBasis = (typeof RsBasis)[keyof typeof RsBasis];

const GF_POLY = 0x187;
const FCR = 112;
const PRIM = 11;
/** PRIM * IPRIM = 1 mod 255: steps the Chien search through error locations. */
const IPRIM = 116;
const A0 = 255;

const ALPHA_TO = new Uint8Array(256);
const INDEX_OF = new Uint8Array(256);
{
  INDEX_OF[0] = A0;
  ALPHA_TO[A0] = 0;
  let sr = 1;
  for (let i = 0; i < 255; i++) {
    INDEX_OF[sr] = i;
    ALPHA_TO[i] = sr;
    sr <<= 1;
    if (sr & 0x100) sr ^= GF_POLY;
  }
}

function modnn(x: number): number {
  return x % 255;
}

/** Generator polynomial coefficients g[0..32] in index (log) form, g[32] = alpha^0. */
export const GENERATOR_INDEX_FORM: Uint8Array = (() => {
  const g = new Uint8Array(RS_PARITY + 1);
  g[0] = 1;
  for (let i = 0, root = FCR * PRIM; i < RS_PARITY; i++, root += PRIM) {
    g[i + 1] = 1;
    for (let j = i; j > 0; j--) {
      g[j] = g[j] !== 0 ? g[j - 1]! ^ ALPHA_TO[modnn(INDEX_OF[g[j]!]! + root)]! : g[j - 1]!;
    }
    g[0] = ALPHA_TO[modnn(INDEX_OF[g[0]!]! + root)]!;
  }
  for (let i = 0; i <= RS_PARITY; i++) g[i] = INDEX_OF[g[i]!]!;
  return g;
})();

// Dual basis <-> conventional: the rows of the CCSDS transformation matrix T (131.0-B, annex F).
const TAL = [0x8d, 0xef, 0xec, 0x86, 0xfa, 0x99, 0xaf, 0x7b];
/** Conventional -> dual basis. */
export const TO_DUAL = new Uint8Array(256);
/** Dual basis -> conventional. */
export const FROM_DUAL = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let v = 0;
  for (let k = 0; k < 8; k++) if (i & (1 << k)) v ^= TAL[7 - k]!;
  TO_DUAL[i] = v;
  FROM_DUAL[v] = i;
}

// Division by g(x) 4 symbols per word: the 32-symbol register is 8 big-endian Uint32s, and
// REM_TABLE[f * 8 + w] holds word w of f * (g(x) - x^32), so one input symbol costs 8 word ops.
const REM_TABLE = new Uint32Array(256 * 8);
for (let f = 1; f < 256; f++) {
  const lf = INDEX_OF[f]!;
  for (let k = 0; k < RS_PARITY; k++) {
    const coef = ALPHA_TO[modnn(lf + GENERATOR_INDEX_FORM[RS_PARITY - 1 - k]!)]!;
    REM_TABLE[f * 8 + (k >>> 2)]! |= coef << (8 * (3 - (k & 3)));
  }
}

const rem = new Uint32Array(8);

/** SYN_MUL[i * 256 + s] = s * alpha^((FCR + i) * PRIM): one Horner step of syndrome i per lookup. */
const SYN_MUL = new Uint8Array(RS_PARITY * 256);
for (let i = 0; i < RS_PARITY; i++) {
  for (let v = 1; v < 256; v++) SYN_MUL[i * 256 + v] = ALPHA_TO[modnn(INDEX_OF[v]! + (FCR + i) * PRIM)]!;
}

/** x^32 * c(x) mod g(x) of the `n` conventional symbols in `cw`, into `rem`; true when all zero. */
function remainder(cw: Uint8Array, n: number, count: number): boolean {
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let w4 = 0;
  let w5 = 0;
  let w6 = 0;
  let w7 = 0;
  for (let i = 0; i < count && i < n; i++) {
    const t = ((cw[i]! ^ (w0 >>> 24)) & 0xff) * 8;
    w0 = ((w0 << 8) | (w1 >>> 24)) ^ REM_TABLE[t]!;
    w1 = ((w1 << 8) | (w2 >>> 24)) ^ REM_TABLE[t + 1]!;
    w2 = ((w2 << 8) | (w3 >>> 24)) ^ REM_TABLE[t + 2]!;
    w3 = ((w3 << 8) | (w4 >>> 24)) ^ REM_TABLE[t + 3]!;
    w4 = ((w4 << 8) | (w5 >>> 24)) ^ REM_TABLE[t + 4]!;
    w5 = ((w5 << 8) | (w6 >>> 24)) ^ REM_TABLE[t + 5]!;
    w6 = ((w6 << 8) | (w7 >>> 24)) ^ REM_TABLE[t + 6]!;
    w7 = (w7 << 8) ^ REM_TABLE[t + 7]!;
  }
  rem[0] = w0;
  rem[1] = w1;
  rem[2] = w2;
  rem[3] = w3;
  rem[4] = w4;
  rem[5] = w5;
  rem[6] = w6;
  rem[7] = w7;
  return (w0 | w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0;
}

/** Fills the last 32 of the `n` conventional symbols of `cw` with the check symbols of the rest. */
function encodeConventional(cw: Uint8Array, n: number): void {
  remainder(cw, n, n - RS_PARITY);
  for (let k = 0; k < RS_PARITY; k++) cw[n - RS_PARITY + k] = (rem[k >>> 2]! >>> (8 * (3 - (k & 3)))) & 0xff;
}

const syn = new Uint8Array(RS_PARITY);
const lambda = new Uint8Array(RS_PARITY + 1);
const b = new Uint8Array(RS_PARITY + 1);
const t = new Uint8Array(RS_PARITY + 1);
const omega = new Uint8Array(RS_PARITY + 1);
const reg = new Uint8Array(RS_PARITY + 1);
const root = new Uint8Array(RS_PARITY);
const loc = new Uint8Array(RS_PARITY);
const mag = new Uint8Array(RS_PARITY);

/**
 * Corrects the `n` conventional symbols of `cw` (a codeword shortened by 255 - n leading zeros) in
 * place. Returns the number of corrected symbols, or -1 when uncorrectable (then `cw` is unchanged).
 */
function decodeConventional(cw: Uint8Array, n: number): number {
  if (remainder(cw, n, n)) return 0;
  const pad = RS_N - n;
  for (let i = 0; i < RS_PARITY; i++) syn[i] = cw[0]!;
  for (let j = 1; j < n; j++) {
    const d = cw[j]!;
    for (let i = 0; i < RS_PARITY; i++) syn[i] = SYN_MUL[(i << 8) | syn[i]!]! ^ d;
  }
  for (let i = 0; i < RS_PARITY; i++) syn[i] = INDEX_OF[syn[i]!]!;

  // Berlekamp-Massey: error locator lambda(x).
  lambda.fill(0);
  lambda[0] = 1;
  for (let i = 0; i <= RS_PARITY; i++) b[i] = INDEX_OF[lambda[i]!]!;
  let el = 0;
  for (let r = 1; r <= RS_PARITY; r++) {
    let d = 0;
    for (let i = 0; i < r; i++) {
      if (lambda[i] !== 0 && syn[r - i - 1] !== A0)
        d ^= ALPHA_TO[modnn(INDEX_OF[lambda[i]!]! + syn[r - i - 1]!)]!;
    }
    const discr = INDEX_OF[d]!;
    if (discr === A0) {
      b.copyWithin(1, 0, RS_PARITY);
      b[0] = A0;
      continue;
    }
    t[0] = lambda[0]!;
    for (let i = 0; i < RS_PARITY; i++) {
      t[i + 1] = b[i] !== A0 ? lambda[i + 1]! ^ ALPHA_TO[modnn(discr + b[i]!)]! : lambda[i + 1]!;
    }
    if (2 * el <= r - 1) {
      el = r - el;
      for (let i = 0; i <= RS_PARITY; i++) {
        b[i] = lambda[i] === 0 ? A0 : modnn(INDEX_OF[lambda[i]!]! - discr + 255);
      }
    } else {
      b.copyWithin(1, 0, RS_PARITY);
      b[0] = A0;
    }
    lambda.set(t);
  }
  let degLambda = 0;
  for (let i = 0; i <= RS_PARITY; i++) {
    lambda[i] = INDEX_OF[lambda[i]!]!;
    if (lambda[i] !== A0) degLambda = i;
  }
  if (degLambda === 0 || degLambda > RS_T) return -1;

  // Chien search: the roots of lambda give the error locations.
  reg.set(lambda);
  let count = 0;
  for (let i = 1, k = IPRIM - 1; i <= RS_N; i++, k = modnn(k + IPRIM)) {
    let q = 1;
    for (let j = degLambda; j > 0; j--) {
      if (reg[j] !== A0) {
        reg[j] = modnn(reg[j]! + j);
        q ^= ALPHA_TO[reg[j]!]!;
      }
    }
    if (q !== 0) continue;
    // A root in the virtual fill means the decoder would "correct" a symbol that was never sent.
    if (k < pad) return -1;
    root[count] = i;
    loc[count] = k;
    if (++count === degLambda) break;
  }
  if (count !== degLambda) return -1;

  // Forney: error values from omega(x) = S(x) lambda(x) mod x^32.
  const degOmega = degLambda - 1;
  for (let i = 0; i <= degOmega; i++) {
    let v = 0;
    for (let j = i; j >= 0; j--) {
      if (syn[i - j] !== A0 && lambda[j] !== A0) v ^= ALPHA_TO[modnn(syn[i - j]! + lambda[j]!)]!;
    }
    omega[i] = INDEX_OF[v]!;
  }
  for (let j = 0; j < count; j++) {
    let num1 = 0;
    for (let i = degOmega; i >= 0; i--) {
      if (omega[i] !== A0) num1 ^= ALPHA_TO[modnn(omega[i]! + i * root[j]!)]!;
    }
    const num2 = ALPHA_TO[modnn(root[j]! * (FCR - 1) + 255)]!;
    let den = 0;
    for (let i = Math.min(degLambda, RS_PARITY - 1) & ~1; i >= 0; i -= 2) {
      if (lambda[i + 1] !== A0) den ^= ALPHA_TO[modnn(lambda[i + 1]! + i * root[j]!)]!;
    }
    if (num1 === 0 || den === 0) return -1;
    mag[j] = ALPHA_TO[modnn(INDEX_OF[num1]! + INDEX_OF[num2]! + 255 - INDEX_OF[den]!)]!;
  }
  for (let j = 0; j < count; j++) cw[loc[j]! - pad]! ^= mag[j]!;
  // Never pass a non-codeword as good: the corrected word must divide by g(x).
  if (!remainder(cw, n, n)) {
    for (let j = 0; j < count; j++) cw[loc[j]! - pad]! ^= mag[j]!;
    return -1;
  }
  return count;
}

export interface RsCodeBlockConfig {
  /** Transfer frame length in bytes: a multiple of `interleave`, at most 223 × interleave. */
  frameLength: number;
  /** Interleave depth I, 1..5. */
  interleave: number;
  basis?: RsBasis;
}

export interface RsBlockResult {
  /** Symbols corrected in the correctable codewords. */
  corrected: number;
  /** Codewords that could not be corrected (their symbols are left as received). */
  uncorrectable: number;
}

/**
 * One RS code block: a transfer frame followed by 32 × I check symbols, codeword j holding block
 * bytes j, j + I, j + 2I, ... (CCSDS symbol interleaving), each codeword shortened by the same
 * virtual fill 223 - frameLength / I.
 */
export class RsCodeBlock {
  readonly frameLength: number;
  readonly interleave: number;
  readonly blockLength: number;
  readonly virtualFill: number;
  readonly basis: RsBasis;
  /** After decode(): corrected symbols per codeword, -1 for an uncorrectable codeword. */
  readonly perCodeword: Int16Array;
  readonly #cw = new Uint8Array(RS_N);
  readonly #n: number;

  constructor(config: RsCodeBlockConfig) {
    const { frameLength, interleave } = config;
    if (!Number.isInteger(interleave) || interleave < 1 || interleave > RS_MAX_INTERLEAVE) {
      throw new CcsdsError(CcsdsErrorCode.ERR_RS_INTERLEAVE, `interleave depth ${interleave} is not 1..5`);
    }
    if (!Number.isInteger(frameLength) || frameLength % interleave !== 0 || frameLength > RS_K * interleave) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_FRAME_LENGTH,
        `frame length ${frameLength} is not a multiple of ${interleave} up to ${RS_K * interleave}`,
      );
    }
    if (frameLength < interleave) {
      throw new CcsdsError(CcsdsErrorCode.ERR_FRAME_LENGTH, `frame length ${frameLength} is too short`);
    }
    this.frameLength = frameLength;
    this.interleave = interleave;
    this.virtualFill = RS_K - frameLength / interleave;
    this.blockLength = frameLength + RS_PARITY * interleave;
    this.basis = config.basis ?? RsBasis.DUAL;
    this.perCodeword = new Int16Array(interleave);
    this.#n = RS_N - this.virtualFill;
  }

  /** Writes the check symbols of the frame in `block[0, frameLength)` to the rest of `block`. */
  encode(block: Uint8Array): void {
    this.#checkLength(block);
    const n = this.#n;
    const I = this.interleave;
    const cw = this.#cw;
    const dual = this.basis === RsBasis.DUAL;
    for (let j = 0; j < I; j++) {
      for (let k = 0, p = j; k < n - RS_PARITY; k++, p += I) cw[k] = dual ? FROM_DUAL[block[p]!]! : block[p]!;
      encodeConventional(cw, n);
      for (let k = n - RS_PARITY, p = j + k * I; k < n; k++, p += I)
        block[p] = dual ? TO_DUAL[cw[k]!]! : cw[k]!;
    }
  }

  /** Corrects `block` in place, codeword by codeword; uncorrectable codewords stay as received. */
  decode(block: Uint8Array): RsBlockResult {
    this.#checkLength(block);
    const n = this.#n;
    const I = this.interleave;
    const cw = this.#cw;
    const dual = this.basis === RsBasis.DUAL;
    let corrected = 0;
    let uncorrectable = 0;
    for (let j = 0; j < I; j++) {
      if (dual) for (let k = 0, p = j; k < n; k++, p += I) cw[k] = FROM_DUAL[block[p]!]!;
      else for (let k = 0, p = j; k < n; k++, p += I) cw[k] = block[p]!;
      const fixed = decodeConventional(cw, n);
      this.perCodeword[j] = fixed;
      if (fixed < 0) {
        uncorrectable++;
      } else if (fixed > 0) {
        corrected += fixed;
        for (let k = 0, p = j; k < n; k++, p += I) block[p] = dual ? TO_DUAL[cw[k]!]! : cw[k]!;
      }
    }
    return { corrected, uncorrectable };
  }

  #checkLength(block: Uint8Array): void {
    if (block.length !== this.blockLength) {
      throw new CcsdsError(
        CcsdsErrorCode.ERR_RS_BLOCK,
        `code block of ${block.length} bytes, expected ${this.blockLength}`,
      );
    }
  }
}
