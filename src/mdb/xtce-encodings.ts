// XTCE data encodings and calibrators → native encodings and calibrations. What SCS cannot decode
// makes the type unusable (a finding), keeping its size when it is known so that the entries after
// it in a container still lay out.
import type { CalibrationDef, EncodingType } from './schema.ts';
import { MAX_INT_BITS } from './schema.ts';
import type { Finding, XNode, XtceReader } from './xtce-tree.ts';

export interface XEncoding {
  type: EncodingType;
  bits: number;
  byteOrder?: 'little';
}

/** What an encoding element gives: a usable encoding, or why not (and the size, if known). */
export interface EncodingResult {
  encoding?: XEncoding;
  calibration?: CalibrationDef;
  unusable?: Finding;
  bits?: number;
}

const INTEGER_ALIASES: Readonly<Record<string, 'twosComplement'>> = {
  // XTCE 1.0 spelled it so, and files still do; "signed" is what hand-written files say.
  twosCompliment: 'twosComplement',
  signed: 'twosComplement',
};
const FLOAT_ALIASES: Readonly<Record<string, 'IEEE754_1985'>> = {
  'IEEE-754': 'IEEE754_1985',
  IEEE754: 'IEEE754_1985',
};

/** `IntegerDataEncoding` or `FloatDataEncoding` (with its DefaultCalibrator and ContextCalibratorList). */
export function numberEncoding(r: XtceReader, enc: XNode, integer: boolean): EncodingResult {
  const kids = r.read(
    enc,
    ['sizeInBits', 'encoding', 'byteOrder', 'bitOrder', 'changeThreshold'],
    ['DefaultCalibrator', 'ContextCalibratorList', 'ByteOrderList'],
  );
  const out: EncodingResult = {};
  const byteOrderList = r.one(enc, kids, 'ByteOrderList');
  if (byteOrderList !== undefined)
    out.unusable = r.unsupported(
      byteOrderList,
      'is not supported (byte orders other than big- or little-endian)',
    );
  const bits = r.count(enc, enc.attrs.sizeInBits, 'sizeInBits', integer ? 8 : 32);
  if (bits !== undefined) out.bits = bits;
  else out.unusable ??= r.findings.at(-1);
  const order = r.choice(
    enc,
    'byteOrder',
    ['mostSignificantByteFirst', 'leastSignificantByteFirst'],
    'mostSignificantByteFirst',
  );
  const bitOrder = r.choice(enc, 'bitOrder', ['mostSignificantBitFirst'], 'mostSignificantBitFirst');
  let type: EncodingType | undefined;
  if (integer) {
    const e = enc.attrs.encoding;
    const v = r.choice(enc, 'encoding', ['unsigned', 'twosComplement'], 'unsigned', INTEGER_ALIASES);
    type = v === undefined ? undefined : v === 'unsigned' ? 'uint' : 'int';
    if (v === undefined && e !== undefined) out.unusable = r.findings.at(-1);
    if (type !== undefined && bits !== undefined && bits > MAX_INT_BITS) {
      out.unusable = r.unsupported(
        enc,
        `of ${bits} bits is not supported (integers up to ${MAX_INT_BITS} bits are exact)`,
      );
      type = undefined;
    }
  } else {
    const v = r.choice(enc, 'encoding', ['IEEE754_1985'], 'IEEE754_1985', FLOAT_ALIASES);
    if (v === undefined) out.unusable = r.findings.at(-1);
    else if (bits !== undefined && bits !== 32 && bits !== 64) {
      out.unusable = r.unsupported(enc, `of ${bits} bits is not supported (IEEE floats of 32 or 64 bits)`);
    } else type = 'float';
  }
  if (order === undefined || bitOrder === undefined) out.unusable ??= r.findings.at(-1);
  if (out.unusable === undefined && type !== undefined && bits !== undefined) {
    out.encoding = { type, bits, ...(order === 'leastSignificantByteFirst' ? { byteOrder: 'little' } : {}) };
  }
  const context = r.one(enc, kids, 'ContextCalibratorList');
  if (context !== undefined) {
    out.unusable ??= r.unsupported(
      context,
      'is not supported: the calibration depends on context SCS does not switch on',
    );
  }
  const cal = r.one(enc, kids, 'DefaultCalibrator');
  if (cal !== undefined) {
    const c = calibrator(r, cal);
    if ('unusable' in c) out.unusable ??= c.unusable;
    else out.calibration = c.calibration;
  }
  if (out.unusable !== undefined) delete out.encoding;
  return out;
}

