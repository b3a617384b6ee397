// REQUEST body (ICD §5): the "schema" step of the check order. One strict ajv schema,
// compiled once; the first violation becomes INVALID_REQUEST naming the field.
import { Ajv, type ErrorObject } from 'ajv';
import { Delivery, Mode, SEVERITIES, type Severity, type Stream } from '../../protocol/constants.ts';
import { inapplicable, REQUEST_STREAMS } from './request-applies.ts';

const timeSchema = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', minLength: 1, maxLength: 40 },
  ],
} as const;

const nameList = {
  type: 'array',
  minItems: 1,
  maxItems: 10_000,
  items: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['agency', 'client', 'stream', 'mode'],
  properties: {
    agency: { type: 'string', minLength: 1, maxLength: 64 },
    token: { type: 'string', maxLength: 1024 },
    client: { type: 'string', maxLength: 64 },
    stream: { enum: REQUEST_STREAMS },
    mode: { enum: Object.values(Mode) },
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // An empty list would silently select nothing: refused, naming the field.
        vcids: {
          type: 'array',
          minItems: 1,
          maxItems: 64,
          items: { type: 'integer', minimum: 0, maximum: 63 },
        },
        apids: {
          type: 'array',
          minItems: 1,
          maxItems: 2048,
          items: { type: 'integer', minimum: 0, maximum: 2047 },
        },
        parameters: {
          type: 'array',
          minItems: 1,
          maxItems: 10_000,
          items: { type: 'string', minLength: 1, maxLength: 128 },
        },
        severity: { enum: SEVERITIES },
        // commands (ICD §5, rev B): checked like the others, the stream is not served yet.
        names: nameList,
        sources: nameList,
      },
    },
    from: timeSchema,
    to: timeSchema,
    timeBy: { enum: ['ert', 'scet'] },
    speed: { type: 'number', minimum: 0, maximum: 40 },
    rateHz: { type: 'number', exclusiveMinimum: 0 },
    delivery: { enum: Object.values(Delivery) },
    since: { type: 'integer', minimum: 0 },
  },
} as const;

const ajv = new Ajv({ allErrors: false, strict: true });
const validate = ajv.compile(requestSchema);

/** A REQUEST that passed the schema step, with ICD defaults applied and times in µs. */
export interface ValidRequest {
  agency: string;
  token: string | undefined;
  client: string;
  stream: Stream;
  mode: Mode;
  vcids: readonly number[] | undefined;
  apids: readonly number[] | undefined;
  parameters: readonly string[] | undefined;
  minSeverity: number;
  fromUs: number | undefined;
  toUs: number | undefined;
  timeBy: 'ert' | 'scet';
  speed: number;
  rateHz: number | undefined;
  delivery: Delivery;
  since: number | undefined;
}

export type RequestCheck = { ok: true; request: ValidRequest } | { ok: false; reason: string };

function fieldOf(err: ErrorObject): string {
  const path = err.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    return path ? `${path}.${missing}` : missing;
  }
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return path ? `${path}.${extra}` : extra;
  }
  return path || '(body)';
}

function describe(err: ErrorObject): string {
  const field = fieldOf(err);
  switch (err.keyword) {
    case 'required':
      return `${field}: required`;
    case 'additionalProperties':
      return `${field}: unknown field`;
    case 'enum':
      return `${field}: must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'anyOf':
      return `${field}: must be a µs integer or an ISO-8601 string`;
    default:
      return `${field}: ${err.message ?? 'invalid'}`;
  }
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ICD time: a µs integer, or an ISO-8601 date-time with an explicit zone (never
 * local time). Every field is range-checked: 2024-02-30 is refused, not rolled over.
 */
export function parseTimeUs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = ISO_8601.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return undefined;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  // Date keeps milliseconds only; the fraction's digits give the microseconds.
  const us = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, '0'));
  const total = ms * 1000 + us;
  return Number.isSafeInteger(total) && total >= 0 ? total : undefined;
}

/**
 * `since` must be a seq the server can hold: seq is a float64 (ring meta, archive rowid), exact
 * only up to 2^53 − 1. A larger value (uint64/int64 or a float on the wire) would name no record
 * and, past 2^53, `since + 1 === since`: a cursor that cannot advance.
 */
export function sinceOutOfRange(since: unknown): string | undefined {
  if (since === undefined) return undefined;
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)
    return `since: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`;
  return undefined;
}

/** Wildcard patterns one REQUEST may carry: each is matched against the whole dictionary. */
export const MAX_GLOBS = 64;

/** The schema step: structure, types, ranges, and the cross-field rules of ICD §5. */
export function checkRequest(body: unknown): RequestCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: '(body): must be a map' };
  }
  if (!validate(body)) return { ok: false, reason: describe(validate.errors![0]!) };
  const b = body as unknown as Record<string, unknown> & { filter?: Record<string, unknown> };
  const notApplicable = inapplicable(b);
  if (notApplicable !== undefined) return { ok: false, reason: notApplicable };
  if (b.stream === 'commands') return { ok: false, reason: 'stream: commands is not served by this server' };
  const stream = b.stream as Stream;
  const mode = b.mode as Mode;
  const fromUs = b.from === undefined ? undefined : parseTimeUs(b.from as number | string);
  if (b.from !== undefined && fromUs === undefined) return { ok: false, reason: 'from: not a valid time' };
  const toUs = b.to === undefined ? undefined : parseTimeUs(b.to as number | string);
  if (b.to !== undefined && toUs === undefined) return { ok: false, reason: 'to: not a valid time' };
  if (mode === 'archive' && fromUs === undefined)
    return { ok: false, reason: 'from: required for mode archive' };
  if (fromUs !== undefined && toUs !== undefined && toUs < fromUs) {
    return { ok: false, reason: 'to: must not be before from' };
  }
  const sinceBad = sinceOutOfRange(b.since);
  if (sinceBad !== undefined) return { ok: false, reason: sinceBad };
  const f = b.filter ?? {};
  if (
    Array.isArray(f.parameters) &&
    (f.parameters as string[]).filter((n) => n.includes('*')).length > MAX_GLOBS
  ) {
    return { ok: false, reason: `filter.parameters: at most ${MAX_GLOBS} wildcard patterns` };
  }
  const severity = f.severity as Severity | undefined;
  return {
    ok: true,
    request: {
      agency: b.agency as string,
      token: b.token as string | undefined,
      client: b.client as string,
      stream,
      mode,
      vcids: f.vcids as number[] | undefined,
      apids: f.apids as number[] | undefined,
      parameters: f.parameters as string[] | undefined,
      minSeverity: severity === undefined ? 0 : SEVERITIES.indexOf(severity),
      fromUs,
      toUs,
      timeBy: (b.timeBy as 'ert' | 'scet' | undefined) ?? 'ert',
      speed: (b.speed as number | undefined) ?? 0,
      rateHz: b.rateHz as number | undefined,
      delivery: (b.delivery as Delivery | undefined) ?? 'latest',
      since: b.since as number | undefined,
    },
  };
}
