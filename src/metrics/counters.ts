// Per-actor metric regions in one SharedArrayBuffer.
//
// Every actor thread claims its own region and is that region's only writer; the main
// thread sums all claimed regions when Prometheus scrapes. Regions are never reused:
// a restarted actor claims a fresh one, so the dead actor's counts stay in the sums
// and the exported counters never go backwards.
//
// SAB layout:
//   bytes 0..3  Int32    number of regions claimed so far (Atomics.add allocator)
//   bytes 8..   Float64  `regions` regions of `stride` values each:
//     [0, 8A)           agency counters, index counter * A + agency
//     8A + k            NAKs sent with NAK_CODES[k]
//     8A + 13 + s       lag of stream s (ring head - slowest session cursor, records)
//     8A + 17           liveness: ms of the actor's last tick()
//     8A + 18 + b       latency observations in bucket b (not cumulative; b = 15 is +Inf)
//     8A + 34           latency sum (µs)
import { NakCode, STREAMS } from '../../protocol/constants.ts';
import { MetricsError, MetricsErrorCode } from './errors.ts';

export interface MetricsBuffers {
  sab: SharedArrayBuffer;
  regions: number;
  agencies: number;
}

export const AgencyCounter = {
  ACKS: 0,
  RECORDS_SENT: 1,
  BYTES_SENT: 2,
  DATA_MESSAGES: 3,
  SKIPPED: 4,
  SLOW_CONSUMER_CLOSES: 5,
  HEARTBEATS: 6,
  SESSIONS_CLOSED: 7,
  /** Sums over the sessions cut with BYE SLOW_CONSUMER of their backlog then, bytes and ms. */
  SLOW_CONSUMER_BEHIND_BYTES: 8,
  SLOW_CONSUMER_BEHIND_MS: 9,
} as const;
export type AgencyCounter = (typeof AgencyCounter)[keyof typeof AgencyCounter];
const AGENCY_COUNTERS = Object.keys(AgencyCounter).length;

/** NAK codes in region order. */
export const NAK_CODES: readonly NakCode[] = Object.values(NakCode);
const NAK_INDEX: ReadonlyMap<NakCode, number> = new Map(NAK_CODES.map((code, i) => [code, i]));

/** Finite upper bounds of the latency histogram, µs; a +Inf bucket follows. */
export const LATENCY_BUCKETS_US: readonly number[] = [
  50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
];
const LATENCY_SLOTS = LATENCY_BUCKETS_US.length + 1;

const HEADER_BYTES = 8;
/** A region whose actor has not ticked for this long belongs to a dead actor and may be taken over. */
export const REGION_STALE_MS = 10_000;

/** Per-region claim words (Int32, Atomics) follow the header; the counters follow them. */
function dataOffset(regions: number): number {
  return HEADER_BYTES + Math.ceil((regions * 4) / 8) * 8;
}

interface Layout {
  stride: number;
  naks: number;
  lag: number;
  alive: number;
  latency: number;
  latencySum: number;
}

function layout(agencies: number): Layout {
  const naks = AGENCY_COUNTERS * agencies;
  const lag = naks + NAK_CODES.length;
  const alive = lag + STREAMS.length;
  const latency = alive + 1;
  const latencySum = latency + LATENCY_SLOTS;
  return { stride: latencySum + 1, naks, lag, alive, latency, latencySum };
}

export function createMetrics(regions: number, agencies: number): MetricsBuffers {
  if (!Number.isSafeInteger(regions) || regions < 1 || !Number.isSafeInteger(agencies) || agencies < 1) {
    throw new MetricsError(
      MetricsErrorCode.CONFIG,
      `metrics need at least one region and one agency (got ${regions}, ${agencies})`,
    );
  }
  const sab = new SharedArrayBuffer(dataOffset(regions) + regions * layout(agencies).stride * 8);
  return { sab, regions, agencies };
}

function checkIndex(what: string, i: number, n: number): void {
  if (i >>> 0 !== i || i >= n) {
    throw new MetricsError(MetricsErrorCode.RANGE, `${what} ${i} outside 0..${n - 1}`);
  }
}

function nakIndex(code: NakCode): number {
  const i = NAK_INDEX.get(code);
  if (i === undefined) throw new MetricsError(MetricsErrorCode.RANGE, `unknown NAK code ${code}`);
  return i;
}

/**
 * The writer side, one per actor thread.
 *
 * Plain (non-Atomics) Float64 read-modify-writes are safe here because this thread is
 * the region's only writer, so no update can be lost. The main thread's scrape may see
 * a value one update old, which Prometheus tolerates. Float64Array elements are aligned
 * 8-byte cells that V8 reads and writes with single 64-bit moves on the 64-bit targets
 * we run on, so a scrape does not observe a half-written value.
 */
export class ActorMetrics {
  readonly region: number;
  readonly #f64: Float64Array;
  readonly #agencies: number;
  readonly #l: Layout;

  private constructor(b: MetricsBuffers, region: number) {
    this.region = region;
    this.#l = layout(b.agencies);
    this.#f64 = new Float64Array(b.sab, dataOffset(b.regions) + region * this.#l.stride * 8, this.#l.stride);
    this.#agencies = b.agencies;
  }

