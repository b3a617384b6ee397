// XTCE alarms → native limits: static warning/critical ranges, enumeration alarms, a boolean's
// critical condition, and one context alarm (the switched second set).
import type { XNode, XtceReader } from './xtce-tree.ts';
import type { TypeKind, XType } from './xtce-types.ts';

/** A referenced parameter, resolved from the referring element's scope. */
export interface ParamRef {
  readonly name: string;
  readonly kind: TypeKind | undefined;
}

export type Resolve = (node: XNode, ref: string) => ParamRef | undefined;

const WARNING_LEVELS = ['WatchRange', 'WarningRange'];
const ALARM_LEVELS = ['DistressRange', 'CriticalRange', 'SevereRange'];

type Range = { low?: number; high?: number; lowInclusive?: boolean; highInclusive?: boolean };
type LimitSet = { warning?: Range; alarm?: Range; alarmStates?: string[] };

/** The native `limits` of a parameter of `type` (named `self`), or undefined when it has no alarm. */
export function limitsOf(
  r: XtceReader,
  type: XType,
  self: string,
  resolve: Resolve,
): Record<string, unknown> | undefined {
  if (type.defaultAlarm === undefined && type.contextAlarm === undefined) return undefined;
  const limits: Record<string, unknown> = {};
  let persistence: number | undefined;
  if (type.defaultAlarm !== undefined) {
    const a = type.defaultAlarm;
    const kids = r.read(
      a,
      ['minViolations', 'defaultAlarmLevel'],
      ['StaticAlarmRanges', 'EnumerationAlarmList', 'AlarmConditions'],
    );
    r.choice(a, 'defaultAlarmLevel', ['normal'], 'normal');
    persistence = r.count(a, a.attrs.minViolations, 'minViolations', 1);
    Object.assign(limits, alarmSet(r, a, kids, type.kind, self, resolve));
  }
  if (type.contextAlarm !== undefined) {
    const list = r.read(type.contextAlarm, [], ['ContextAlarm']).get('ContextAlarm') ?? [];
    if (list.length !== 1) r.invalid(type.contextAlarm, 'must hold exactly one <ContextAlarm>');
    const c = list[0];
    if (c !== undefined) {
      const kids = r.read(
        c,
        ['minViolations'],
        ['ContextMatch', 'StaticAlarmRanges', 'EnumerationAlarmList', 'AlarmConditions'],
      );
      const own = r.count(c, c.attrs.minViolations, 'minViolations', persistence ?? 1);
      if (persistence !== undefined && own !== persistence) {
        r.invalid(
          c,
          'must equal the DefaultAlarm minViolations (one persistence per parameter)',
          'minViolations',
        );
      }
      persistence = own;
      const match = contextMatch(r, c, kids, resolve);
      if (match !== undefined)
        limits.switched = { ...match, ...alarmSet(r, c, kids, type.kind, self, resolve) };
    }
  }
  if (persistence !== undefined && persistence !== 1) limits.persistence = persistence;
  return limits;
}

function alarmSet(
  r: XtceReader,
  node: XNode,
  kids: Map<string, XNode[]>,
  kind: TypeKind,
  self: string,
  resolve: Resolve,
): LimitSet {
  const set: LimitSet = {};
  const ranges = r.one(node, kids, 'StaticAlarmRanges');
  if (ranges !== undefined) {
    if (kind !== 'integer' && kind !== 'float' && kind !== 'time')
      r.invalid(ranges, `does not apply to a ${kind} parameter`);
    // XTCE's six levels onto SCS's two: watch/warning → warning, distress/critical/severe → alarm;
    // of several on one level, the first to trigger (the innermost) is used.
    const rk = r.read(ranges, ['minViolations'], [...WARNING_LEVELS, ...ALARM_LEVELS]);
    const warning = WARNING_LEVELS.map((l) => r.one(ranges, rk, l)).find((n) => n !== undefined);
    const critical = ALARM_LEVELS.map((l) => r.one(ranges, rk, l)).find((n) => n !== undefined);
    if (warning !== undefined) set.warning = range(r, warning);
    if (critical !== undefined) set.alarm = range(r, critical);
  }
  const enums = r.one(node, kids, 'EnumerationAlarmList');
  if (enums !== undefined) {
    const states: string[] = [];
    for (const e of r.read(enums, [], ['EnumerationAlarm']).get('EnumerationAlarm') ?? []) {
      r.read(e, ['alarmLevel', 'enumerationLabel'], []);
      // SCS has one state alarm level: every XTCE level but normal raises it.
      const level = r.choice(
        e,
        'alarmLevel',
        ['normal', 'watch', 'warning', 'distress', 'critical', 'severe'],
        'critical',
      );
      if (level === 'normal') continue;
      const label = r.attr(e, 'enumerationLabel');
      if (label !== undefined) states.push(label);
    }
    set.alarmStates = states;
  }
  const conditions = r.one(node, kids, 'AlarmConditions');
  if (conditions !== undefined) {
    const critical = r.one(conditions, r.read(conditions, [], ['CriticalAlarm']), 'CriticalAlarm');
    if (critical !== undefined) {
      const cmp = comparison(r, critical, r.read(critical, [], ['Comparison']), resolve);
      if (cmp !== undefined) {
        if (cmp.ref.name !== self) r.invalid(critical, `must compare the parameter itself (${self})`);
        else if (kind !== 'boolean') r.invalid(critical, 'is supported on BooleanParameterType only');
        else set.alarmStates = [String(cmp.value)];
      }
    }
  }
  return set;
}

