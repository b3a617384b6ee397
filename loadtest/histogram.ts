// Log-bucket latency histogram (hdr-histogram-js is not installed): 16 linear sub-buckets
// per power of two, so a reported percentile is within 1/16 (6.25 %) of the true value.
// Mergeable across processes through `toPairs`/`addPairs`.

const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** Values are clamped to 2^31 − 1 µs (≈ 36 min), far beyond any run. */
const MAX_VALUE = 0x7fff_ffff;
const BUCKETS = (31 - SUB_BITS + 1) * SUB;

function indexOf(value: number): number {
  if (value < SUB) return value;
  const exp = 31 - Math.clz32(value);
  return (exp - SUB_BITS + 1) * SUB + ((value >>> (exp - SUB_BITS)) & (SUB - 1));
}

/** Lowest value that maps to bucket `index`. */
function lowestOf(index: number): number {
  if (index < SUB) return index;
  const exp = Math.floor(index / SUB) + SUB_BITS - 1;
  return (SUB + (index % SUB)) * 2 ** (exp - SUB_BITS);
}

export class LogHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;
  #max = 0;

  record(value: number): void {
    const v = value <= 0 ? 0 : value >= MAX_VALUE ? MAX_VALUE : Math.floor(value);
    this.#counts[indexOf(v)]! += 1;
    this.#total += 1;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#total;
  }

  /** Exact largest recorded value (clamped). */
  get max(): number {
    return this.#max;
  }

  /** Value at percentile `p` (0–100): the lower bound of the bucket holding that rank, 0 when empty. */
  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(lowestOf(i), this.#max);
    }
    return this.#max;
  }

  /** Non-empty buckets as [index, count] pairs plus the max, for IPC. */
  toPairs(): { pairs: [number, number][]; max: number } {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) pairs.push([i, this.#counts[i]!]);
    return { pairs, max: this.#max };
  }

  addPairs(snapshot: { pairs: [number, number][]; max: number }): void {
    for (const [i, n] of snapshot.pairs) {
      this.#counts[i]! += n;
      this.#total += n;
    }
    if (snapshot.max > this.#max) this.#max = snapshot.max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
  }
}
