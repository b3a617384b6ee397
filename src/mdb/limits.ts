// Limit checking: per-parameter checks compiled at load time, persistence (a violation counts
// only after N consecutive violating samples), a deadband (hysteresis: a range violation ends only
// once the value is inside the limit by the deadband), and enable/disable per parameter, list or
// globally.
import { Limit } from '../../protocol/constants.ts';
import { MdbErrorCode, MdbUsageError } from './errors.ts';
import type { LimitSetModel, LimitsModel, Mdb } from './model.ts';
import type { RangeDef } from './schema.ts';

/** Limit states as small integers, in the key order of `Limit`: the parameters ring's key2. */
export const LIMITS: readonly Limit[] = Object.values(Limit);
export const L_OK = LIMITS.indexOf(Limit.OK);
export const L_WARN_LOW = LIMITS.indexOf(Limit.WARN_LOW);
export const L_WARN_HIGH = LIMITS.indexOf(Limit.WARN_HIGH);
export const L_ALARM_LOW = LIMITS.indexOf(Limit.ALARM_LOW);
export const L_ALARM_HIGH = LIMITS.indexOf(Limit.ALARM_HIGH);
export const L_STATE_ALARM = LIMITS.indexOf(Limit.STATE_ALARM);
export const L_UNCHECKED = LIMITS.indexOf(Limit.UNCHECKED);

export const isViolation = (code: number): boolean => code !== L_OK && code !== L_UNCHECKED;

/** Severity of a range state: 0 within limits, 1 warning, 2 alarm. */
const SEVERITY = LIMITS.map((l) =>
  l === Limit.WARN_LOW || l === Limit.WARN_HIGH ? 1 : l === Limit.ALARM_LOW || l === Limit.ALARM_HIGH ? 2 : 0,
);
const HIGH_SIDE = LIMITS.map((l) => l === Limit.WARN_HIGH || l === Limit.ALARM_HIGH);

/** Instantaneous limit state of a value, given the current engineering values (for the switch). */
type Check = (eng: unknown, values: readonly unknown[]) => number;

function rangeCheck(range: RangeDef | undefined, low: number, high: number): (x: number) => number {
  if (range === undefined) return () => L_OK;
  const lo = range.low ?? Number.NEGATIVE_INFINITY;
  const hi = range.high ?? Number.POSITIVE_INFINITY;
  // An inclusive bound belongs to the allowed interval; an exclusive one is already a violation.
  const loIn = range.lowInclusive;
  const hiIn = range.highInclusive;
  return (x) => {
    if (loIn ? x < lo : x <= lo) return low;
    if (hiIn ? x > hi : x >= hi) return high;
    return L_OK;
  };
}

function setCheck(set: LimitSetModel): (eng: unknown) => number {
  const { warning, alarm, alarmStates } = set;
  if (warning === undefined && alarm === undefined && alarmStates === undefined) return () => L_UNCHECKED;
  if (alarmStates !== undefined) {
    const states = new Set(alarmStates);
    return (eng) => (states.has(String(eng)) ? L_STATE_ALARM : L_OK);
  }
  const a = rangeCheck(alarm, L_ALARM_LOW, L_ALARM_HIGH);
  const w = rangeCheck(warning, L_WARN_LOW, L_WARN_HIGH);
  return (eng) => {
    const x = eng as number;
    const level = a(x);
    return level === L_OK ? w(x) : level;
  };
}

function compileCheck(limits: LimitsModel): Check {
  const primary = setCheck(limits.primary);
  const secondary = limits.secondary;
  if (secondary === undefined) return (eng) => primary(eng);
  const other = setCheck(secondary.set);
  const sw = secondary.switchParam;
  const when = new Set<unknown>(secondary.values);
  return (eng, values) => (when.has(values[sw]) ? other(eng) : primary(eng));
}

export class LimitChecker {
  readonly #checks: (Check | undefined)[];
  readonly #persistence: Uint16Array;
  readonly #deadband: Float64Array;
  readonly #count: Uint16Array;
  readonly #reported: Uint8Array;
  readonly #paramEnabled: Uint8Array;
  readonly #disabledLists: Uint16Array;
  /** Whether checking is on: global, parameter and list switches folded into one byte per parameter. */
  readonly #active: Uint8Array;
  readonly #lists: ReadonlyMap<string, readonly number[]>;
  readonly #listOff = new Set<string>();
  readonly #byName: ReadonlyMap<string, number>;
  #global = true;

