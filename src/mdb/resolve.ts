// The rules between the parts of a schema-valid mission database, checked while resolving every
// name to a parameter index. All problems are collected, so an operator fixes them in one pass.
// The limit and container rules are resolve-limits.ts and resolve-containers.ts.
import type { ParameterInfo } from '../acquisition/source.ts';
import { ExpressionError, type MdbIssue } from './errors.ts';
import { type CompiledExpression, compileExpression, type Operand } from './expr.ts';
import type { EngType, Mdb, ParamModel } from './model.ts';
import { containerModels } from './resolve-containers.ts';
import { type Context, issue, pointer } from './resolve-context.ts';
import { limitsModel } from './resolve-limits.ts';
import type { CalibrationDef, EncodingDef, LimitsDef, MdbDef } from './schema.ts';
import { MAX_INT_BITS } from './schema.ts';

function encodingRules(ctx: Context, name: string, enc: EncodingDef): void {
  const at = pointer('parameters', name, 'encoding', 'bits');
  const { type, bits } = enc;
  if ((type === 'uint' || type === 'int') && bits > MAX_INT_BITS) {
    issue(ctx, at, name, 'encodingBits', `${type} must have at most ${MAX_INT_BITS} bits`);
  } else if (type === 'float' && bits !== 32 && bits !== 64) {
    issue(ctx, at, name, 'encodingBits', 'float must have 32 or 64 bits');
  } else if ((type === 'string' || type === 'bytes') && bits % 8 !== 0) {
    issue(ctx, at, name, 'encodingBits', `${type} must have a whole number of bytes (bits a multiple of 8)`);
  } else if (
    enc.byteOrder === 'little' &&
    (type === 'uint' || type === 'int') &&
    (bits % 8 !== 0 || bits > 48)
  ) {
    issue(ctx, at, name, 'byteOrder', 'little-endian integers must have 8, 16, 24, 32, 40 or 48 bits');
  }
}

function calibrationRules(ctx: Context, name: string, enc: EncodingDef, cal: CalibrationDef): void {
  const at = pointer('parameters', name, 'calibration');
  if (enc.type === 'string' || enc.type === 'bytes') {
    issue(ctx, at, name, 'calibrationType', `a ${enc.type} parameter cannot be calibrated`);
    return;
  }
  if ((cal.type === 'enumeration' || cal.type === 'boolean') && enc.type === 'float') {
    issue(ctx, at, name, 'calibrationType', `a ${cal.type} calibration needs an integer encoding`);
  }
  if (cal.type === 'spline') {
    cal.points.forEach((p, i) => {
      if (i > 0 && !(p[0] > cal.points[i - 1]![0])) {
        issue(
          ctx,
          `${at}/points/${i}/0`,
          name,
          'ascending',
          'raw values of the points must strictly increase',
        );
      }
    });
  } else if (cal.type === 'piecewiseLinear') {
    cal.segments.forEach((s, i) => {
      if (s.from > s.to) issue(ctx, `${at}/segments/${i}/to`, name, 'range', 'must be >= from');
    });
  }
}

function engTypeOf(enc: EncodingDef, cal: CalibrationDef | undefined): EngType {
  if (enc.type === 'string') return 'string';
  if (enc.type === 'bytes') return 'bytes';
  if (cal?.type === 'enumeration') return 'string';
  if (cal?.type === 'boolean') return 'boolean';
  return 'number';
}

function compileDerived(ctx: Context, order: number[]): Map<string, CompiledExpression> {
  const done = new Map<string, CompiledExpression | null>();
  const busy = new Set<string>();
  const visit = (name: string): CompiledExpression | null => {
    const known = done.get(name);
    if (known !== undefined) return known;
    busy.add(name);
    let result: CompiledExpression | null = null;
    try {
      result = compileExpression(ctx.def.derived[name]!.expression, (id, pos): Operand | undefined => {
        const index = ctx.byName.get(id);
        if (index === undefined) return undefined;
        if (!Object.hasOwn(ctx.def.derived, id)) return { index, type: ctx.engTypes.get(id)! };
        if (busy.has(id)) throw new ExpressionError(pos, `circular dependency through "${id}"`);
        const input = visit(id);
        if (input === null) throw new ExpressionError(pos, `parameter "${id}" has an invalid expression`);
        return { index, type: input.type };
      });
      ctx.engTypes.set(name, result.type);
      order.push(ctx.byName.get(name)!);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issue(ctx, pointer('derived', name, 'expression'), name, 'expression', err.message);
    }
    busy.delete(name);
    done.set(name, result);
    return result;
  };
  for (const name of Object.keys(ctx.def.derived)) visit(name);
  const compiled = new Map<string, CompiledExpression>();
  for (const [name, expr] of done) if (expr !== null) compiled.set(name, expr);
  return compiled;
}

