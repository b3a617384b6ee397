import { Ajv, type ErrorObject } from 'ajv';
import { linkProblems } from '../acquisition/link-check.ts';
import { orderProblems } from '../export/order.ts';
import { MAX_RING_DATA_BYTES } from '../ring/ring.ts';
import { parseCidr } from './cidr.ts';
import { ConfigError, ConfigErrorCode, type ConfigIssue } from './errors.ts';
import { type Config, configSchema } from './schema.ts';
import { parseTokenHash } from './token.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
ajv.addKeyword({
  keyword: 'powerOfTwo',
  type: 'number',
  schemaType: 'boolean',
  errors: false,
  validate: (on: boolean, n: number) => !on || (n > 0 && Number.isInteger(Math.log2(n))),
});
ajv.addKeyword({
  keyword: 'cidr',
  type: 'string',
  schemaType: 'boolean',
  errors: false,
  validate: (on: boolean, s: string) => !on || parseCidr(s) !== null,
});
ajv.addKeyword({
  keyword: 'scryptHash',
  type: 'string',
  schemaType: 'boolean',
  errors: false,
  validate: (on: boolean, s: string) => !on || parseTokenHash(s) !== null,
});
const validateSchema = ajv.compile(configSchema);

const KEYWORD_MESSAGES: Readonly<Record<string, string>> = {
  powerOfTwo: 'must be a power of two',
  cidr: 'must be an IP address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32',
  scryptHash: 'must be a token hash made by hashToken: scrypt$N$r$p$<salt>$<hash> (see config/README.md)',
};

/**
 * Validates an already-parsed configuration, fills in the defaults and returns a deep-frozen copy
 * (the input is left untouched). Throws ConfigError ERR_CONFIG_INVALID naming `source` and every
 * offending field.
 */
export function validateConfig(obj: unknown, source: string): Config {
  const issues: ConfigIssue[] = [];
  const data = cloneJson(obj, '', issues);
  if (issues.length === 0 && !validateSchema(data)) {
    for (const err of validateSchema.errors ?? []) {
      const issue = toIssue(err);
      if (issue !== null) issues.push(issue);
    }
  }
  if (issues.length === 0) issues.push(...crossCheck(data as Config));
  if (issues.length > 0) throw new ConfigError(ConfigErrorCode.INVALID, source, issues);
  const config = data as { agencies: object };
  // Lookups by client-supplied agency id must never reach Object.prototype ('constructor', ...).
  Object.setPrototypeOf(config.agencies, null);
  return deepFreeze(config) as Config;
}

function toIssue(err: ErrorObject): ConfigIssue | null {
  const params: Record<string, unknown> = err.params;
  switch (err.keyword) {
    case 'additionalProperties':
      return {
        path: child(err.instancePath, params.additionalProperty),
        rule: err.keyword,
        message: 'is not a known field',
      };
    case 'required':
      return {
        path: child(err.instancePath, params.missingProperty),
        rule: err.keyword,
        message: 'is required',
      };
    case 'propertyNames':
      // Reported through the nested error, which carries the offending name.
      return null;
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return {
        path: err.instancePath,
        rule: err.keyword,
        message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    }
  }
  const message = KEYWORD_MESSAGES[err.keyword] ?? err.message ?? 'is invalid';
  if (err.propertyName !== undefined) {
    return {
      path: child(err.instancePath, err.propertyName),
      rule: 'propertyNames',
      message: `name ${message}`,
    };
  }
  return { path: err.instancePath, rule: err.keyword, message };
}

/** Rules between fields, checked once the shape is known to be right. */
function crossCheck(c: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { server, session, simulator } = c;
  if (server.port !== 0 && server.port === server.httpPort) {
    issues.push({
      path: '/server/httpPort',
      rule: 'distinct',
      message: `must differ from /server/port (${server.port})`,
    });
  }
  if (server.maxClients > server.maxSockets) {
    issues.push({
      path: '/server/maxClients',
      rule: 'fieldMaximum',
      message: `must be <= /server/maxSockets (${server.maxSockets})`,
    });
  }
  if (session.completeBufferBytes < session.maxDataBytes) {
    issues.push({
      path: '/session/completeBufferBytes',
      rule: 'fieldMinimum',
      message: `must be >= /session/maxDataBytes (${session.maxDataBytes})`,
    });
  }
  if (session.completeMaxBufferBytes < session.completeBufferBytes) {
    issues.push({
      path: '/session/completeMaxBufferBytes',
      rule: 'fieldMinimum',
      message: `must be >= /session/completeBufferBytes (${session.completeBufferBytes})`,
    });
  }
  for (const [stream, ring] of Object.entries(c.ring)) {
    if (ring.slots * ring.slotBytes > MAX_RING_DATA_BYTES) {
      issues.push({
        path: `/ring/${stream}/slotBytes`,
        rule: 'ringBytes',
        message: `slots × slotBytes must be <= ${MAX_RING_DATA_BYTES} bytes`,
      });
    }
  }
  const breaks = simulator.dataBreaks;
  if (breaks.everySec > 0 && breaks.durationSec >= breaks.everySec) {
    issues.push({
      path: '/simulator/dataBreaks/durationSec',
      rule: 'fieldExclusiveMaximum',
      message: `must be < /simulator/dataBreaks/everySec (${breaks.everySec})`,
    });
  }
  if (c.standingOrders.length > 0 && !c.archive.enabled) {
    issues.push({
      path: '/archive/enabled',
      rule: 'standingOrders',
      message: 'must be true: standing orders export the archive',
    });
  }
  for (const { index, message } of orderProblems(c.standingOrders)) {
    issues.push({ path: `/standingOrders/${index}`, rule: 'standingOrder', message });
  }
  // What the downlink source refuses at start (frame layout, APIDs, time codes, file records).
  const serverPorts = [
    { protocol: 'tcp', host: server.host, port: server.port, what: '/server/port' },
    { protocol: 'tcp', host: server.host, port: server.httpPort, what: '/server/httpPort' },
  ] as const;
  for (const { path, message } of linkProblems(c.links, serverPorts)) {
    issues.push({ path, rule: 'link', message });
  }
  return issues;
}

/** JSON pointer of a member (RFC 6901 escaping). */
function child(path: string, key: unknown): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * A private copy for ajv to fill defaults into. Keys are defined, not assigned, so a JSON
 * `"__proto__"` key stays an ordinary (and then rejected) field instead of replacing a prototype.
 */
function cloneJson(value: unknown, path: string, issues: ConfigIssue[]): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      issues.push({ path, rule: 'type', message: 'must be a finite number' });
    } else if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      issues.push({ path, rule: 'type', message: 'must be a JSON value' });
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => cloneJson(item, `${path}/${i}`, issues));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    issues.push({ path, rule: 'type', message: 'must be a JSON value' });
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(copy, key, {
      value: cloneJson(item, child(path, key), issues),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
