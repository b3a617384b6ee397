import type { SchemaObject } from 'ajv';

// The native mission database format: its JSON schema (defaults live here) and, written by hand
// to match, its TypeScript type. src/mdb/README.md documents every field; keep the three in step.

/**
 * Parameter and list names: also the operands of derived expressions, hence identifier-like; an
 * array element carries its index (`TEMPS[3]`, from XTCE arrays; not an expression operand).
 */
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.]{0,127}(\\[[0-9]{1,4}\\]){0,4}$';
/** A packet is at most 65,542 bytes (CCSDS 133.0), so no bit offset lies beyond this. */
export const MAX_BIT_OFFSET = 65_542 * 8;
/** A packet's total length in bytes: the 6-byte primary header and 1 to 65,536 data bytes. */
export const PACKET_BYTES = { min: 7, max: 65_542 } as const;
export const MAX_INT_BITS = 53;

export type EncodingType = 'uint' | 'int' | 'float' | 'string' | 'bytes';
export type ByteOrder = 'big' | 'little';

export interface EncodingDef {
  readonly type: EncodingType;
  readonly bits: number;
  readonly byteOrder: ByteOrder;
}

export type CalibrationDef =
  | { readonly type: 'polynomial'; readonly coefficients: readonly number[] }
  | {
      readonly type: 'spline';
      readonly order: 1 | 3;
      readonly extrapolate: boolean;
      readonly points: readonly (readonly [number, number])[];
    }
  | {
      readonly type: 'piecewiseLinear';
      readonly segments: readonly {
        readonly from: number;
        readonly to: number;
        readonly slope: number;
        readonly offset: number;
      }[];
    }
  | { readonly type: 'logarithmic'; readonly coefficients: readonly number[] }
  | { readonly type: 'exponential'; readonly a: number; readonly b: number; readonly c: number }
  | { readonly type: 'power'; readonly a: number; readonly b: number; readonly c: number }
  | {
      readonly type: 'enumeration';
      readonly states: Readonly<Record<string, string>>;
      readonly default?: string;
    }
  | { readonly type: 'boolean' };

export type CalibrationType = CalibrationDef['type'];

export interface RangeDef {
  readonly low?: number;
  readonly high?: number;
  readonly lowInclusive: boolean;
  readonly highInclusive: boolean;
}

export interface LimitSetDef {
  readonly warning?: RangeDef;
  readonly alarm?: RangeDef;
  readonly alarmStates?: readonly string[];
}

export interface LimitsDef extends LimitSetDef {
  readonly persistence: number;
  /** Hysteresis of the return to nominal, in engineering units: a range violation ends only once
   * the value is inside the limit by at least this much. */
  readonly deadband?: number;
  readonly enabled: boolean;
  readonly switched?: LimitSetDef & {
    readonly parameter: string;
    readonly values: readonly (number | string | boolean)[];
  };
}

export interface ParameterDef {
  readonly description?: string;
  readonly unit?: string;
  readonly encoding: EncodingDef;
  readonly calibration?: CalibrationDef;
  readonly limits?: LimitsDef;
}

export interface DerivedDef {
  readonly description?: string;
  readonly unit?: string;
  readonly expression: string;
  readonly limits?: LimitsDef;
}

export interface FieldDef {
  readonly bitOffset: number;
  readonly bits: number;
}

export interface EntryDef {
  readonly parameter: string;
  readonly bitOffset?: number;
  readonly fields?: readonly FieldDef[];
}

/** A packet's total length in bytes (primary header included): exact, or a range (either bound may be left out). */
export type PacketLengthDef = number | { readonly min?: number; readonly max?: number };

export interface ContainerDef {
  readonly description?: string;
  readonly apid: number;
  readonly length?: PacketLengthDef;
  readonly entries: readonly EntryDef[];
}

export interface MdbDef {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly parameters: Readonly<Record<string, ParameterDef>>;
  readonly derived: Readonly<Record<string, DerivedDef>>;
  readonly containers: Readonly<Record<string, ContainerDef>>;
  readonly limitLists: Readonly<Record<string, readonly string[]>>;
}

const finite: SchemaObject = { type: 'number' };
const text = (maxLength: number): SchemaObject => ({ type: 'string', minLength: 1, maxLength });
const name: SchemaObject = { type: 'string', pattern: NAME_PATTERN };

function shape(required: string[], properties: Record<string, SchemaObject>): SchemaObject {
  return { type: 'object', additionalProperties: false, required, properties };
}

