// XTCE parameter types → the native encoding, calibration and limit definitions. Aggregates and
// arrays become their leaves (`pos.x`, `temps[3]`), each a parameter of its own. A type SCS cannot
// decode is still a type: it carries the finding that says why, and its size when known.
import type { CalibrationDef } from './schema.ts';
import {
  type EncodingResult,
  fixedSize,
  numberEncoding,
  timeEncoding,
  type XEncoding,
} from './xtce-encodings.ts';
import type { Finding, XNode, XtceReader } from './xtce-tree.ts';

export type { XEncoding } from './xtce-encodings.ts';

export type TypeKind =
  | 'integer'
  | 'float'
  | 'enumerated'
  | 'boolean'
  | 'string'
  | 'binary'
  | 'time'
  | 'aggregate'
  | 'array';

export const TYPE_KINDS: Readonly<Record<string, TypeKind>> = {
  IntegerParameterType: 'integer',
  FloatParameterType: 'float',
  EnumeratedParameterType: 'enumerated',
  BooleanParameterType: 'boolean',
  StringParameterType: 'string',
  BinaryParameterType: 'binary',
  AbsoluteTimeParameterType: 'time',
  AggregateParameterType: 'aggregate',
  ArrayParameterType: 'array',
};

/** XTCE types that exist but SCS does not read (named as unsupported, not as unknown). */
export const UNSUPPORTED_TYPES = ['RelativeTimeParameterType'];

/** A member of an aggregate (`.name`) or an element of an array (`[i]`), in wire order. */
export interface XMember {
  readonly suffix: string;
  readonly type: XType;
}

/** A parameter type; alarms stay elements until the parameter using them resolves their references. */
export interface XType {
  readonly kind: TypeKind;
  readonly unit?: string;
  /** Absent (and no `unusable`, no `members`): a type of ground or derived parameters. */
  readonly encoding?: XEncoding;
  readonly calibration?: CalibrationDef;
  readonly defaultAlarm?: XNode;
  readonly contextAlarm?: XNode;
  /** Why the type cannot be used; its parameters are left out and listed on this finding. */
  readonly unusable?: Finding;
  /** Size on the wire when known (also for an unusable type). */
  readonly bits?: number;
  readonly members?: readonly XMember[];
}

/** Resolves a type reference from a type element (its SpaceSystem's scope); undefined: reported. */
export type TypeResolver = (from: XNode, ref: string, attr: string) => XType | undefined;

const ALARMS = ['DefaultAlarm', 'ContextAlarmList'];
const COMMON = ['UnitSet', 'ValidRange', 'ValidRangeSet', ...ALARMS];
const CHILDREN: Readonly<Record<TypeKind, readonly string[]>> = {
  integer: [...COMMON, 'IntegerDataEncoding', 'ToString'],
  float: [...COMMON, 'IntegerDataEncoding', 'FloatDataEncoding', 'ToString'],
  enumerated: ['UnitSet', 'IntegerDataEncoding', 'EnumerationList', ...ALARMS],
  boolean: ['UnitSet', 'IntegerDataEncoding', ...ALARMS],
  string: ['UnitSet', 'StringDataEncoding', 'DefaultAlarm'],
  binary: ['UnitSet', 'BinaryDataEncoding'],
  time: ['Encoding', 'ReferenceTime'],
  aggregate: ['MemberList'],
  array: ['DimensionList'],
};
const ATTRS: Readonly<Record<TypeKind, readonly string[]>> = {
  integer: ['name', 'signed', 'sizeInBits', 'initialValue', 'baseType'],
  float: ['name', 'sizeInBits', 'initialValue', 'encoding', 'baseType'],
  enumerated: ['name', 'initialValue', 'baseType'],
  boolean: ['name', 'zeroStringValue', 'oneStringValue', 'initialValue', 'baseType'],
  string: ['name', 'initialValue', 'encoding', 'sizeInBits', 'baseType', 'characterWidth'],
  binary: ['name', 'initialValue', 'baseType'],
  time: ['name', 'initialValue', 'baseType'],
  aggregate: ['name', 'initialValue'],
  array: ['name', 'arrayTypeRef', 'numberOfDimensions', 'initialValue'],
};

type MutableType = { -readonly [K in keyof XType]: XType[K] };

