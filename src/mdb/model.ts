// The loaded mission database: the validated definition, resolved to parameter indices.
import type { ParameterInfo } from '../acquisition/source.ts';
import type { CompiledExpression, ValueType } from './expr.ts';
import type { CalibrationDef, EncodingDef, FieldDef, LimitSetDef, MdbDef } from './schema.ts';

export type EngType = ValueType | 'bytes';

export type LimitSetModel = LimitSetDef;

export interface LimitsModel {
  readonly persistence: number;
  /** Hysteresis of the return from a range violation (engineering units); absent: none. */
  readonly deadband?: number;
  readonly enabled: boolean;
  readonly primary: LimitSetModel;
  readonly secondary?: {
    readonly set: LimitSetModel;
    /** Index of the switch parameter; its engineering value selects the secondary set. */
    readonly switchParam: number;
    readonly values: readonly (number | string | boolean)[];
  };
}

interface ParamBase {
  readonly index: number;
  readonly name: string;
  readonly unit?: string;
  readonly engType: EngType;
  readonly limits?: LimitsModel;
  /** This parameter's entry in the dictionary handed to acquisition. */
  readonly info: ParameterInfo;
}

export interface ExtractedParam extends ParamBase {
  readonly kind: 'extracted';
  readonly encoding: EncodingDef;
  readonly calibration?: CalibrationDef;
}

export interface DerivedParam extends ParamBase {
  readonly kind: 'derived';
  readonly expression: CompiledExpression;
}

export type ParamModel = ExtractedParam | DerivedParam;

export interface EntryModel {
  readonly param: number;
  /** One field of `encoding.bits` bits, or the concatenated fields, most significant first. */
  readonly fields: readonly FieldDef[];
}

export interface ContainerModel {
  readonly name: string;
  readonly apid: number;
  readonly entries: readonly EntryModel[];
  /**
   * The packet lengths in bytes (primary header included) that match the container: as declared
   * (`length`), else at least the end of its last entry, with no upper bound (max Infinity).
   */
  readonly length: { readonly min: number; readonly max: number };
}

export interface Mdb {
  /** Where the database came from, for messages. */
  readonly source: string;
  readonly def: MdbDef;
  /** Indexed by parameter index: extracted parameters in document order, then derived ones. */
  readonly parameters: readonly ParamModel[];
  readonly byName: ReadonlyMap<string, number>;
  readonly containers: readonly ContainerModel[];
  /** Derived parameter indices in an order where every input comes before its users. */
  readonly derivedOrder: readonly number[];
  readonly limitLists: ReadonlyMap<string, readonly number[]>;
  /** What an XTCE import could not use (one per root cause, naming what it left out); none for JSON. */
  readonly warnings?: readonly import('./errors.ts').MdbIssue[];
  /** Imported strictly (config `mdb.strict`): a reload is strict too. */
  readonly strict?: true;
}
