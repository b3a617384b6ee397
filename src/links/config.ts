import type { SchemaObject } from 'ajv';

// The transport part of a link's configuration: its JSON schema fragment (defaults live here)
// and, written by hand to match, its TypeScript type. src/links/README.md documents every field.

/** Reconnect (tcp-client) or re-listen (tcp-server) pacing: doubling delays, capped, with jitter. */
export interface RetryConfig {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface TcpServerLinkConfig {
  readonly kind: 'tcp-server';
  readonly host: string;
  /** 0 picks a free port (tests); stats().port tells which. */
  readonly port: number;
  /** What a second front end connecting while one is connected does: see README. */
  readonly secondConnection: 'replace' | 'refuse';
  /** TCP keep-alive probe delay; 0 leaves keep-alive off. */
  readonly keepAliveMs: number;
  /** Front ends allowed to connect (addresses or CIDR blocks); others are closed and counted. */
  readonly allowFrom: readonly string[];
  readonly retry: RetryConfig;
}

export interface TcpClientLinkConfig {
  readonly kind: 'tcp-client';
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly reconnect: RetryConfig;
}

export interface UdpLinkConfig {
  readonly kind: 'udp';
  readonly host: string;
  readonly port: number;
  /** 'frame': each datagram is one code block without sync marker; 'cadu': one CADU with marker. */
  readonly content: 'frame' | 'cadu';
  /** The link goes down after this long without a datagram. */
  readonly silenceMs: number;
  /** SO_RCVBUF; 0 keeps the OS default. */
  readonly receiveBufferBytes: number;
  /** Senders whose datagrams are accepted (addresses or CIDR blocks); others are dropped and counted. */
  readonly allowFrom: readonly string[];
}

export type ReplaySpeed = number | 'max';

export interface FileLinkConfig {
  readonly kind: 'file';
  readonly path: string;
  /**
   * 'cadu': concatenated CADUs (sync marker + code block); 'frames': fixed-length code blocks
   * without marker; 'packets': an annotated packet file (vc_yyyymmddhhmmss, src/files/README.md).
   */
  readonly format: 'cadu' | 'frames' | 'packets';
  /** Bytes of one CADU ('cadu') or one code block ('frames'); required for those formats. */
  readonly recordBytes?: number;
  /** The nominal frame rate that 1x replays raw frame files at. */
  readonly frameRateHz: number;
  /** 1 to 40 times the nominal rate (frames) or the recorded ert spacing (packets), or 'max'. */
  readonly speed: ReplaySpeed;
  /** Size of each file read. */
  readonly readBytes: number;
}

export type LinkTransportConfig = TcpServerLinkConfig | TcpClientLinkConfig | UdpLinkConfig | FileLinkConfig;

export const LINK_KINDS = ['tcp-server', 'tcp-client', 'udp', 'file'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export const MAX_SPEED = 40;

const host = (d: string): SchemaObject => ({ type: 'string', minLength: 1, maxLength: 255, default: d });
const int = (minimum: number, maximum: number, d?: number): SchemaObject => ({
  type: 'integer',
  minimum,
  maximum,
  ...(d === undefined ? {} : { default: d }),
});

const recordBytes = (): SchemaObject => int(8, 65_536);

// `cidr` is the server configuration's ajv keyword (src/config/validate.ts); the links check again.
const allowFrom: SchemaObject = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', cidr: true },
  default: ['0.0.0.0/0', '::/0'],
};

function retry(initialDelayMs: number, maxDelayMs: number): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      initialDelayMs: int(1, 3_600_000, initialDelayMs),
      maxDelayMs: int(1, 3_600_000, maxDelayMs),
    },
    default: {},
  };
}

function branch(kind: LinkKind, properties: Record<string, SchemaObject>, extra: SchemaObject = {}) {
  return {
    if: { type: 'object', properties: { kind: { const: kind } } },
    // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword; this object is never awaited.
    then: {
      type: 'object',
      additionalProperties: false,
      properties: { kind: { const: kind }, ...properties },
      ...extra,
    },
  };
}

/**
 * One link's transport, discriminated on `kind`. Branches are if/then rather than oneOf: ajv
 * applies `default`s inside `then` but ignores them inside oneOf/anyOf.
 */
export const linkTransportSchema: SchemaObject = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: [...LINK_KINDS] } },
  allOf: [
    branch(
      'tcp-server',
      {
        host: host('0.0.0.0'),
        port: int(0, 65_535),
        secondConnection: { type: 'string', enum: ['replace', 'refuse'], default: 'replace' },
        keepAliveMs: int(0, 3_600_000, 10_000),
        allowFrom,
        retry: retry(1000, 30_000),
      },
      { required: ['kind', 'port'] },
    ),
    branch(
      'tcp-client',
      {
        host: host('127.0.0.1'),
        port: int(1, 65_535),
        connectTimeoutMs: int(100, 600_000, 5000),
        keepAliveMs: int(0, 3_600_000, 10_000),
        reconnect: retry(500, 30_000),
      },
      { required: ['kind', 'port'] },
    ),
    branch(
      'udp',
      {
        host: host('0.0.0.0'),
        port: int(0, 65_535),
        content: { type: 'string', enum: ['frame', 'cadu'], default: 'frame' },
        silenceMs: int(10, 3_600_000, 5000),
        receiveBufferBytes: int(0, 2 ** 30, 0),
        allowFrom,
      },
      { required: ['kind', 'port'] },
    ),
    branch(
      'file',
      {
        path: { type: 'string', minLength: 1, maxLength: 4096 },
        format: { type: 'string', enum: ['cadu', 'frames', 'packets'] },
        recordBytes: recordBytes(),
        frameRateHz: { type: 'number', exclusiveMinimum: 0, maximum: 100_000, default: 10 },
        speed: {
          anyOf: [
            { type: 'number', minimum: 1, maximum: MAX_SPEED },
            { type: 'string', const: 'max' },
          ],
          default: 1,
        },
        readBytes: int(4096, 16 * 1024 * 1024, 256 * 1024),
      },
      {
        required: ['kind', 'path', 'format'],
        if: { type: 'object', properties: { format: { enum: ['cadu', 'frames'] } } },
        // recordBytes repeated here: ajv's strictRequired wants it defined beside `required`.
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword; this object is never awaited.
        then: { type: 'object', properties: { recordBytes: recordBytes() }, required: ['recordBytes'] },
      },
    ),
  ],
};
