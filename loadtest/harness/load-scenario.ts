// Loads and validates a scenario file: the schema first, then the cross-references it cannot
// express. Every error names the file and the field.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { HarnessError, HarnessErrorCode } from './errors.ts';
import { LIMITS, lossMeasurable, type Scenario } from './scenario.ts';
import { scenarioSchema } from './scenario-schema.ts';

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<Scenario>(scenarioSchema);

function describe(file: string, errors: readonly ErrorObject[]): string {
  const useful = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'const');
  const lines = (useful.length > 0 ? useful : errors).slice(0, 8).map((e) => {
    const where = e.instancePath === '' ? '(root)' : e.instancePath;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${String((e.params as { additionalProperty?: unknown }).additionalProperty)}'`
        : e.keyword === 'enum'
          ? ` (${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')})`
          : '';
    return `${file}: ${where} ${e.message ?? 'is invalid'}${extra}`;
  });
  return lines.join('\n');
}

function fail(message: string): never {
  throw new HarnessError(HarnessErrorCode.ERR_HARNESS_SCENARIO, message);
}

const BRANCHES: Record<string, readonly string[]> = {
  groups: ['subscribe', 'churn', 'archive', 'hostile'],
  expect: ['count', 'naks', 'byes', 'latency', 'heartbeat'],
};

/** Of a `oneOf` over groups or checks, only the branch whose discriminator matches is reported. */
function relevantErrors(value: unknown, errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => {
    const item = /^\/(groups|expect)\/(\d+)/.exec(e.instancePath);
    const branch = /\/oneOf\/(\d+)\//.exec(e.schemaPath);
    if (item === null || branch === null) return true;
    const list = (value as Record<string, unknown>)[item[1]!] as Record<string, unknown>[];
    const element = list[Number(item[2])];
    const discriminator = item[1] === 'groups' ? element?.kind : element?.check;
    return BRANCHES[item[1]!]![Number(branch[1])] === discriminator;
  });
}

/** Cross-references the schema cannot express: names that must exist, totals, measurable loss. */
function checkReferences(file: string, s: Scenario): void {
  const names = new Set<string>();
  let total = 0;
  s.groups.forEach((g, i) => {
    if (names.has(g.name)) fail(`${file}: /groups/${i}/name '${g.name}' is used twice`);
    names.add(g.name);
    const agency = 'agency' in g ? g.agency : undefined;
    if (agency !== undefined && s.server.agencies[agency] === undefined) {
      fail(`${file}: /groups/${i}/agency '${agency}' is not in /server/agencies`);
    }
    if (g.kind === 'archive' && s.server.archive !== true) {
      fail(`${file}: /groups/${i} replays the archive but /server/archive is not true`);
    }
    if (g.kind === 'subscribe' || g.kind === 'archive' || g.kind === 'hostile') total += g.count;
  });
  if (total > LIMITS.totalClients)
    fail(`${file}: /groups total ${total} clients, more than ${LIMITS.totalClients}`);
  s.expect.forEach((e, i) => {
    for (const [j, n] of (e.groups ?? []).entries()) {
      if (!names.has(n)) fail(`${file}: /expect/${i}/groups/${j} '${n}' is not a group`);
    }
    if ('equals' in e && e.equals !== undefined && (e.min !== undefined || e.max !== undefined)) {
      fail(`${file}: /expect/${i} has equals together with min or max`);
    }
    if (
      (e.check === 'count' || e.check === 'naks' || e.check === 'byes') &&
      e.equals === undefined &&
      e.min === undefined &&
      e.max === undefined
    ) {
      fail(`${file}: /expect/${i} needs equals, min or max`);
    }
    if (e.check === 'count' && e.metric === 'lost') {
      const covered = s.groups.filter((g) => e.groups === undefined || e.groups.includes(g.name));
      const unmeasurable = covered.find((g) => !lossMeasurable(g));
      if (unmeasurable !== undefined) {
        fail(
          `${file}: /expect/${i} counts 'lost' over group '${unmeasurable.name}', whose records are filtered, thinned or start with current values, so gaps are not losses`,
        );
      }
    }
  });
}

export function parseScenario(file: string, text: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (!validate(value)) fail(describe(file, relevantErrors(value, validate.errors ?? [])));
  checkReferences(file, value);
  return value;
}

/** Loads `loadtest/scenarios/<name>.json`, or a path when `nameOrPath` ends in `.json`. */
export function loadScenario(nameOrPath: string, dir: URL): Scenario {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : new URL(`${nameOrPath}.json`, dir).pathname;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`scenario ${nameOrPath}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseScenario(basename(path), text);
}
