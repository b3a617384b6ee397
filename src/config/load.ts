import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, ConfigErrorCode } from './errors.ts';
import { parseJson } from './json.ts';
import type { Config } from './schema.ts';
import { validateConfig } from './validate.ts';

export { validateConfig };

/** Command-line flags that win over every file. */
export interface CliOverrides {
  readonly host?: string;
  readonly port?: number;
  readonly httpPort?: number;
  readonly actors?: number;
}

export interface LoadOptions {
  /** The operator's configuration file, merged over the defaults. */
  readonly file?: string;
  /** A configuration object (programmatic use, tests), merged over the file like a second file. */
  readonly object?: Readonly<Record<string, unknown>>;
  /** Label of `object` in error messages. */
  readonly objectLabel?: string;
  readonly overrides?: CliOverrides;
  /** Defaults to config/default.json of this installation. */
  readonly defaultsFile?: string;
}

/** config/default.json of this installation, found from this file so the working directory does not matter. */
export const DEFAULTS_FILE = resolve(import.meta.dirname, '..', '..', 'config', 'default.json');

/** Label of errors caused by CliOverrides. */
export const COMMAND_LINE = 'command line';

/** Top-level members a user file replaces whole: a production file must not inherit the demo agencies. */
const REPLACED = new Set(['agencies']);

/**
 * Defaults file, then the user file merged over it (objects key by key; arrays and `agencies`
 * replaced), then the CLI overrides; validated, defaults filled, deep-frozen.
 * Throws ConfigError: ERR_CONFIG_NOT_FOUND, ERR_CONFIG_PARSE or ERR_CONFIG_INVALID.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const defaultsFile = opts.defaultsFile ?? DEFAULTS_FILE;
  const defaultsLabel = label(defaultsFile);
  // Each layer is validated once it is added: the defaults must be valid alone, so an error found
  // after adding a layer was introduced by that layer, and the error names it.
  let layered = readJson(defaultsFile, defaultsLabel);
  let config = validateConfig(layered, defaultsLabel);
  if (opts.file !== undefined) {
    layered = mergeLayer(layered, readJson(opts.file, opts.file), true);
    config = validateConfig(layered, opts.file);
  }
  if (opts.object !== undefined) {
    const name = opts.objectLabel ?? 'configuration object';
    layered = mergeLayer(layered, opts.object, true);
    config = validateConfig(layered, name);
  }
  const flags = Object.entries(opts.overrides ?? {}).filter(([, value]) => value !== undefined);
  if (flags.length > 0) {
    const base = layered as { server?: object };
    layered = { ...base, server: { ...base.server, ...Object.fromEntries(flags) } };
    config = validateConfig(layered, COMMAND_LINE);
  }
  return config;
}

function readJson(path: string, name: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const message = code === 'ENOENT' ? 'file not found' : `cannot read the file: ${(err as Error).message}`;
    throw new ConfigError(ConfigErrorCode.NOT_FOUND, name, [{ path: '', rule: code, message }], {
      cause: err,
    });
  }
  return parseJson(text, name);
}

function mergeLayer(base: unknown, over: unknown, top: boolean): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  // Spread and defineProperty create own properties, so a "__proto__" key cannot swap a prototype.
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const merged =
      top && REPLACED.has(key)
        ? value
        : mergeLayer(Object.hasOwn(out, key) ? out[key] : undefined, value, false);
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A path under the working directory is shown relative to it, as an operator would type it. */
function label(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
