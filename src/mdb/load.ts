// Loading a mission database: read, parse, validate against the schema (compiled once), check the
// rules between its parts, resolve names to indices, freeze.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from '../config/errors.ts';
import { parseJson } from '../config/json.ts';
import { MdbError, MdbErrorCode, type MdbIssue } from './errors.ts';
import type { Mdb } from './model.ts';
import { resolveMdb } from './resolve.ts';
import { type MdbDef, mdbSchema } from './schema.ts';
import { parseXtce } from './xtce.ts';

const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  discriminator: true,
  allowUnionTypes: true,
});
const validateSchema = ajv.compile(mdbSchema);

/** A mission database as read from its file: what a restarted acquisition thread is handed. */
export interface MdbText {
  /** The file it was read from: names it in errors, and a reload's relative name resolves beside it. */
  readonly file: string;
  readonly text: string;
  /** XTCE: refuse the file on any finding instead of importing what can be used (config `mdb.strict`). */
  readonly strict?: boolean;
}

/**
 * Reads, validates and resolves a mission database file: XTCE when its name ends in `.xml`
 * (any case), the native JSON format otherwise. Throws MdbError.
 */
export function loadMdb(file: string): Mdb {
  return parseMdbText(readMdbText(file));
}

/** Reads a mission database file's text. Throws MdbError ERR_MDB_NOT_FOUND. */
export function readMdbText(file: string): MdbText {
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const message = code === 'ENOENT' ? 'file not found' : `cannot read the file: ${(err as Error).message}`;
    throw new MdbError(MdbErrorCode.ERR_MDB_NOT_FOUND, file, [{ path: '', rule: code, message }], {
      cause: err,
    });
  }
}

/** Validates and resolves a database's text, in the format its file name says. Throws MdbError. */
export function parseMdbText({ file, text, strict }: MdbText): Mdb {
  if (file.toLowerCase().endsWith('.xml')) {
    const mdb = parseXtce(text, file, parseMdb, { strict: strict === true });
    return strict === true ? Object.freeze({ ...mdb, strict: true }) : mdb;
  }
  let doc: unknown;
  try {
    doc = parseJson(text, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, err.issues, { cause: err });
  }
  return parseMdb(doc, file);
}

/**
 * Validates an already-parsed database (the input is left untouched), fills in the defaults and
 * returns the resolved, deep-frozen model. `source` names the database in errors.
 * Throws MdbError ERR_MDB_INVALID listing every problem.
 */
export function parseMdb(doc: unknown, source: string): Mdb {
  // A structured clone: ajv fills defaults into it, and JSON has no prototypes to smuggle in.
  let data: unknown;
  try {
    data = JSON.parse(JSON.stringify(doc ?? null));
  } catch (err) {
    const issue = { path: '', rule: 'type', message: `must be a JSON value: ${(err as Error).message}` };
    throw new MdbError(MdbErrorCode.ERR_MDB_INVALID, source, [issue], { cause: err });
  }
  if (!validateSchema(data)) {
    // A bad name is reported through its nested error, which carries the name itself.
    const errors = (validateSchema.errors ?? []).filter((err) => err.keyword !== 'propertyNames');
    const issues = errors.map((err) => toIssue(err, data));
    throw new MdbError(MdbErrorCode.ERR_MDB_INVALID, source, issues);
  }
  const def = deepFreeze(data as MdbDef);
  const { mdb, issues } = resolveMdb(def, source);
  if (issues.length > 0) throw new MdbError(MdbErrorCode.ERR_MDB_INVALID, source, issues);
  return mdb;
}

function toIssue(err: ErrorObject, data: unknown): MdbIssue {
  const params: Record<string, unknown> = err.params;
  let path = err.instancePath;
  let message = err.message ?? 'is invalid';
  switch (err.keyword) {
    case 'additionalProperties':
      path = child(path, params.additionalProperty);
      message = 'is not a known field';
      break;
    case 'required':
      path = child(path, params.missingProperty);
      message = 'is required';
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'discriminator':
      path = child(path, params.tag);
      message = 'must be a known calibration type';
      break;
  }
  if (err.propertyName !== undefined) {
    path = child(path, err.propertyName);
    message = `name ${message}`;
  }
  const parameter = parameterOf(path, data);
  return { path, rule: err.keyword, message, ...(parameter === undefined ? {} : { parameter }) };
}

/** The parameter a JSON pointer is about: a parameter's or derived parameter's own subtree, or a container entry. */
export function parameterOf(path: string, data: unknown): string | undefined {
  const parts = path
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if ((parts[0] === 'parameters' || parts[0] === 'derived') && parts[1] !== undefined) return parts[1];
  if (parts[0] === 'containers' && parts[2] === 'entries' && parts[3] !== undefined) {
    const entry = at(data, parts.slice(0, 4));
    const name =
      entry !== null && typeof entry === 'object' ? (entry as { parameter?: unknown }).parameter : undefined;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

function at(data: unknown, parts: readonly string[]): unknown {
  let node = data;
  for (const p of parts) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, p)) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

function child(path: string, key: unknown): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
