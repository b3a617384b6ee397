// The mission's parameter dictionary as the SCS Open MCT plugin reads it: one root per
// mission, a folder per subsystem (the name up to its first dot), and per parameter the
// Open MCT telemetry metadata (units, formats, enumerations, limits). Built per agency:
// a parameter its `parameters` globs do not allow is not listed.
import type { ParameterInfo } from '../acquisition/source.ts';
import type { AgencyAccess } from '../config/access.ts';

export interface TelemetryValueMeta {
  key: string;
  name: string;
  source?: string;
  unit?: string;
  format: string;
  hints?: { domain?: number; range?: number };
  enumerations?: { value: number; string: string }[];
}

/** Open MCT limit sets (WARNING, CRITICAL), each with a low and/or high bound on `value`. */
export type LimitSets = Record<
  string,
  { low?: { color: string; value: number }; high?: { color: string; value: number } }
>;

export interface DisplayParameter {
  key: string;
  name: string;
  description?: string;
  values: TelemetryValueMeta[];
  limits?: LimitSets;
}

export interface DisplayDictionary {
  mission: string;
  /** The agency the dictionary was built for (shown by the display, with its logout). */
  agency: string;
  folders: { key: string; name: string; parameters: string[] }[];
  parameters: DisplayParameter[];
}

const TIME: TelemetryValueMeta = {
  key: 'utc',
  source: 'timestamp',
  name: 'Time (ERT)',
  format: 'utc',
  hints: { domain: 1 },
};

function valueMeta(info: ParameterInfo): TelemetryValueMeta {
  const v: TelemetryValueMeta = { key: 'value', name: 'Value', format: 'float', hints: { range: 1 } };
  if (info.unit !== undefined) v.unit = info.unit;
  switch (info.type) {
    case 'int':
      v.format = 'integer';
      break;
    case 'state':
      v.format = 'enum';
      v.enumerations = (info.states ?? []).map((s, i) => ({ value: i, string: s }));
      break;
    case 'bool':
      v.format = 'enum';
      v.enumerations = [
        { value: 0, string: 'false' },
        { value: 1, string: 'true' },
      ];
      break;
    case 'string':
      v.format = 'string';
      delete v.hints;
      break;
  }
  return v;
}

function limitSets(info: ParameterInfo): LimitSets | undefined {
  const l = info.limits;
  if (l === undefined) return undefined;
  const sets: LimitSets = {};
  const set = (name: string, color: string, low: number | undefined, high: number | undefined) => {
    if (low === undefined && high === undefined) return;
    sets[name] = {
      ...(low === undefined ? {} : { low: { color, value: low } }),
      ...(high === undefined ? {} : { high: { color, value: high } }),
    };
  };
  set('WARNING', 'yellow', l.warnLow, l.warnHigh);
  set('CRITICAL', 'red', l.alarmLow, l.alarmHigh);
  return Object.keys(sets).length > 0 ? sets : undefined;
}

function displayParameter(info: ParameterInfo): DisplayParameter {
  const p: DisplayParameter = {
    key: info.name,
    name: info.name,
    values: [
      TIME,
      valueMeta(info),
      { key: 'raw_value', name: 'Raw', format: 'string' },
      { key: 'limit', name: 'Limit', format: 'string' },
      { key: 'quality', name: 'Quality', format: 'string' },
    ],
  };
  if (info.description !== undefined) p.description = info.description;
  const limits = limitSets(info);
  if (limits !== undefined) p.limits = limits;
  return p;
}

function subsystemOf(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : 'Other';
}

export function buildDictionary(
  mission: string,
  parameters: readonly ParameterInfo[],
  agency: AgencyAccess,
): DisplayDictionary {
  const visible = parameters.filter((p) => agency.parameterAllowed(p.name));
  const folders = new Map<string, string[]>();
  for (const p of visible) {
    const key = subsystemOf(p.name);
    const list = folders.get(key) ?? [];
    list.push(p.name);
    folders.set(key, list);
  }
  return {
    mission,
    agency: agency.id,
    folders: [...folders].map(([key, names]) => ({ key, name: key, parameters: names })),
    parameters: visible.map(displayParameter),
  };
}