  /**
   * Claims a region for the calling thread: an unused one, else the region of a dead actor
   * (no tick for REGION_STALE_MS). Counters are totals, so a successor adding to its
   * predecessor's keeps every series monotonic. Never throws: an actor must start even
   * when every region looks alive; it then shares the stalest one (counts may race).
   */
  static claim(b: MetricsBuffers, nowMs: number = Date.now()): ActorMetrics {
    const fresh = Atomics.add(new Int32Array(b.sab, 0, 1), 0, 1);
    if (fresh < b.regions) return ActorMetrics.#own(b, fresh, nowMs);
    const l = layout(b.agencies);
    const f64 = new Float64Array(b.sab, dataOffset(b.regions), b.regions * l.stride);
    const claims = new Int32Array(b.sab, HEADER_BYTES, b.regions);
    let stalest = 0;
    for (let r = 0; r < b.regions; r++) {
      if (f64[r * l.stride + l.alive]! < f64[stalest * l.stride + l.alive]!) stalest = r;
      if (nowMs - f64[r * l.stride + l.alive]! < REGION_STALE_MS) continue;
      // Two new actors may find the same dead region: the claim word decides, once.
      const seen = Atomics.load(claims, r);
      if (Atomics.compareExchange(claims, r, seen, seen + 1) === seen) return ActorMetrics.#own(b, r, nowMs);
    }
    return ActorMetrics.#own(b, stalest, nowMs);
  }

  static #own(b: MetricsBuffers, region: number, nowMs: number): ActorMetrics {
    const m = new ActorMetrics(b, region);
    // Alive from the start, so a region just claimed is not taken as dead by the next claimer.
    m.tick(nowMs);
    return m;
  }

  add(c: AgencyCounter, agency: number, n: number): void {
    checkIndex('agency', agency, this.#agencies);
    this.#f64[c * this.#agencies + agency] += n;
  }

  nak(code: NakCode): void {
    this.#f64[this.#l.naks + nakIndex(code)] += 1;
  }

  setLag(stream: number, lag: number): void {
    checkIndex('stream', stream, STREAMS.length);
    this.#f64[this.#l.lag + stream] = lag;
  }

  observeLatencyUs(us: number): void {
    // Wall-clock steps can make an acquisition time lie in the future; count those as 0
    // rather than letting a negative (or NaN) value poison the sum forever.
    const v = Math.max(us || 0, 0);
    let b = 0;
    while (b < LATENCY_BUCKETS_US.length && v > LATENCY_BUCKETS_US[b]) b++;
    this.#f64[this.#l.latency + b] += 1;
    this.#f64[this.#l.latencySum] += v;
  }

  tick(nowMs: number): void {
    this.#f64[this.#l.alive] = nowMs;
  }
}

export interface LatencyHistogram {
  /** Finite upper bounds, µs (LATENCY_BUCKETS_US). */
  buckets: number[];
  /** Cumulative counts per bound, then the +Inf count (length buckets.length + 1). */
  counts: number[];
  /** Sum of observations, µs. */
  sum: number;
  /** Number of observations; always equal to the +Inf count. */
  count: number;
}

/** The main thread's view: sums over every claimed region at the time of the call. */
export class MetricsReader {
  readonly #b: MetricsBuffers;
  readonly #f64: Float64Array;
  readonly #claimed: Int32Array;
  readonly #l: Layout;

  constructor(b: MetricsBuffers) {
    this.#b = b;
    this.#l = layout(b.agencies);
    this.#f64 = new Float64Array(b.sab, dataOffset(b.regions), b.regions * this.#l.stride);
    this.#claimed = new Int32Array(b.sab, 0, 1);
  }

  sum(c: AgencyCounter, agency: number): number {
    checkIndex('agency', agency, this.#b.agencies);
    return this.#sumAt(c * this.#b.agencies + agency);
  }

  naks(code: NakCode): number {
    return this.#sumAt(this.#l.naks + nakIndex(code));
  }

  /** Largest lag of `stream` among actors that ticked at or after `liveSinceMs`; 0 if none. */
  lag(stream: number, liveSinceMs: number): number {
    checkIndex('stream', stream, STREAMS.length);
    const { stride, alive, lag } = this.#l;
    const n = this.#regionsInUse();
    let max = 0;
    for (let r = 0, base = 0; r < n; r++, base += stride) {
      if (this.#f64[base + alive] >= liveSinceMs) max = Math.max(max, this.#f64[base + lag + stream]);
    }
    return max;
  }

  histogram(): LatencyHistogram {
    const counts = new Array<number>(LATENCY_SLOTS).fill(0);
    for (let b = 0; b < LATENCY_SLOTS; b++) counts[b] = this.#sumAt(this.#l.latency + b);
    // Made cumulative from one read of each bucket, and the count taken from the result,
    // so the exposition stays self-consistent (+Inf == _count, monotone buckets) even
    // while actors keep observing during the scrape.
    for (let b = 1; b < LATENCY_SLOTS; b++) counts[b] += counts[b - 1];
    return {
      buckets: [...LATENCY_BUCKETS_US],
      counts,
      sum: this.#sumAt(this.#l.latencySum),
      count: counts[LATENCY_SLOTS - 1],
    };
  }

  #regionsInUse(): number {
    // The allocator keeps counting past `regions` on failed claims.
    return Math.min(Atomics.load(this.#claimed, 0), this.#b.regions);
  }

  #sumAt(offset: number): number {
    const stride = this.#l.stride;
    const n = this.#regionsInUse();
    let total = 0;
    for (let r = 0, i = offset; r < n; r++, i += stride) total += this.#f64[i];
    return total;
  }
}