  constructor(mdb: Mdb) {
    const n = mdb.parameters.length;
    this.#checks = mdb.parameters.map((p) => (p.limits === undefined ? undefined : compileCheck(p.limits)));
    this.#persistence = Uint16Array.from(mdb.parameters, (p) => p.limits?.persistence ?? 1);
    this.#deadband = Float64Array.from(mdb.parameters, (p) => p.limits?.deadband ?? 0);
    this.#count = new Uint16Array(n);
    this.#reported = new Uint8Array(n).fill(L_UNCHECKED);
    this.#paramEnabled = Uint8Array.from(mdb.parameters, (p) => (p.limits?.enabled === false ? 0 : 1));
    this.#disabledLists = new Uint16Array(n);
    this.#active = new Uint8Array(n);
    this.#lists = mdb.limitLists;
    this.#byName = mdb.byName;
    for (let i = 0; i < n; i++) this.#refresh(i);
  }

  /**
   * Checks one sample's engineering value and returns its reported limit state (a LIMITS index).
   * A violation is reported once `persistence` consecutive samples violate; returning to nominal
   * is immediate. `values` holds the current engineering values, for switch parameters.
   */
  check(param: number, eng: unknown, values: readonly unknown[]): number {
    if (this.#active[param] === 0) return L_UNCHECKED;
    const check = this.#checks[param]!;
    let instant = check(eng, values);
    const previous = this.#reported[param]!;
    const band = this.#deadband[param]!;
    if (band > 0 && SEVERITY[instant]! < SEVERITY[previous]! && typeof eng === 'number') {
      // Leaving a range violation: the value, moved back towards the limit by the deadband, must
      // still be inside it; otherwise the state stays at the severity that value has.
      const banded = check(HIGH_SIDE[previous] ? eng + band : eng - band, values);
      if (SEVERITY[banded]! > SEVERITY[instant]!)
        instant = SEVERITY[banded]! >= SEVERITY[previous]! ? previous : banded;
    }
    let current: number;
    if (isViolation(instant)) {
      const count = Math.min(this.#count[param]! + 1, 0xffff);
      this.#count[param] = count;
      // Until the violation persists long enough the value counts as within limits, unless an
      // earlier violation is still the reported state.
      if (count >= this.#persistence[param]!) current = instant;
      else current = isViolation(previous) ? previous : L_OK;
    } else {
      this.#count[param] = 0;
      current = instant;
    }
    this.#reported[param] = current;
    return current;
  }

  /** The limit state last reported for `param` (a LIMITS index): read before check() for transitions. */
  reported(param: number): number {
    return this.#reported[param]!;
  }

  setParameterEnabled(name: string, enabled: boolean): void {
    const index = this.#byName.get(name);
    if (index === undefined) {
      throw new MdbUsageError(MdbErrorCode.ERR_MDB_UNKNOWN_PARAMETER, `unknown parameter "${name}"`);
    }
    this.#paramEnabled[index] = enabled ? 1 : 0;
    this.#refresh(index);
  }

  setListEnabled(list: string, enabled: boolean): void {
    const members = this.#lists.get(list);
    if (members === undefined)
      throw new MdbUsageError(MdbErrorCode.ERR_MDB_UNKNOWN_LIST, `unknown limit list "${list}"`);
    if (enabled === !this.#listOff.has(list)) return;
    if (enabled) this.#listOff.delete(list);
    else this.#listOff.add(list);
    for (const i of members) {
      this.#disabledLists[i] = this.#disabledLists[i]! + (enabled ? -1 : 1);
      this.#refresh(i);
    }
  }

  setGlobalEnabled(enabled: boolean): void {
    this.#global = enabled;
    for (let i = 0; i < this.#active.length; i++) this.#refresh(i);
  }

  isEnabled(name: string): boolean {
    const index = this.#byName.get(name);
    return index !== undefined && this.#active[index] === 1;
  }

  /**
   * Takes over the limit state (persistence counts, reported states) of the checker this one
   * replaces, for the parameters checked by both, so a reload or an override raises no event for
   * a violation already reported. Both checkers must have the same parameter list.
   */
  adopt(previous: LimitChecker): void {
    for (let i = 0; i < this.#active.length; i++) {
      if (this.#active[i] === 0 || previous.#active[i] === 0) continue;
      this.#count[i] = previous.#count[i]!;
      this.#reported[i] = previous.#reported[i]!;
    }
  }

  #refresh(i: number): void {
    const on =
      this.#global &&
      this.#checks[i] !== undefined &&
      this.#paramEnabled[i] === 1 &&
      this.#disabledLists[i] === 0;
    if (on !== (this.#active[i] === 1)) {
      // Either way the state starts afresh: a disabled parameter reports UNCHECKED without a
      // return-to-nominal event, and a re-enabled one carries no violation from before.
      this.#count[i] = 0;
      this.#reported[i] = L_UNCHECKED;
    }
    this.#active[i] = on ? 1 : 0;
  }
}