function calibration(type: CalibrationType, required: string[], properties: Record<string, SchemaObject>) {
  return shape(['type', ...required], { type: { const: type }, ...properties });
}

const coefficients: SchemaObject = { type: 'array', minItems: 1, maxItems: 32, items: finite };

export const calibrationSchema: SchemaObject = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string' } },
  discriminator: { propertyName: 'type' },
  oneOf: [
    calibration('polynomial', ['coefficients'], { coefficients }),
    calibration('spline', ['points'], {
      order: { enum: [1, 3], default: 1 },
      extrapolate: { type: 'boolean', default: false },
      points: {
        type: 'array',
        minItems: 2,
        maxItems: 4096,
        items: { type: 'array', minItems: 2, maxItems: 2, items: finite },
      },
    }),
    calibration('piecewiseLinear', ['segments'], {
      segments: {
        type: 'array',
        minItems: 1,
        maxItems: 4096,
        items: shape(['from', 'to', 'slope', 'offset'], {
          from: finite,
          to: finite,
          slope: finite,
          offset: finite,
        }),
      },
    }),
    calibration('logarithmic', ['coefficients'], { coefficients }),
    calibration('exponential', ['a', 'b'], { a: finite, b: finite, c: { ...finite, default: 0 } }),
    calibration('power', ['a', 'b'], { a: finite, b: finite, c: { ...finite, default: 0 } }),
    calibration('enumeration', ['states'], {
      states: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^-?(0|[1-9][0-9]{0,15})$' },
        additionalProperties: text(64),
      },
      default: text(64),
    }),
    calibration('boolean', [], {}),
  ],
};

const range: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    low: finite,
    high: finite,
    lowInclusive: { type: 'boolean', default: true },
    highInclusive: { type: 'boolean', default: true },
  },
};

const limitSet: Record<string, SchemaObject> = {
  warning: range,
  alarm: range,
  alarmStates: { type: 'array', minItems: 1, uniqueItems: true, items: text(64) },
};

export const limitsSchema: SchemaObject = shape([], {
  persistence: { type: 'integer', minimum: 1, maximum: 65_535, default: 1 },
  deadband: { type: 'number', minimum: 0 },
  enabled: { type: 'boolean', default: true },
  ...limitSet,
  switched: shape(['parameter', 'values'], {
    parameter: name,
    values: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: ['number', 'string', 'boolean'] },
    },
    ...limitSet,
  }),
});

const parameter: SchemaObject = shape(['encoding'], {
  description: text(1024),
  unit: text(32),
  encoding: shape(['type', 'bits'], {
    type: { enum: ['uint', 'int', 'float', 'string', 'bytes'] },
    bits: { type: 'integer', minimum: 1, maximum: 65_536 * 8 },
    byteOrder: { enum: ['big', 'little'], default: 'big' },
  }),
  calibration: calibrationSchema,
  limits: limitsSchema,
});

const derived: SchemaObject = shape(['expression'], {
  description: text(1024),
  unit: text(32),
  expression: text(4096),
  limits: limitsSchema,
});

const bitOffset: SchemaObject = { type: 'integer', minimum: 0, maximum: MAX_BIT_OFFSET };

const packetBytes: SchemaObject = { type: 'integer', minimum: PACKET_BYTES.min, maximum: PACKET_BYTES.max };

const container: SchemaObject = shape(['apid', 'entries'], {
  description: text(1024),
  apid: { type: 'integer', minimum: 0, maximum: 2047 },
  length: {
    anyOf: [packetBytes, { ...shape([], { min: packetBytes, max: packetBytes }), minProperties: 1 }],
  },
  entries: {
    type: 'array',
    minItems: 1,
    items: shape(['parameter'], {
      parameter: name,
      bitOffset,
      fields: {
        type: 'array',
        minItems: 2,
        maxItems: 53,
        items: shape(['bitOffset', 'bits'], {
          bitOffset,
          bits: { type: 'integer', minimum: 1, maximum: MAX_INT_BITS },
        }),
      },
    }),
  },
});

function named(item: SchemaObject): SchemaObject {
  return { type: 'object', propertyNames: name, additionalProperties: item, default: {} };
}

export const mdbSchema: SchemaObject = shape(['name', 'version', 'parameters'], {
  name: text(64),
  version: text(64),
  description: text(4096),
  parameters: named(parameter),
  derived: named(derived),
  containers: named(container),
  limitLists: named({ type: 'array', minItems: 1, uniqueItems: true, items: name }),
});
