// REQUEST body (ICD §5): the "schema" step of the check order. One strict ajv schema,
// compiled once; the first violation becomes INVALID_REQUEST naming the field.
import { Ajv, type ErrorObject } from 'ajv';
import { Delivery, Mode, SEVERITIES, type Severity, STREAMS, type Stream } from '../../protocol/constants.ts';

const timeSchema = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', minLength: 1, maxLength: 40 },
  ],
} as const;

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['agency', 'client', 'stream', 'mode'],
  properties: {
    agency: { type: 'string', minLength: 1, maxLength: 64 },
    token: { type: 'string', maxLength: 1024 },
    client: { type: 'string', minLength: 1, maxLength: 64 },
    stream: { enum: STREAMS },
    mode: { enum: Object.values(Mode) },
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vcids: { type: 'array', maxItems: 64, items: { type: 'integer', minimum: 0, maximum: 63 } },
        apids: { type: 'array', maxItems: 2048, items: { type: 'integer', minimum: 0, maximum: 2047 } },
        parameters: {
          type: 'array',
          maxItems: 10_000,
          items: { type: 'string', minLength: 1, maxLength: 128 },
        },
        severity: { enum: SEVERITIES },
      },
    },
    from: timeSchema,
    to: timeSchema,
    timeBy: { enum: ['ert', 'scet'] },
    speed: { type: 'number', minimum: 0, maximum: 40 },
    rateHz: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
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

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ICD time: a µs integer, or an ISO-8601 string with an explicit zone (never local time). */
export function parseTimeUs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (!ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Date keeps milliseconds only; recover the sub-millisecond digits from the text.
  const frac = /\.(\d{4,9})/.exec(value)?.[1];
  const extraUs = frac ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0;
  return ms * 1000 + extraUs;
}

const STREAM_FILTERS: Record<Stream, readonly string[]> = {
  frames: ['vcids'],
  packets: ['vcids', 'apids'],
  parameters: ['parameters'],
  events: ['severity'],
};

/** The schema step: structure, types, ranges, and the cross-field rules of ICD §5. */
export function checkRequest(body: unknown): RequestCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: '(body): must be a map' };
  }
  if (!validate(body)) return { ok: false, reason: describe(validate.errors![0]!) };
  const b = body as unknown as Record<string, unknown> & { filter?: Record<string, unknown> };
  const stream = b.stream as Stream;
  const mode = b.mode as Mode;
  for (const key of Object.keys(b.filter ?? {})) {
    if (!STREAM_FILTERS[stream].includes(key)) {
      return { ok: false, reason: `filter.${key}: not applicable to stream ${stream}` };
    }
  }
  if (b.rateHz !== undefined && stream !== 'parameters') {
    return { ok: false, reason: `rateHz: applies to stream parameters only` };
  }
  const fromUs = b.from === undefined ? undefined : parseTimeUs(b.from as number | string);
  if (b.from !== undefined && fromUs === undefined) return { ok: false, reason: 'from: not a valid time' };
  const toUs = b.to === undefined ? undefined : parseTimeUs(b.to as number | string);
  if (b.to !== undefined && toUs === undefined) return { ok: false, reason: 'to: not a valid time' };
  if (mode === 'archive' && fromUs === undefined)
    return { ok: false, reason: 'from: required for mode archive' };
  if (fromUs !== undefined && toUs !== undefined && toUs < fromUs) {
    return { ok: false, reason: 'to: must not be before from' };
  }
  if (b.since !== undefined && mode !== 'realtime') {
    return { ok: false, reason: 'since: applies to mode realtime only' };
  }
  const f = b.filter ?? {};
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