export function readType(r: XtceReader, node: XNode, resolve: TypeResolver): XType | undefined {
  const kind = TYPE_KINDS[node.name];
  if (kind === undefined) {
    if (UNSUPPORTED_TYPES.includes(node.name)) return { kind: 'float', unusable: r.unsupported(node) };
    r.invalid(node, 'is not an XTCE parameter type');
    return undefined;
  }
  const kids = r.read(node, ATTRS[kind], CHILDREN[kind]);
  if (kind === 'aggregate') return aggregate(r, node, kids, resolve);
  if (kind === 'array') return array(r, node, kids, resolve);
  const type: MutableType = { kind };
  const unitSet = r.one(node, kids, 'UnitSet');
  if (unitSet !== undefined) {
    const units = r.read(unitSet, [], ['Unit']).get('Unit') ?? [];
    for (const u of units) r.read(u, ['description', 'power', 'factor', 'form'], []);
    const text = units
      .map((u) => u.text)
      .filter((t) => t !== '')
      .join(' ');
    if (text.length > 32) r.invalid(unitSet, `unit "${text}" is longer than 32 characters: left out`);
    else if (text !== '') type.unit = text;
  }
  let enc: EncodingResult | undefined;
  const intEnc = r.one(node, kids, 'IntegerDataEncoding');
  const floatEnc = r.one(node, kids, 'FloatDataEncoding');
  const strEnc = r.one(node, kids, 'StringDataEncoding');
  const binEnc = r.one(node, kids, 'BinaryDataEncoding');
  if (intEnc !== undefined) enc = numberEncoding(r, intEnc, true);
  else if (floatEnc !== undefined) enc = numberEncoding(r, floatEnc, false);
  else if (strEnc !== undefined) {
    const k = r.read(strEnc, ['encoding', 'byteOrder'], ['SizeInBits', 'Variable']);
    const charset = r.choice(strEnc, 'encoding', ['UTF-8', 'US-ASCII', 'ISO-8859-1'], 'UTF-8');
    enc = fixedSize(r, strEnc, k);
    if (charset === undefined) enc = { bits: enc.bits, unusable: r.findings.at(-1)! };
    else if (enc.bits !== undefined && enc.bits % 8 !== 0 && enc.unusable === undefined) {
      enc = { bits: enc.bits, unusable: r.invalid(strEnc, `size ${enc.bits} is not whole bytes`) };
    } else if (enc.bits !== undefined && enc.unusable === undefined)
      enc = { encoding: { type: 'string', bits: enc.bits } };
  } else if (binEnc !== undefined) {
    enc = fixedSize(r, binEnc, r.read(binEnc, [], ['SizeInBits']));
    if (enc.bits !== undefined && enc.bits % 8 !== 0 && enc.unusable === undefined) {
      enc = {
        bits: enc.bits,
        unusable: r.unsupported(binEnc, `of ${enc.bits} bits is not supported (whole bytes)`),
      };
    } else if (enc.bits !== undefined && enc.unusable === undefined)
      enc = { encoding: { type: 'bytes', bits: enc.bits } };
  } else if (kind === 'time') enc = timeEncoding(r, node, kids);
  if (intEnc !== undefined && floatEnc !== undefined)
    r.invalid(node, 'has two data encodings: the integer one is used');
  if (kind === 'time') type.unit = 's';
  if (enc !== undefined) {
    if (enc.bits !== undefined) type.bits = enc.bits;
    if (enc.unusable !== undefined) type.unusable = enc.unusable;
    if (enc.encoding !== undefined) type.encoding = enc.encoding;
    if (enc.calibration !== undefined) type.calibration = enc.calibration;
  }
  if (kind === 'integer' && type.calibration !== undefined) {
    // A calibrated integer type: the engineering value is the calibrator's (XTCE leaves it to the tool).
  }
  if (kind === 'enumerated') {
    const list = r.one(node, kids, 'EnumerationList');
    const states = list === undefined ? undefined : enumeration(r, list);
    if (states === undefined)
      type.unusable ??= r.invalid(node, 'needs an <EnumerationList> with at least one <Enumeration>');
    else if ('unusable' in states) type.unusable ??= states.unusable;
    else type.calibration = states;
  } else if (kind === 'boolean') {
    const zero = node.attrs.zeroStringValue ?? 'False';
    const one = node.attrs.oneStringValue ?? 'True';
    // The default texts are a boolean on the wire (true/false); others are the engineering texts.
    type.calibration =
      zero === 'False' && one === 'True'
        ? { type: 'boolean' }
        : { type: 'enumeration', states: { '0': zero, '1': one } };
  }
  const defaultAlarm = r.one(node, kids, 'DefaultAlarm');
  if (defaultAlarm !== undefined) type.defaultAlarm = defaultAlarm;
  const context = r.one(node, kids, 'ContextAlarmList');
  if (context !== undefined) type.contextAlarm = context;
  return type;
}