/**
 * `SizeInBits/FixedValue` or `SizeInBits/Fixed/FixedValue`: a fixed size in bits. Variable sizes
 * (a terminator, a leading size, a size from another parameter) are unusable: what follows such an
 * entry has no fixed place.
 */
export function fixedSize(r: XtceReader, enc: XNode, encKids: Map<string, XNode[]>): EncodingResult {
  const size = r.one(enc, encKids, 'SizeInBits') ?? r.one(enc, encKids, 'Variable');
  if (size === undefined) return { unusable: r.invalid(enc, 'needs a fixed <SizeInBits>') };
  if (size.name === 'Variable')
    return { unusable: r.unsupported(size, 'size is not supported (only fixed sizes)') };
  const kids = r.read(size, [], ['Fixed', 'FixedValue', 'TerminationChar', 'LeadingSize', 'DynamicValue']);
  for (const variable of ['TerminationChar', 'LeadingSize', 'DynamicValue']) {
    const v = r.one(size, kids, variable);
    if (v !== undefined) return { unusable: r.unsupported(v, 'sizes are not supported (only fixed sizes)') };
  }
  let holder = size;
  let holderKids = kids;
  const fixed = r.one(size, kids, 'Fixed');
  if (fixed !== undefined) {
    holder = fixed;
    holderKids = r.read(fixed, [], ['FixedValue']);
  }
  const value = r.one(holder, holderKids, 'FixedValue');
  if (value === undefined) return { unusable: r.invalid(holder, 'needs a <FixedValue>') };
  const bits = r.count(value, value.text, 'FixedValue');
  return bits === undefined ? { unusable: r.findings.at(-1)! } : { bits };
}

type Calibrated = { calibration: CalibrationDef } | { unusable: Finding };

function calibrator(r: XtceReader, node: XNode): Calibrated {
  const kids = r.read(
    node,
    ['name'],
    ['PolynomialCalibrator', 'SplineCalibrator', 'MathOperationCalibrator'],
  );
  const poly = r.one(node, kids, 'PolynomialCalibrator');
  const spline = r.one(node, kids, 'SplineCalibrator');
  const math = r.one(node, kids, 'MathOperationCalibrator');
  if (poly !== undefined) {
    const terms = r.read(poly, [], ['Term']).get('Term') ?? [];
    const coefficients: number[] = [];
    for (const t of terms) {
      r.read(t, ['coefficient', 'exponent'], []);
      const c = r.number(t, 'coefficient');
      const e = r.count(t, t.attrs.exponent, 'exponent');
      if (c === undefined || e === undefined) return { unusable: r.findings.at(-1)! };
      if (e > 31) return { unusable: r.invalid(t, 'must be at most 31', 'exponent') };
      coefficients[e] = (coefficients[e] ?? 0) + c;
    }
    if (terms.length === 0) return { unusable: r.invalid(poly, 'needs at least one <Term>') };
    return { calibration: { type: 'polynomial', coefficients: Array.from(coefficients, (c) => c ?? 0) } };
  }
  if (spline !== undefined) {
    const points: [number, number][] = [];
    for (const p of r.read(spline, ['order', 'extrapolate'], ['SplinePoint']).get('SplinePoint') ?? []) {
      r.read(p, ['raw', 'calibrated', 'order'], []);
      const raw = r.number(p, 'raw');
      const eng = r.number(p, 'calibrated');
      if (raw === undefined || eng === undefined) return { unusable: r.findings.at(-1)! };
      points.push([raw, eng]);
    }
    const order = r.choice(spline, 'order', ['0', '1', '3'], '1');
    const extrapolate = r.choice(spline, 'extrapolate', ['true', 'false'], 'false');
    if (order === undefined || order === '0' || extrapolate === undefined) {
      return {
        unusable: order === '0' ? r.unsupported(spline, 'of order 0 is not supported') : r.findings.at(-1)!,
      };
    }
    if (points.length < 2) return { unusable: r.invalid(spline, 'needs at least two <SplinePoint>') };
    return {
      calibration: {
        type: 'spline',
        order: order === '3' ? 3 : 1,
        extrapolate: extrapolate === 'true',
        points,
      },
    };
  }
  if (math !== undefined) return { unusable: r.unsupported(math, 'is not supported: no engineering value') };
  return { unusable: r.invalid(node, 'needs a <PolynomialCalibrator> or a <SplineCalibrator>') };
}

