// The limit rules of a parameter (ranges, alarm states, switched sets) and its resolved LimitsModel.
import type { EngType, LimitsModel } from './model.ts';
import { type Context, issue } from './resolve-context.ts';
import type { LimitSetDef, LimitsDef, RangeDef } from './schema.ts';

function rangeRules(ctx: Context, at: string, name: string, range: RangeDef): void {
  if (range.low === undefined && range.high === undefined) {
    issue(ctx, at, name, 'range', 'must have low, high or both');
  } else if (range.low !== undefined && range.high !== undefined && range.low > range.high) {
    issue(ctx, `${at}/high`, name, 'range', `must be >= low (${range.low})`);
  }
}

function limitSetRules(ctx: Context, at: string, name: string, set: LimitSetDef, type: EngType): boolean {
  let checks = false;
  for (const key of ['warning', 'alarm'] as const) {
    const range = set[key];
    if (range === undefined) continue;
    checks = true;
    if (type !== 'number')
      issue(ctx, `${at}/${key}`, name, 'limitsType', `a ${type} parameter has no numeric limits`);
    else rangeRules(ctx, `${at}/${key}`, name, range);
  }
  if (set.alarmStates !== undefined) {
    checks = true;
    const states = stateLabels(ctx, name);
    if (type !== 'string' && type !== 'boolean') {
      issue(ctx, `${at}/alarmStates`, name, 'limitsType', `a ${type} parameter has no alarm states`);
    } else {
      const allowed = type === 'boolean' ? ['true', 'false'] : states;
      set.alarmStates.forEach((s, i) => {
        if (allowed !== undefined && !allowed.includes(s)) {
          const list = allowed.map((a) => JSON.stringify(a)).join(', ');
          issue(ctx, `${at}/alarmStates/${i}`, name, 'unknownState', `must be one of ${list}`);
        }
      });
    }
  }
  return checks;
}

function stateLabels(ctx: Context, name: string): readonly string[] | undefined {
  const cal = ctx.def.parameters[name]?.calibration;
  if (cal?.type !== 'enumeration') return undefined;
  return [...Object.values(cal.states), ...(cal.default === undefined ? [] : [cal.default])];
}

/** A parameter's limits, checked; undefined when its switch parameter does not exist. */
export function limitsModel(
  ctx: Context,
  base: string,
  name: string,
  def: LimitsDef,
  type: EngType,
): LimitsModel | undefined {
  const at = `${base}/limits`;
  let checks = limitSetRules(ctx, at, name, def, type);
  const { warning, alarm, alarmStates, persistence, enabled, switched } = def;
  const primary = { warning, alarm, alarmStates };
  const hysteresis = def.deadband ? { deadband: def.deadband } : {};
  if (switched === undefined) {
    if (!checks) issue(ctx, at, name, 'emptyLimits', 'must define warning, alarm or alarmStates');
    return { persistence, ...hysteresis, enabled, primary };
  }
  checks = limitSetRules(ctx, `${at}/switched`, name, switched, type) || checks;
  if (!checks) issue(ctx, at, name, 'emptyLimits', 'must define warning, alarm or alarmStates');
  const switchParam = ctx.byName.get(switched.parameter);
  const switchType = ctx.engTypes.get(switched.parameter);
  if (switchParam === undefined) {
    issue(
      ctx,
      `${at}/switched/parameter`,
      name,
      'unknownParameter',
      `"${switched.parameter}" is not defined`,
    );
    return undefined;
  }
  if (switched.parameter === name) {
    issue(ctx, `${at}/switched/parameter`, name, 'switch', 'a parameter cannot switch its own limits');
  }
  switched.values.forEach((v, i) => {
    if (switchType !== undefined && typeof v !== switchType) {
      issue(
        ctx,
        `${at}/switched/values/${i}`,
        name,
        'type',
        `must be a ${switchType}, like "${switched.parameter}"`,
      );
    }
  });
  const set = { warning: switched.warning, alarm: switched.alarm, alarmStates: switched.alarmStates };
  return {
    persistence,
    ...hysteresis,
    enabled,
    primary,
    secondary: { set, switchParam, values: switched.values },
  };
}
