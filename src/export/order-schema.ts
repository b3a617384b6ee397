// The JSON schema of one `standingOrders` entry of the server config (src/config/schema.ts),
// matching StandingOrderConfig (order.ts). Cross-field rules (a format or filter the stream has
// not, scet on frames/events, duplicate ids) are checked by StandingOrders at server start.
import type { SchemaObject } from 'ajv';
import { SEVERITIES, STREAMS } from '../../protocol/constants.ts';

const duration: SchemaObject = {
  anyOf: [
    { type: 'string', pattern: '^[0-9]+(s|m|h|d)$' },
    { type: 'integer', minimum: 0, maximum: 366 * 86_400 },
  ],
};

const ints = (max: number): SchemaObject => ({
  type: 'array',
  uniqueItems: true,
  items: { type: 'integer', minimum: 0, maximum: max },
});

const names: SchemaObject = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 256 },
};

export const standingOrderSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'every', 'stream', 'format', 'to'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    every: duration,
    window: duration,
    lag: duration,
    stream: { type: 'string', enum: [...STREAMS] },
    by: { type: 'string', enum: ['ert', 'scet'] },
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vcids: ints(63),
        apids: ints(2047),
        parameters: names,
        severity: { type: 'string', enum: [...SEVERITIES] },
        stations: names,
        goodOnly: { type: 'boolean' },
      },
    },
    format: { type: 'string', enum: ['csv', 'jsonl', 'packets'] },
    to: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['dir'],
          properties: { dir: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['tcp'],
          properties: {
            tcp: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$' },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['http'],
          properties: { http: { type: 'string', pattern: '^https?://', maxLength: 4096 } },
        },
      ],
    },
    retryDelayMs: { type: 'integer', minimum: 1, maximum: 600_000 },
  },
};