/** Seconds from 1970-01-01T00:00:00 to each named XTCE epoch, on that epoch's own time scale. */
const EPOCHS: Readonly<Record<string, number>> = {
  TAI: -378_691_200,
  UNIX: 0,
  POSIX: 0,
  GPS: 315_964_800,
  J2000: 946_727_935.816,
};

/**
 * An `AbsoluteTimeParameterType`'s `Encoding` (scale, offset) over an integer or float encoding, and
 * its `ReferenceTime` epoch: a float of seconds since 1970-01-01 (no leap seconds applied), by a
 * polynomial calibration. A time relative to another parameter (`OffsetFrom`) is unusable.
 */
export function timeEncoding(
  r: XtceReader,
  node: XNode,
  kids: Map<string, XNode[]>,
): EncodingResult | undefined {
  const enc = r.one(node, kids, 'Encoding');
  const ref = r.one(node, kids, 'ReferenceTime');
  if (enc === undefined) return undefined;
  const ek = r.read(enc, ['scale', 'offset', 'units'], ['IntegerDataEncoding', 'FloatDataEncoding']);
  r.choice(enc, 'units', ['seconds'], 'seconds');
  const inner = r.one(enc, ek, 'IntegerDataEncoding') ?? r.one(enc, ek, 'FloatDataEncoding');
  if (inner === undefined)
    return { unusable: r.invalid(enc, 'needs an <IntegerDataEncoding> or <FloatDataEncoding>') };
  const out = numberEncoding(r, inner, inner.name === 'IntegerDataEncoding');
  if (out.unusable !== undefined) return out;
  const scale = r.number(enc, 'scale', 1) ?? 1;
  const offset = r.number(enc, 'offset', 0) ?? 0;
  let epoch = 0;
  if (ref !== undefined) {
    const rk = r.read(ref, [], ['Epoch', 'OffsetFrom']);
    const from = r.one(ref, rk, 'OffsetFrom');
    if (from !== undefined) {
      return {
        bits: out.bits,
        unusable: r.unsupported(from, 'is not supported: a time relative to another parameter'),
      };
    }
    const e = r.one(ref, rk, 'Epoch');
    if (e !== undefined) {
      const named = EPOCHS[e.text];
      const date = named ?? Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(e.text) ? e.text : `${e.text}Z`) / 1000;
      if (!Number.isFinite(date))
        return { bits: out.bits, unusable: r.invalid(e, `"${e.text}" is not an epoch`) };
      epoch = date;
    }
  }
  if (out.calibration !== undefined) {
    return {
      bits: out.bits,
      unusable: r.unsupported(inner, 'calibrators in a time encoding are not supported'),
    };
  }
  return { ...out, calibration: { type: 'polynomial', coefficients: [epoch + offset, scale] } };
}
