// Operator control of the mission database on the acquisition thread: reload, limit checking on
// and off, temporary limit and calibration changes (until restart). Each change is logged and
// raised as an event. It runs between packets on the processor's own thread, so swapping the
// processor needs no lock: the caller reads `processor` again for every packet.
//
// What a change may alter: anything but the dictionary (parameter names and order, units, types,
// state texts). The main thread, the actors (ACLs, selections) and the value table index
// parameters by position and were sized and named at start; a change to the list is refused
// with ERR_MDB_RESTART_REQUIRED and the database in force stays.
import { basename, dirname, join } from 'node:path';
import type { Severity } from '../../protocol/constants.ts';
import type { EventIn, ParameterInfo } from '../acquisition/source.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { type ControlRequest, parseControl } from './control-schema.ts';
import { MdbError, MdbErrorCode, type MdbIssue } from './errors.ts';
import { EVENT_SOURCE } from './events.ts';
import { type MdbText, parseMdb, parseMdbText, readMdbText } from './load.ts';
import type { Mdb } from './model.ts';
import { PacketProcessor } from './processor.ts';
import type { CalibrationDef, LimitsDef, MdbDef } from './schema.ts';

export const ControlEventType = {
  MDB_RELOADED: 'MDB_RELOADED',
  MDB_RELOAD_REFUSED: 'MDB_RELOAD_REFUSED',
  LIMIT_CHECKING_ENABLED: 'LIMIT_CHECKING_ENABLED',
  LIMIT_CHECKING_DISABLED: 'LIMIT_CHECKING_DISABLED',
  LIMITS_CHANGED: 'LIMITS_CHANGED',
  LIMITS_RESTORED: 'LIMITS_RESTORED',
  CALIBRATION_CHANGED: 'CALIBRATION_CHANGED',
  CALIBRATION_RESTORED: 'CALIBRATION_RESTORED',
} as const;
export type ControlEventType = (typeof ControlEventType)[keyof typeof ControlEventType];

export type ControlReply =
  | ({ readonly ok: true; readonly op: ControlRequest['op'] } & Readonly<Record<string, unknown>>)
  | { readonly ok: false; readonly code: string; readonly errors: readonly MdbIssue[] };

export interface MdbControlOptions {
  /** Receives the events of control actions (the events stream); the caller commits them. */
  readonly emit: (e: EventIn) => void;
  readonly clock: Pick<Clock, 'nowUs'>;
  /**
   * Receives the text of each accepted reload, before the reply: the main thread keeps it and
   * hands it to a restarted thread, which must not read a file edited since (src/server/acquisition.ts).
   */
  readonly onReload?: (database: MdbText) => void;
}

/** The run-time overrides in force, as `{op: 'overrides'}` returns them. */
export interface Overrides {
  readonly limitChecking: {
    readonly global: boolean;
    readonly parameters: Readonly<Record<string, boolean>>;
    readonly lists: Readonly<Record<string, boolean>>;
  };
  readonly limits: Readonly<Record<string, LimitsDef>>;
  readonly calibrations: Readonly<Record<string, CalibrationDef>>;
}

export class MdbControl {
  readonly #log: Logger;
  readonly #emit: (e: EventIn) => void;
  readonly #clock: Pick<Clock, 'nowUs'>;
  readonly #onReload: ((database: MdbText) => void) | undefined;
  #processor: PacketProcessor;
  /** The database as loaded from its file, before any override. */
  #base: Mdb;
  #global = true;
  /** Who made the request being handled, for its log line and event. */
  #by: string | undefined;
  readonly #paramEnabled = new Map<string, boolean>();
  readonly #listEnabled = new Map<string, boolean>();
  readonly #limits = new Map<string, LimitsDef>();
  readonly #calibrations = new Map<string, CalibrationDef>();

  constructor(processor: PacketProcessor, log: Logger, opts: MdbControlOptions) {
    this.#processor = processor;
    this.#base = processor.mdb;
    this.#log = log;
    this.#emit = opts.emit;
    this.#clock = opts.clock;
    this.#onReload = opts.onReload;
  }

