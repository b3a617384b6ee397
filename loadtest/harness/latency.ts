// Latency histograms (hdr-histogram-js, µs, 3 significant digits): built in the client
// processes, shipped as compressed base64 and merged in the harness.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Values above an hour are clamped: a record that late is a failure whatever its exact lag. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : Math.round(us));
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Adds an encoded histogram into `into`. */
export function addEncoded(into: Histogram, encoded: string): void {
  into.add(hdr.decodeFromCompressedBase64(encoded));
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

/** Log-spaced buckets (upper bound in ms, count), four per power of two from 10 µs, for the report's plot. */
export function buckets(h: Histogram): { upperMs: number[]; counts: number[] } {
  const upperMs: number[] = [];
  const counts: number[] = [];
  if (h.totalCount === 0 || !(h instanceof hdr.JsHistogram)) return { upperMs, counts };
  let upper = 10;
  let n = 0;
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    while (v.valueIteratedTo >= upper) {
      upperMs.push(upper / 1000);
      counts.push(n);
      n = 0;
      upper = Math.ceil(upper * 2 ** 0.25);
    }
    n += v.countAtValueIteratedTo;
  }
  upperMs.push(upper / 1000);
  counts.push(n);
  return { upperMs, counts };
}
