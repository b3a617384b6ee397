// The strict JSON schema of scenario files (ajv): unknown fields are errors everywhere.
import type { SchemaObject } from 'ajv';
import { Delivery, NakCode, SEVERITIES, STREAMS } from '../../protocol/constants.ts';
import { COUNT_METRICS, type Expectation, type Group, HOSTILE_BEHAVIOURS, LIMITS } from './scenario.ts';

const int = (minimum: number, maximum: number): SchemaObject => ({ type: 'integer', minimum, maximum });
const num = (exclusiveMinimum: number, maximum: number): SchemaObject => ({
  type: 'number',
  exclusiveMinimum,
  maximum,
});
const name: SchemaObject = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,32}$' };

const filter: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    vcids: { type: 'array', items: int(0, 63), minItems: 1 },
    apids: { type: 'array', items: int(0, 2047), minItems: 1 },
    parameters: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, minItems: 1 },
    severity: { enum: [...SEVERITIES] },
  },
};

const selection = {
  agency: name,
  stream: { enum: [...STREAMS] },
  filter,
  rateHz: num(0, 10_000),
};

/** One member of a union told apart by `tag` (a group's kind, an expectation's check). */
function variant(
  tag: 'kind' | 'check',
  value: string,
  required: string[],
  properties: Record<string, SchemaObject>,
): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: [tag, ...required],
    properties: { [tag]: { const: value }, ...properties },
  };
}

function group(
  kind: Group['kind'],
  required: string[],
  properties: Record<string, SchemaObject>,
): SchemaObject {
  return variant('kind', kind, ['name', ...required], {
    name,
    startSec: { type: 'number', minimum: 0 },
    ...properties,
  });
}

const bounds = { equals: int(0, 1e9), min: int(0, 1e9), max: int(0, 1e9) };
const groups: SchemaObject = { type: 'array', items: name, minItems: 1 };

function check(
  kind: Expectation['check'],
  required: string[],
  properties: Record<string, SchemaObject>,
): SchemaObject {
  return variant('check', kind, required, { groups, ...properties });
}

export const scenarioSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'durationSec', 'server', 'groups', 'expect'],
  properties: {
    $schema: { type: 'string' },
    name,
    description: { type: 'string', maxLength: 1000 },
    durationSec: num(0, LIMITS.durationSec),
    procs: int(1, LIMITS.procs),
    server: {
      type: 'object',
      additionalProperties: false,
      required: ['agencies', 'frameRateHz'],
      properties: {
        agencies: {
          type: 'object',
          minProperties: 1,
          propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,32}$' },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['token', 'maxConnections'],
            properties: {
              token: { type: 'string', minLength: 1, maxLength: 256 },
              maxConnections: int(1, 1_000_000),
              streams: { type: 'array', items: { enum: [...STREAMS] }, minItems: 1, uniqueItems: true },
              parameters: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
              maxArchiveQueries: int(0, 1000),
            },
          },
        },
        frameRateHz: num(0, 10_000),
        frameLength: int(153, 2048),
        actors: int(1, 256),
        maxClients: int(1, 1_000_000),
        heartbeatMs: int(100, 3_600_000),
        requestTimeoutMs: int(100, 600_000),
        completeBufferBytes: int(65_536, 2 ** 32),
        frameRingSlots: { enum: Array.from({ length: 23 }, (_, i) => 2 ** (i + 2)) },
        archive: { type: 'boolean' },
      },
    },
    groups: {
      type: 'array',
      minItems: 1,
      maxItems: LIMITS.groups,
      items: {
        type: 'object',
        required: ['kind'],
        properties: { kind: { enum: ['subscribe', 'churn', 'archive', 'hostile'] } },
        oneOf: [
          group('subscribe', ['agency', 'stream', 'count'], {
            ...selection,
            count: int(1, LIMITS.countPerGroup),
            delivery: { enum: Object.values(Delivery) },
            connectPerSec: num(0, LIMITS.connectsPerSec),
            readBytesPerSec: int(1, 1e9),
          }),
          group('churn', ['agency', 'stream', 'connectsPerSec', 'holdMs'], {
            ...selection,
            connectsPerSec: num(0, LIMITS.connectsPerSec),
            holdMs: int(0, 600_000),
          }),
          group('archive', ['agency', 'stream', 'count', 'lookbackSec'], {
            ...selection,
            count: int(1, 1000),
            lookbackSec: num(0, 86_400),
            speed: { type: 'number', minimum: 0, maximum: 40 },
          }),
          group('hostile', ['behaviour', 'count'], {
            behaviour: { enum: [...HOSTILE_BEHAVIOURS] },
            count: int(1, LIMITS.countPerGroup),
            agency: name,
          }),
        ],
      },
    },
    expect: {
      type: 'array',
      items: {
        type: 'object',
        required: ['check'],
        properties: { check: { enum: ['count', 'naks', 'byes', 'latency', 'heartbeat'] } },
        oneOf: [
          check('count', ['metric'], { metric: { enum: [...COUNT_METRICS] }, ...bounds }),
          check('naks', ['code'], { code: { enum: Object.values(NakCode) }, ...bounds }),
          check('byes', ['reason'], { reason: { type: 'string', minLength: 1 }, ...bounds }),
          check('latency', ['percentile', 'maxMs'], {
            percentile: { type: 'number', minimum: 0, maximum: 100 },
            maxMs: num(0, 3_600_000),
          }),
          check('heartbeat', ['intervalMs', 'tolerancePct'], {
            intervalMs: int(1, 3_600_000),
            tolerancePct: { type: 'number', minimum: 0, maximum: 100 },
            minIntervals: int(0, 1e9),
          }),
        ],
      },
    },
  },
};