  /** The processor in force: replaced by reloads and limit or calibration overrides. */
  get processor(): PacketProcessor {
    return this.#processor;
  }

  /** Validates and applies one request; never throws. */
  handle(msg: unknown): ControlReply {
    const parsed = parseControl(msg);
    if ('issues' in parsed) return refuse(MdbErrorCode.ERR_MDB_CONTROL_INVALID, parsed.issues);
    const req = parsed.request;
    this.#by = req.by;
    try {
      return this.#apply(req);
    } catch (err) {
      if (err instanceof MdbError) return refuse(err.code, err.issues);
      const code = (err as { code?: unknown }).code;
      if (code === MdbErrorCode.ERR_MDB_UNKNOWN_PARAMETER || code === MdbErrorCode.ERR_MDB_UNKNOWN_LIST) {
        return refuse(code, [{ path: '', rule: 'unknownName', message: (err as Error).message }]);
      }
      throw err;
    } finally {
      this.#by = undefined;
    }
  }

  overrides(): Overrides {
    return {
      limitChecking: {
        global: this.#global,
        parameters: Object.fromEntries(this.#paramEnabled),
        lists: Object.fromEntries(this.#listEnabled),
      },
      limits: Object.fromEntries(this.#limits),
      calibrations: Object.fromEntries(this.#calibrations),
    };
  }

  #apply(req: ControlRequest): ControlReply {
    switch (req.op) {
      case 'reload':
        return this.#reload(req.file);
      case 'limitChecking':
        return this.#limitChecking(req.enabled, req.parameter, req.list);
      case 'setLimits':
      case 'restoreLimits': {
        const limits = req.op === 'setLimits' ? req.limits : undefined;
        return this.#override(req.op, req.parameter, this.#limits, limits, 'limits');
      }
      case 'setCalibration':
      case 'restoreCalibration': {
        const cal = req.op === 'setCalibration' ? req.calibration : undefined;
        return this.#override(req.op, req.parameter, this.#calibrations, cal, 'calibration');
      }
      case 'overrides':
        return { ok: true, op: req.op, database: this.#describe(), ...this.overrides() };
    }
  }

  #reload(file: string | undefined): ControlReply {
    const current = this.#base.source;
    const path = file === undefined ? current : join(dirname(current), file);
    let text: MdbText;
    let base: Mdb;
    let processor: PacketProcessor;
    try {
      text = { ...readMdbText(path), ...(this.#base.strict === true ? { strict: true } : {}) };
      base = parseMdbText(text);
      // Temporary limit and calibration changes were made against the old database: dropped.
      processor = this.#build(base, new Map(), new Map());
    } catch (err) {
      if (!(err instanceof MdbError)) throw err;
      this.#log.warn(
        { by: this.#by, file: path, code: err.code, errors: err.issues },
        'mission database reload refused',
      );
      const first = err.issues[0]?.message ?? err.message;
      this.#event(
        'WARNING',
        ControlEventType.MDB_RELOAD_REFUSED,
        `mission database ${basename(path)} refused (${err.issues.length} problem(s), first: ${first}); ${this.#base.def.name} ${this.#base.def.version} stays in force`,
      );
      return refuse(err.code, err.issues);
    }
    const dropped = { limits: [...this.#limits.keys()], calibrations: [...this.#calibrations.keys()] };
    this.#limits.clear();
    this.#calibrations.clear();
    this.#base = base;
    this.#install(processor);
    this.#onReload?.(text);
    const d = this.#describe();
    this.#log.info({ by: this.#by, ...d, dropped }, 'mission database reloaded');
    // What an XTCE import left out: one warning per root cause, as at start.
    const warnings = base.warnings ?? [];
    for (const w of warnings) {
      this.#log.warn(
        { file: path, line: w.line, path: w.path, rule: w.rule },
        `mission database: ${w.message}`,
      );
    }
    const partly =
      warnings.length === 0 ? '' : `; ${warnings.length} finding(s) left parts out (scs mdb check)`;
    this.#event(
      'INFO',
      ControlEventType.MDB_RELOADED,
      `mission database ${d.name} ${d.version} loaded from ${basename(path)} (${d.parameters} parameters, ${d.containers} containers${partly})`,
    );
    return { ok: true, op: 'reload', database: d, dropped };
  }

  #limitChecking(enabled: boolean, parameter: string | undefined, list: string | undefined): ControlReply {
    const limits = this.#processor.limits;
    let what: string;
    if (parameter !== undefined) {
      limits.setParameterEnabled(parameter, enabled);
      this.#paramEnabled.set(parameter, enabled);
      what = `parameter ${parameter}`;
    } else if (list !== undefined) {
      limits.setListEnabled(list, enabled);
      this.#listEnabled.set(list, enabled);
      what = `list ${list}`;
    } else {
      limits.setGlobalEnabled(enabled);
      this.#global = enabled;
      what = 'all parameters';
    }
    const state = enabled ? 'enabled' : 'disabled';
    this.#log.info({ by: this.#by, parameter, list, enabled }, `limit checking ${state}`);
    this.#event(
      enabled ? 'INFO' : 'WARNING',
      enabled ? ControlEventType.LIMIT_CHECKING_ENABLED : ControlEventType.LIMIT_CHECKING_DISABLED,
      `limit checking ${state} for ${what} until restart`,
      parameter,
    );
    const reply: Record<string, unknown> = { ok: true, op: 'limitChecking', enabled };
    if (parameter !== undefined) reply.checked = limits.isEnabled(parameter);
    return reply as ControlReply;
  }

  /** Sets (`value`) or removes an override, validated by compiling the database with it. */
  #override<T>(
    op: 'setLimits' | 'restoreLimits' | 'setCalibration' | 'restoreCalibration',
    parameter: string,
    table: Map<string, T>,
    value: T | undefined,
    what: 'limits' | 'calibration',
  ): ControlReply {
    if (!this.#base.byName.has(parameter)) {
      return refuse(MdbErrorCode.ERR_MDB_UNKNOWN_PARAMETER, [
        { path: '/parameter', parameter, rule: 'unknownName', message: `unknown parameter "${parameter}"` },
      ]);
    }
    if (what === 'calibration' && !Object.hasOwn(this.#base.def.parameters, parameter)) {
      return refuse(MdbErrorCode.ERR_MDB_INVALID, [
        {
          path: '/parameter',
          parameter,
          rule: 'calibrationType',
          message: 'a derived parameter has no calibration',
        },
      ]);
    }
    const limits = new Map(this.#limits);
    const calibrations = new Map(this.#calibrations);
    const next = (what === 'limits' ? limits : calibrations) as Map<string, T>;
    if (value === undefined) next.delete(parameter);
    else next.set(parameter, value);
    const processor = this.#build(this.#base, limits, calibrations);
    if (value === undefined) table.delete(parameter);
    else table.set(parameter, value);
    this.#install(processor);
    const set = value !== undefined;
    const type = set
      ? what === 'limits'
        ? ControlEventType.LIMITS_CHANGED
        : ControlEventType.CALIBRATION_CHANGED
      : what === 'limits'
        ? ControlEventType.LIMITS_RESTORED
        : ControlEventType.CALIBRATION_RESTORED;
    const message = set
      ? `${what} of ${parameter} changed until restart: ${JSON.stringify(value)}`
      : `${what} of ${parameter} restored from the database`;
    this.#log.info({ by: this.#by, parameter, [what]: value ?? null }, message);
    this.#event('INFO', type, message, parameter);
    return { ok: true, op, parameter, [what]: value ?? this.#databaseValue(parameter, what) ?? null };
  }

  #databaseValue(parameter: string, what: 'limits' | 'calibration'): unknown {
    const def = this.#base.def;
    if (what === 'calibration') return def.parameters[parameter]?.calibration;
    return (def.parameters[parameter] ?? def.derived[parameter])?.limits;
  }

  /** Compiles `base` with the overrides; throws MdbError when it is invalid or changes the dictionary. */
  #build(
    base: Mdb,
    limits: ReadonlyMap<string, LimitsDef>,
    calibrations: ReadonlyMap<string, CalibrationDef>,
  ): PacketProcessor {
    const mdb =
      limits.size === 0 && calibrations.size === 0
        ? base
        : parseMdb(withOverrides(base.def, limits, calibrations), base.source);
    const issues = dictionaryChanges(
      this.#processor.dictionary(),
      mdb.parameters.map((p) => p.info),
    );
    if (issues.length > 0) throw new MdbError(MdbErrorCode.ERR_MDB_RESTART_REQUIRED, mdb.source, issues);
    return new PacketProcessor(mdb);
  }

  /** Makes `next` the processor in force, continuing the old one's state and the checking switches. */
  #install(next: PacketProcessor): void {
    next.adopt(this.#processor);
    const limits = next.limits;
    if (!this.#global) limits.setGlobalEnabled(false);
    for (const [name, on] of this.#paramEnabled) {
      if (next.mdb.byName.has(name)) limits.setParameterEnabled(name, on);
      else this.#paramEnabled.delete(name);
    }
    for (const [name, on] of this.#listEnabled) {
      if (next.mdb.limitLists.has(name)) limits.setListEnabled(name, on);
      else this.#listEnabled.delete(name);
    }
    this.#processor = next;
  }

  #describe() {
    const mdb = this.#processor.mdb;
    return {
      name: mdb.def.name,
      version: mdb.def.version,
      file: mdb.source,
      parameters: mdb.parameters.length,
      containers: mdb.containers.length,
    };
  }

  #event(severity: Severity, type: ControlEventType, message: string, parameter?: string): void {
    const by = this.#by === undefined ? '' : ` (by ${this.#by})`;
    const e: EventIn = {
      time: this.#clock.nowUs(),
      severity,
      source: EVENT_SOURCE,
      type,
      message: message + by,
    };
    if (parameter !== undefined) e.parameter = parameter;
    this.#emit(e);
  }
}

function refuse(code: string, errors: readonly MdbIssue[]): ControlReply {
  return { ok: false, code, errors };
}

/** `def` with limit and calibration overrides in place of the database's own. */
export function withOverrides(
  def: MdbDef,
  limits: ReadonlyMap<string, LimitsDef>,
  calibrations: ReadonlyMap<string, CalibrationDef>,
): MdbDef {
  const parameters = { ...def.parameters };
  const derived = { ...def.derived };
  for (const [name, l] of limits) {
    if (Object.hasOwn(parameters, name)) parameters[name] = { ...parameters[name]!, limits: l };
    else if (Object.hasOwn(derived, name)) derived[name] = { ...derived[name]!, limits: l };
  }
  for (const [name, c] of calibrations) {
    if (Object.hasOwn(parameters, name)) parameters[name] = { ...parameters[name]!, calibration: c };
  }
  return { ...def, parameters, derived };
}

/**
 * How `next` differs from the dictionary in force in what the main thread and the actors hold:
 * the parameter list and each parameter's name, unit, type and state texts.
 */
export function dictionaryChanges(
  current: readonly ParameterInfo[],
  next: readonly ParameterInfo[],
): MdbIssue[] {
  const issues: MdbIssue[] = [];
  const restart = (parameter: string, message: string): void => {
    issues.push({ path: '', parameter, rule: 'restartRequired', message: `${message}: takes a restart` });
  };
  if (current.length !== next.length) {
    issues.push({
      path: '',
      rule: 'restartRequired',
      message: `the database has ${next.length} parameters, ${current.length} are in force: takes a restart`,
    });
  }
  const n = Math.min(current.length, next.length);
  for (let i = 0; i < n; i++) {
    const a = current[i]!;
    const b = next[i]!;
    if (a.name !== b.name) {
      restart(b.name, `parameter ${i} is "${b.name}", "${a.name}" in force`);
      continue;
    }
    if (a.unit !== b.unit) restart(a.name, `unit "${b.unit ?? ''}" differs from "${a.unit ?? ''}" in force`);
    if (a.type !== b.type) restart(a.name, `type ${b.type} differs from ${a.type} in force`);
    if (JSON.stringify(a.states ?? []) !== JSON.stringify(b.states ?? [])) {
      restart(a.name, 'state texts differ from those in force');
    }
  }
  return issues;
}