function infoOf(
  name: string,
  type: EngType,
  p: { description?: string; unit?: string },
  limits?: LimitsDef,
  cal?: CalibrationDef,
  enc?: EncodingDef,
): ParameterInfo {
  let infoType: ParameterInfo['type'];
  if (cal?.type === 'enumeration') infoType = 'state';
  else if (type === 'boolean') infoType = 'bool';
  else if (type === 'string' || type === 'bytes') infoType = 'string';
  else infoType = cal === undefined && (enc?.type === 'uint' || enc?.type === 'int') ? 'int' : 'float';
  const info: ParameterInfo = { name, type: infoType };
  if (p.unit !== undefined) info.unit = p.unit;
  if (p.description !== undefined) info.description = p.description;
  if (cal?.type === 'enumeration') info.states = stateTableLabels(cal);
  const lim =
    limits === undefined
      ? {}
      : {
          ...(limits.warning?.low === undefined ? {} : { warnLow: limits.warning.low }),
          ...(limits.warning?.high === undefined ? {} : { warnHigh: limits.warning.high }),
          ...(limits.alarm?.low === undefined ? {} : { alarmLow: limits.alarm.low }),
          ...(limits.alarm?.high === undefined ? {} : { alarmHigh: limits.alarm.high }),
        };
  if (Object.keys(lim).length > 0) info.limits = lim;
  return info;
}

function stateTableLabels(cal: Extract<CalibrationDef, { type: 'enumeration' }>): string[] {
  return [...new Set([...Object.values(cal.states), ...(cal.default === undefined ? [] : [cal.default])])];
}

/** Resolves a schema-valid definition; `issues` is empty when the database is usable. */
export function resolveMdb(def: MdbDef, source: string): { mdb: Mdb; issues: MdbIssue[] } {
  const ctx: Context = { def, issues: [], byName: new Map(), engTypes: new Map() };
  for (const name of Object.keys(def.parameters)) ctx.byName.set(name, ctx.byName.size);
  for (const name of Object.keys(def.derived)) {
    if (ctx.byName.has(name)) {
      issue(ctx, pointer('derived', name), name, 'uniqueName', 'is also an extracted parameter');
    } else ctx.byName.set(name, ctx.byName.size);
  }
  for (const [name, p] of Object.entries(def.parameters)) {
    encodingRules(ctx, name, p.encoding);
    if (p.calibration !== undefined) calibrationRules(ctx, name, p.encoding, p.calibration);
    ctx.engTypes.set(name, engTypeOf(p.encoding, p.calibration));
  }
  const derivedOrder: number[] = [];
  const expressions = compileDerived(ctx, derivedOrder);
  const parameters: ParamModel[] = [];
  for (const [name, p] of Object.entries(def.parameters)) {
    const engType = ctx.engTypes.get(name)!;
    const base = pointer('parameters', name);
    const limits = p.limits === undefined ? undefined : limitsModel(ctx, base, name, p.limits, engType);
    parameters.push({
      kind: 'extracted',
      index: parameters.length,
      name,
      engType,
      encoding: p.encoding,
      ...(p.calibration === undefined ? {} : { calibration: p.calibration }),
      ...(p.unit === undefined ? {} : { unit: p.unit }),
      ...(limits === undefined ? {} : { limits }),
      info: infoOf(name, engType, p, p.limits, p.calibration, p.encoding),
    });
  }
  for (const [name, d] of Object.entries(def.derived)) {
    const expression = expressions.get(name);
    if (expression === undefined || ctx.byName.get(name) !== parameters.length) continue;
    const base = pointer('derived', name);
    const limits =
      d.limits === undefined ? undefined : limitsModel(ctx, base, name, d.limits, expression.type);
    parameters.push({
      kind: 'derived',
      index: parameters.length,
      name,
      engType: expression.type,
      expression,
      ...(d.unit === undefined ? {} : { unit: d.unit }),
      ...(limits === undefined ? {} : { limits }),
      info: infoOf(name, expression.type, d, d.limits),
    });
  }
  const containers = containerModels(ctx);
  const limitLists = new Map<string, readonly number[]>();
  for (const [list, names] of Object.entries(def.limitLists)) {
    const members: number[] = [];
    names.forEach((n, i) => {
      const index = ctx.byName.get(n);
      if (index === undefined)
        issue(ctx, pointer('limitLists', list, i), n, 'unknownParameter', `"${n}" is not defined`);
      else members.push(index);
    });
    limitLists.set(list, Object.freeze(members));
  }
  const mdb: Mdb = {
    source,
    def,
    parameters: deepFreezeModel(parameters),
    byName: ctx.byName,
    containers: deepFreezeModel(containers),
    derivedOrder: Object.freeze(derivedOrder),
    limitLists,
  };
  return { mdb: Object.freeze(mdb), issues: ctx.issues };
}

function deepFreezeModel<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreezeModel(item);
    Object.freeze(value);
  }
  return value;
}
