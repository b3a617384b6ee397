// XTCE parameter types → the native encoding, calibration and limit definitions. Only the subset
// documented in src/mdb/README.md is read; the reader reports everything else.
import type { CalibrationDef, EncodingType } from './schema.ts';
import type { XNode, XtceReader } from './xtce-tree.ts';

export type TypeKind = 'integer' | 'float' | 'enumerated' | 'boolean' | 'string' | 'binary';

export const TYPE_KINDS: Readonly<Record<string, TypeKind>> = {
  IntegerParameterType: 'integer',
  FloatParameterType: 'float',
  EnumeratedParameterType: 'enumerated',
  BooleanParameterType: 'boolean',
  StringParameterType: 'string',
  BinaryParameterType: 'binary',
};

export interface XEncoding {
  type: EncodingType;
  bits: number;
  byteOrder?: 'little';
}

/** A parameter type; alarms stay elements until the parameter using them resolves their references. */
export interface XType {
  readonly kind: TypeKind;
  readonly unit?: string;
  /** Absent: a type for derived parameters only. */
  readonly encoding?: XEncoding;
  readonly calibration?: CalibrationDef;
  readonly defaultAlarm?: XNode;
  readonly contextAlarm?: XNode;
}

const ALARMS = ['DefaultAlarm', 'ContextAlarmList'];
const CHILDREN: Readonly<Record<TypeKind, readonly string[]>> = {
  integer: ['UnitSet', 'IntegerDataEncoding', ...ALARMS],
  float: ['UnitSet', 'IntegerDataEncoding', 'FloatDataEncoding', ...ALARMS],
  enumerated: ['UnitSet', 'IntegerDataEncoding', 'EnumerationList', 'DefaultAlarm'],
  boolean: ['UnitSet', 'IntegerDataEncoding', 'DefaultAlarm'],
  string: ['UnitSet', 'StringDataEncoding'],
  binary: ['UnitSet', 'BinaryDataEncoding'],
};
const ATTRS: Readonly<Record<TypeKind, readonly string[]>> = {
  integer: ['name', 'signed', 'sizeInBits'],
  float: ['name', 'sizeInBits'],
  enumerated: ['name'],
  boolean: ['name', 'zeroStringValue', 'oneStringValue'],
  string: ['name'],
  binary: ['name'],
};

export function readType(r: XtceReader, node: XNode): XType | undefined {
  const kind = TYPE_KINDS[node.name];
  if (kind === undefined) {
    r.unsupported(node);
    return undefined;
  }
  const kids = r.read(node, ATTRS[kind], CHILDREN[kind]);
  const type: {
    kind: TypeKind;
    unit?: string;
    encoding?: XEncoding;
    calibration?: CalibrationDef;
    defaultAlarm?: XNode;
    contextAlarm?: XNode;
  } = { kind };
  const unitSet = r.one(node, kids, 'UnitSet');
  if (unitSet !== undefined) {
    const unit = r.one(unitSet, r.read(unitSet, [], ['Unit']), 'Unit');
    if (unit !== undefined) {
      r.read(unit, ['description'], []);
      if (unit.text !== '') type.unit = unit.text;
    }
  }
  const intEnc = r.one(node, kids, 'IntegerDataEncoding');
  const floatEnc = r.one(node, kids, 'FloatDataEncoding');
  const strEnc = r.one(node, kids, 'StringDataEncoding');
  const binEnc = r.one(node, kids, 'BinaryDataEncoding');
  if (intEnc !== undefined && floatEnc !== undefined) r.invalid(node, 'has two data encodings');
  if (intEnc !== undefined) readNumberEncoding(r, intEnc, type, true);
  else if (floatEnc !== undefined) readNumberEncoding(r, floatEnc, type, false);
  else if (strEnc !== undefined) {
    const k = r.read(strEnc, ['encoding'], ['SizeInBits']);
    r.choice(strEnc, 'encoding', ['UTF-8', 'US-ASCII'], 'UTF-8');
    const bits = fixedSize(r, strEnc, k);
    if (bits !== undefined) type.encoding = { type: 'string', bits };
  } else if (binEnc !== undefined) {
    const bits = fixedSize(r, binEnc, r.read(binEnc, [], ['SizeInBits']));
    if (bits !== undefined) type.encoding = { type: 'bytes', bits };
  }
  if (kind === 'integer' && type.calibration !== undefined) {
    r.invalid(node, 'cannot have a calibrator (a calibrated value is a FloatParameterType)');
  }
  if (kind === 'enumerated') {
    const list = r.one(node, kids, 'EnumerationList');
    if (list === undefined) r.invalid(node, 'needs an <EnumerationList>');
    else type.calibration = enumeration(r, list);
  } else if (kind === 'boolean') {
    const zero = node.attrs.zeroStringValue;
    const one = node.attrs.oneStringValue;
    // The engineering value is a boolean (true/false on the wire): other texts would be lost.
    if ((zero !== undefined && zero !== 'False') || (one !== undefined && one !== 'True')) {
      r.invalid(node, 'zeroStringValue/oneStringValue other than "False"/"True" are not supported');
    }
    type.calibration = { type: 'boolean' };
  }
  const defaultAlarm = r.one(node, kids, 'DefaultAlarm');
  if (defaultAlarm !== undefined) type.defaultAlarm = defaultAlarm;
  const context = r.one(node, kids, 'ContextAlarmList');
  if (context !== undefined) type.contextAlarm = context;
  return type;
}