function range(r: XtceReader, node: XNode): Range {
  r.read(node, ['minInclusive', 'minExclusive', 'maxInclusive', 'maxExclusive', 'rangeForm'], []);
  r.choice(node, 'rangeForm', ['outside'], 'outside');
  const out: Range = {};
  const { minInclusive, minExclusive, maxInclusive, maxExclusive } = node.attrs;
  if (minInclusive !== undefined && minExclusive !== undefined) r.invalid(node, 'has two lower bounds');
  if (maxInclusive !== undefined && maxExclusive !== undefined) r.invalid(node, 'has two upper bounds');
  if (minInclusive !== undefined) out.low = r.number(node, 'minInclusive');
  if (minExclusive !== undefined) {
    out.low = r.number(node, 'minExclusive');
    out.lowInclusive = false;
  }
  if (maxInclusive !== undefined) out.high = r.number(node, 'maxInclusive');
  if (maxExclusive !== undefined) {
    out.high = r.number(node, 'maxExclusive');
    out.highInclusive = false;
  }
  return out;
}

function contextMatch(
  r: XtceReader,
  alarm: XNode,
  kids: Map<string, XNode[]>,
  resolve: Resolve,
): { parameter: string; values: unknown[] } | undefined {
  const match = r.one(alarm, kids, 'ContextMatch');
  if (match === undefined) {
    r.invalid(alarm, 'needs a <ContextMatch>');
    return undefined;
  }
  const cmp = comparison(r, match, r.read(match, [], ['Comparison']), resolve);
  return cmp === undefined ? undefined : { parameter: cmp.ref.name, values: [cmp.value] };
}

export interface Compared {
  readonly ref: ParamRef;
  /** Typed like the parameter's engineering value, or the raw number (`useCalibratedValue="false"`). */
  readonly value: number | string | boolean;
  readonly node: XNode;
  readonly calibrated: boolean;
}

/** The one `<Comparison>` (equality, calibrated value) under `node`, its value typed like its parameter. */
export function comparison(
  r: XtceReader,
  node: XNode,
  kids: Map<string, XNode[]>,
  resolve: Resolve,
): Compared | undefined {
  const c = r.one(node, kids, 'Comparison');
  if (c === undefined) {
    r.invalid(node, 'needs a <Comparison>');
    return undefined;
  }
  r.read(c, ['parameterRef', 'value', 'comparisonOperator', 'useCalibratedValue', 'instance'], []);
  if (r.choice(c, 'comparisonOperator', ['=='], '==') === undefined) return undefined;
  const calibrated = r.choice(c, 'useCalibratedValue', ['true', 'false'], 'true') !== 'false';
  const refText = r.attr(c, 'parameterRef');
  const text = r.attr(c, 'value');
  if (refText === undefined || text === undefined) return undefined;
  const ref = resolve(c, refText);
  if (ref === undefined) return undefined;
  if (ref.kind === 'integer' || ref.kind === 'float' || !calibrated) {
    const n = r.number(c, 'value');
    return n === undefined ? undefined : { ref, value: n, node: c, calibrated };
  }
  if (ref.kind === 'boolean') {
    const b = text.toLowerCase();
    if (b !== 'true' && b !== 'false') {
      r.invalid(c, `must be true or false, not "${text}"`, 'value');
      return undefined;
    }
    return { ref, value: b === 'true', node: c, calibrated };
  }
  return { ref, value: text, node: c, calibrated };
}
