// Raw → engineering conversions. Each numeric calibrator is compiled once into a closure; a raw
// value outside a calibrator's domain yields NaN, which decommutation flags rather than throws on.
import type { CalibrationDef } from './schema.ts';

export type NumericCalibrator = (raw: number) => number;
export type NumericCalibrationDef = Exclude<CalibrationDef, { type: 'enumeration' } | { type: 'boolean' }>;

/** Horner evaluation of Σ c[i]·x^i, specialised for the common low degrees. */
function polynomial(coefficients: readonly number[]): NumericCalibrator {
  const c = Float64Array.from(coefficients);
  const n = c.length;
  if (n === 1) {
    const c0 = c[0]!;
    return () => c0;
  }
  if (n === 2) {
    const c0 = c[0]!;
    const c1 = c[1]!;
    return (x) => c0 + c1 * x;
  }
  return (x) => {
    let acc = c[n - 1]!;
    for (let i = n - 2; i >= 0; i--) acc = acc * x + c[i]!;
    return acc;
  };
}

/** Index i of the interval [xs[i], xs[i+1]] holding x (xs ascending, x within range). */
function interval(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Second derivatives of the natural cubic spline through (xs, ys): the tridiagonal system of
 * continuity conditions solved by the Thomas algorithm, with zero curvature at both ends.
 */
function naturalSplineCurvature(xs: Float64Array, ys: Float64Array): Float64Array {
  const n = xs.length;
  const m = new Float64Array(n);
  if (n < 3) return m;
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = xs[i]! - xs[i - 1]!;
    const h1 = xs[i + 1]! - xs[i]!;
    const rhs = 6 * ((ys[i + 1]! - ys[i]!) / h1 - (ys[i]! - ys[i - 1]!) / h0);
    const diag = 2 * (h0 + h1) - h0 * c[i - 1]!;
    c[i] = h1 / diag;
    d[i] = (rhs - h0 * d[i - 1]!) / diag;
  }
  for (let i = n - 2; i >= 1; i--) m[i] = d[i]! - c[i]! * m[i + 1]!;
  return m;
}

function spline(
  points: readonly (readonly [number, number])[],
  order: 1 | 3,
  extrapolate: boolean,
): NumericCalibrator {
  const xs = Float64Array.from(points, (p) => p[0]);
  const ys = Float64Array.from(points, (p) => p[1]);
  const n = xs.length;
  const first = xs[0]!;
  const last = xs[n - 1]!;
  const m = order === 3 ? naturalSplineCurvature(xs, ys) : new Float64Array(n);
  // Slopes at the two ends, for linear extrapolation beyond the table.
  const h0 = xs[1]! - first;
  const hn = last - xs[n - 2]!;
  const slopeFirst = (ys[1]! - ys[0]!) / h0 - (h0 * (2 * m[0]! + m[1]!)) / 6;
  const slopeLast = (ys[n - 1]! - ys[n - 2]!) / hn + (hn * (m[n - 2]! + 2 * m[n - 1]!)) / 6;
  return (x) => {
    if (x < first) return extrapolate ? ys[0]! + slopeFirst * (x - first) : Number.NaN;
    if (x > last) return extrapolate ? ys[n - 1]! + slopeLast * (x - last) : Number.NaN;
    const i = interval(xs, x);
    const x0 = xs[i]!;
    const h = xs[i + 1]! - x0;
    const t = (x - x0) / h;
    const linear = ys[i]! + t * (ys[i + 1]! - ys[i]!);
    if (order === 1) return linear;
    const u = 1 - t;
    return linear + ((h * h) / 6) * ((u * u * u - u) * m[i]! + (t * t * t - t) * m[i + 1]!);
  };
}

function piecewiseLinear(
  segments: readonly { from: number; to: number; slope: number; offset: number }[],
): NumericCalibrator {
  const from = Float64Array.from(segments, (s) => s.from);
  const to = Float64Array.from(segments, (s) => s.to);
  const slope = Float64Array.from(segments, (s) => s.slope);
  const offset = Float64Array.from(segments, (s) => s.offset);
  const n = segments.length;
  return (x) => {
    for (let i = 0; i < n; i++) if (x >= from[i]! && x <= to[i]!) return offset[i]! + slope[i]! * x;
    return Number.NaN;
  };
}

/** The closure computing engineering values of a numeric calibration. */
export function numericCalibrator(def: NumericCalibrationDef): NumericCalibrator {
  switch (def.type) {
    case 'polynomial':
      return polynomial(def.coefficients);
    case 'spline':
      return spline(def.points, def.order, def.extrapolate);
    case 'piecewiseLinear':
      return piecewiseLinear(def.segments);
    case 'logarithmic': {
      const inLog = polynomial(def.coefficients);
      return (x) => inLog(Math.log(x));
    }
    case 'exponential': {
      const { a, b, c } = def;
      return (x) => a * Math.exp(b * x) + c;
    }
    case 'power': {
      const { a, b, c } = def;
      return (x) => a * x ** b + c;
    }
  }
}

/** Discrete state conversion: raw value → state text; `undefined` when the raw value has no state. */
export interface StateTable {
  readonly labels: readonly string[];
  readonly lookup: (raw: number) => string | undefined;
}

export function stateTable(def: Extract<CalibrationDef, { type: 'enumeration' }>): StateTable {
  const map = new Map<number, string>();
  for (const [raw, label] of Object.entries(def.states)) map.set(Number(raw), label);
  const labels = [...new Set([...map.values(), ...(def.default === undefined ? [] : [def.default])])];
  const fallback = def.default;
  return { labels, lookup: (raw) => map.get(raw) ?? fallback };
}