function readNumberEncoding(
  r: XtceReader,
  enc: XNode,
  type: { encoding?: XEncoding; calibration?: CalibrationDef },
  integer: boolean,
): void {
  const kids = r.read(enc, ['sizeInBits', 'encoding', 'byteOrder'], ['DefaultCalibrator']);
  const bits = r.count(enc, enc.attrs.sizeInBits, 'sizeInBits', integer ? 8 : 32);
  const order = r.choice(
    enc,
    'byteOrder',
    ['mostSignificantByteFirst', 'leastSignificantByteFirst'],
    'mostSignificantByteFirst',
  );
  let encType: EncodingType | undefined = 'float';
  if (integer) {
    const e = r.choice(enc, 'encoding', ['unsigned', 'twosComplement'], 'unsigned');
    encType = e === undefined ? undefined : e === 'unsigned' ? 'uint' : 'int';
  } else r.choice(enc, 'encoding', ['IEEE754_1985', 'IEEE754'], 'IEEE754_1985');
  if (bits !== undefined && encType !== undefined) {
    type.encoding = {
      type: encType,
      bits,
      ...(order === 'leastSignificantByteFirst' ? { byteOrder: 'little' } : {}),
    };
  }
  const cal = r.one(enc, kids, 'DefaultCalibrator');
  if (cal !== undefined) {
    const c = calibrator(r, cal);
    if (c !== undefined) type.calibration = c;
  }
}

/** `SizeInBits/FixedValue` or `SizeInBits/Fixed/FixedValue`: a fixed size in bits. */
function fixedSize(r: XtceReader, enc: XNode, encKids: Map<string, XNode[]>): number | undefined {
  const size = r.one(enc, encKids, 'SizeInBits');
  if (size === undefined) {
    r.invalid(enc, 'needs a fixed <SizeInBits>');
    return undefined;
  }
  const kids = r.read(size, [], ['Fixed', 'FixedValue']);
  let holder = size;
  let holderKids = kids;
  const fixed = r.one(size, kids, 'Fixed');
  if (fixed !== undefined) {
    holder = fixed;
    holderKids = r.read(fixed, [], ['FixedValue']);
  }
  const value = r.one(holder, holderKids, 'FixedValue');
  if (value === undefined) {
    r.invalid(holder, 'needs a <FixedValue>');
    return undefined;
  }
  return r.count(value, value.text, 'FixedValue');
}

function calibrator(r: XtceReader, node: XNode): CalibrationDef | undefined {
  const kids = r.read(node, [], ['PolynomialCalibrator', 'SplineCalibrator']);
  const poly = r.one(node, kids, 'PolynomialCalibrator');
  const spline = r.one(node, kids, 'SplineCalibrator');
  if (poly !== undefined) {
    const terms = r.read(poly, [], ['Term']).get('Term') ?? [];
    const coefficients: number[] = [];
    for (const t of terms) {
      r.read(t, ['coefficient', 'exponent'], []);
      const c = r.number(t, 'coefficient');
      const e = r.count(t, t.attrs.exponent, 'exponent');
      if (c === undefined || e === undefined) continue;
      if (e > 31) r.invalid(t, 'must be at most 31', 'exponent');
      else coefficients[e] = (coefficients[e] ?? 0) + c;
    }
    if (terms.length === 0) r.invalid(poly, 'needs at least one <Term>');
    return { type: 'polynomial', coefficients: Array.from(coefficients, (c) => c ?? 0) };
  }
  if (spline !== undefined) {
    const points = (r.read(spline, ['order', 'extrapolate'], ['SplinePoint']).get('SplinePoint') ?? []).map(
      (p): [number, number] => {
        r.read(p, ['raw', 'calibrated'], []);
        return [r.number(p, 'raw') ?? Number.NaN, r.number(p, 'calibrated') ?? Number.NaN];
      },
    );
    const order = r.choice(spline, 'order', ['1', '3'], '1');
    const extrapolate = r.choice(spline, 'extrapolate', ['true', 'false'], 'false');
    return { type: 'spline', order: order === '3' ? 3 : 1, extrapolate: extrapolate === 'true', points };
  }
  r.invalid(node, 'needs a <PolynomialCalibrator> or a <SplineCalibrator>');
  return undefined;
}

function enumeration(r: XtceReader, list: XNode): CalibrationDef {
  const states: Record<string, string> = {};
  for (const e of r.read(list, [], ['Enumeration']).get('Enumeration') ?? []) {
    r.read(e, ['value', 'label', 'maxValue'], []);
    const value = e.attrs.value;
    const label = r.attr(e, 'label');
    if (e.attrs.maxValue !== undefined && e.attrs.maxValue !== value) {
      r.invalid(e, 'value ranges (maxValue) are not supported', 'maxValue');
    }
    if (value === undefined || !/^-?(0|[1-9][0-9]{0,15})$/.test(value)) {
      r.invalid(e, `must be an integer, not "${value ?? ''}"`, 'value');
    } else if (label !== undefined) states[value] = label;
  }
  return { type: 'enumeration', states };
}