function aggregate(r: XtceReader, node: XNode, kids: Map<string, XNode[]>, resolve: TypeResolver): XType {
  const list = r.one(node, kids, 'MemberList');
  const members: XMember[] = [];
  for (const m of list === undefined ? [] : (r.read(list, [], ['Member']).get('Member') ?? [])) {
    r.read(m, ['name', 'typeRef', 'initialValue'], []);
    const name = r.attr(m, 'name');
    const ref = r.attr(m, 'typeRef');
    const type = ref === undefined ? undefined : resolve(m, ref, 'typeRef');
    if (name === undefined || type === undefined) {
      return { kind: 'aggregate', unusable: r.findings.at(-1)! };
    }
    members.push({ suffix: `.${name}`, type });
  }
  if (members.length === 0)
    return { kind: 'aggregate', unusable: r.invalid(node, 'needs a <MemberList> with members') };
  return { kind: 'aggregate', members, ...sizeOf(members) };
}

/** An array of fixed dimensions (`StartingIndex`/`EndingIndex` fixed values); dynamic sizes are unusable. */
function array(r: XtceReader, node: XNode, kids: Map<string, XNode[]>, resolve: TypeResolver): XType {
  const ref = r.attr(node, 'arrayTypeRef');
  const element = ref === undefined ? undefined : resolve(node, ref, 'arrayTypeRef');
  if (element === undefined) return { kind: 'array', unusable: r.findings.at(-1)! };
  const dims = r.one(node, kids, 'DimensionList');
  if (dims === undefined) {
    return {
      kind: 'array',
      unusable: r.unsupported(node, 'without a <DimensionList> (sizes given per entry) is not supported'),
    };
  }
  const sizes: number[] = [];
  for (const d of r.read(dims, [], ['Dimension']).get('Dimension') ?? []) {
    const dk = r.read(d, [], ['StartingIndex', 'EndingIndex']);
    const bounds: number[] = [];
    for (const which of ['StartingIndex', 'EndingIndex']) {
      const b = r.one(d, dk, which);
      const bk = b === undefined ? undefined : r.read(b, [], ['FixedValue', 'DynamicValue']);
      const fixed = b === undefined || bk === undefined ? undefined : r.one(b, bk, 'FixedValue');
      if (b !== undefined && bk?.has('DynamicValue')) {
        return {
          kind: 'array',
          unusable: r.unsupported(
            bk.get('DynamicValue')![0]!,
            'array sizes are not supported (only fixed sizes)',
          ),
        };
      }
      const v = fixed === undefined ? undefined : r.count(fixed, fixed.text, which);
      if (v === undefined) return { kind: 'array', unusable: r.invalid(d, `needs a fixed <${which}>`) };
      bounds.push(v);
    }
    if (bounds[1]! < bounds[0]!) return { kind: 'array', unusable: r.invalid(d, 'ends before it starts') };
    sizes.push(bounds[1]! - bounds[0]! + 1);
  }
  if (sizes.length === 0) return { kind: 'array', unusable: r.invalid(dims, 'needs a <Dimension>') };
  const total = sizes.reduce((a, b) => a * b, 1);
  if (total > 4096) {
    return {
      kind: 'array',
      unusable: r.unsupported(node, `of ${total} elements is not supported (at most 4096)`),
    };
  }
  const members: XMember[] = [];
  const index = new Array<number>(sizes.length).fill(0);
  for (let n = 0; n < total; n++) {
    members.push({ suffix: index.map((i) => `[${i}]`).join(''), type: element });
    for (let d = sizes.length - 1; d >= 0 && ++index[d]! === sizes[d]; d--) index[d] = 0;
  }
  return { kind: 'array', members, ...sizeOf(members) };
}

function sizeOf(members: readonly XMember[]): { bits?: number } {
  let bits = 0;
  for (const m of members) {
    if (m.type.bits === undefined) return {};
    bits += m.type.bits;
  }
  return { bits };
}

function enumeration(r: XtceReader, list: XNode): CalibrationDef | { unusable: Finding } | undefined {
  const states: Record<string, string> = {};
  for (const e of r.read(list, [], ['Enumeration']).get('Enumeration') ?? []) {
    r.read(e, ['value', 'label', 'maxValue', 'shortDescription'], []);
    const value = e.attrs.value;
    const label = r.attr(e, 'label');
    if (e.attrs.maxValue !== undefined && e.attrs.maxValue !== value) {
      return { unusable: r.unsupported(e, 'value ranges (maxValue) are not supported') };
    }
    if (value === undefined || !/^-?(0|[1-9][0-9]{0,15})$/.test(value)) {
      return { unusable: r.invalid(e, `must be an integer, not "${value ?? ''}"`, 'value') };
    }
    if (label === undefined || label === '' || label.length > 64) {
      return { unusable: r.invalid(e, 'must be 1 to 64 characters', 'label') };
    }
    states[value] = label;
  }
  return Object.keys(states).length === 0 ? undefined : { type: 'enumeration', states };
}
