import type { SchemaObject } from 'ajv';
import { MAX_SERVER_BODY, STREAMS, type Stream } from '../../protocol/constants.ts';
import type { ImpairmentsConfig } from '../acquisition/impairments.ts';
import {
  badFrameFileSchema,
  contactFilesSchema,
  type DownlinkLinkConfig,
  downlinkLinkSchema,
} from '../acquisition/link-config.ts';
import type { BadFrameFileSettings, LinkFilesConfig } from '../acquisition/link-files.ts';
import type { StandingOrderConfig } from '../export/order.ts';
import { standingOrderSchema } from '../export/order-schema.ts';

// The server configuration: its JSON schema (defaults live here) and, written by hand to match,
// its TypeScript type. config/README.md documents every field; keep the three in step.

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Agency ids: also used in logs, metrics labels and client ids. */
export const AGENCY_ID_PATTERN = '^[A-Za-z0-9_.-]{1,32}$';

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly actors: number;
  readonly maxSockets: number;
  readonly maxClients: number;
  readonly connectRatePerIp: number;
  readonly maxSocketsPerIp: number;
  readonly requestTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly shutdownMs: number;
  readonly stateDir: string;
  /** Clients connect over TLS when present (ICD §1). */
  readonly tls?: TlsConfig;
}

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Client certificates are requested and verified against this CA (mTLS, ICD §5). */
  readonly caFile?: string;
  /** Revoked client certificates (PEM CRL of that CA). */
  readonly crlFile?: string;
}

export interface SessionConfig {
  /** `delivery: complete`: a backlog up to this many bytes never cuts the session. */
  readonly completeBufferBytes: number;
  /** Above completeBufferBytes, the session is cut once its oldest unsent record has waited this long. */
  readonly completeMaxBehindMs: number;
  /** A backlog above this many bytes cuts the session at once, however young. */
  readonly completeMaxBufferBytes: number;
  readonly latestHighWaterBytes: number;
  readonly maxDataBytes: number;
  readonly maxRecordsPerData: number;
}

export interface RingConfig {
  readonly slots: number;
  readonly slotBytes: number;
}

export interface AgencyConfig {
  readonly tokenHash: string;
  readonly maxConnections: number;
  readonly streams: readonly Stream[];
  readonly parameters: readonly string[];
  readonly allowFrom: readonly string[];
  readonly maxArchiveQueries: number;
  /** This agency's own `complete` allowance, over the server's `session` values. */
  readonly session?: AgencySessionConfig;
  /** `operator`: may use the ops endpoint's mission-database control (src/server/ops-mdb.ts). */
  readonly roles?: readonly AgencyRole[];
  /** TLS client certificates that identify the agency (no token then): subject CNs, SANs (`DNS:…`, `URI:…`, `email:…`). */
  readonly certificates?: { readonly cn?: readonly string[]; readonly san?: readonly string[] };
}

export type AgencySessionConfig = Partial<
  Pick<SessionConfig, 'completeBufferBytes' | 'completeMaxBehindMs' | 'completeMaxBufferBytes'>
>;

export const AGENCY_ROLES = ['operator'] as const;
export type AgencyRole = (typeof AGENCY_ROLES)[number];

export interface SimulatorConfig {
  readonly enabled: boolean;
  readonly scid: number;
  readonly station: string;
  readonly frameRateHz: number;
  readonly frameLength: number;
  readonly seed: number;
  readonly dataBreaks: { readonly everySec: number; readonly durationSec: number };
  readonly randomized: boolean;
  /** interleave 0: no Reed-Solomon. */
  readonly reedSolomon: { readonly interleave: number };
  readonly impairments: ImpairmentsConfig;
  /** As a link's, but absent (no file) unless configured; files go under `server.stateDir`. */
  readonly badFrameFile?: BadFrameFileSettings;
  readonly contactFiles?: LinkFilesConfig['contactFiles'];
}

export interface MdbConfig {
  /** The mission database (native JSON or XTCE); the built-in demo mission when absent. */
  readonly file?: string;
  /** XTCE: refuse the file on any finding instead of importing what can be used (default false). */
  readonly strict: boolean;
}

export interface Config {
  readonly server: ServerConfig;
  readonly session: SessionConfig;
  readonly ring: { readonly [S in Stream]: RingConfig };
  readonly agencies: Readonly<Record<string, AgencyConfig>>;
  readonly simulator: SimulatorConfig;
  readonly mdb: MdbConfig;
  /** Downlink links; when any is configured they, not the simulator, feed acquisition. */
  readonly links: readonly DownlinkLinkConfig[];
  readonly archive: ArchiveConfig;
  readonly display: DisplayConfig;
  /** Periodic exports pushed to a directory or a TCP/HTTP endpoint (src/export/standing.ts). */
  readonly standingOrders: readonly StandingOrderConfig[];
  readonly log: { readonly level: LogLevel };
}

/** The Open MCT display on the ops HTTP port (src/web). */
export interface DisplayConfig {
  readonly enabled: boolean;
  /** Name of the root object of the mission's parameters. */
  readonly mission: string;
  /** When set, no login: every visitor has this agency's rights and counts against its cap. */
  readonly anonymousAgency?: string;
  readonly sessionTtlSec: number;
  /** Open display WebSockets at most (extra admission slots beyond server.maxSockets). */
  readonly maxSessions: number;
  readonly batchMs: number;
  readonly maxBufferedBytes: number;
  readonly maxHistoryRows: number;
  readonly secureCookie: boolean;
}

export interface ArchiveConfig {
  readonly enabled: boolean;
  /** The archive file; relative to `server.stateDir` unless absolute. */
  readonly file: string;
  readonly commitMs: number;
  /** Records older than this many days are deleted; 0 keeps them. */
  readonly maxAgeDays: number;
  /** The archive is kept at or below this size; 0 means no limit. */
  readonly maxBytes: number;
  /** Index parameters by (parameter, ert): fast sparse-parameter history, ≈ 4× the recording CPU. */
  readonly parameterKeyIndex: boolean;
}

const MAX_PORT = 65_535;

function int(minimum: number, maximum: number, defaultValue?: number): SchemaObject {
  return {
    type: 'integer',
    minimum,
    maximum,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  };
}

function text(defaultValue: string, maxLength = 255): SchemaObject {
  return { type: 'string', minLength: 1, maxLength, default: defaultValue };
}

/** A fixed-shape object: unknown fields are errors (a typo must not be silently ignored). */
function section(properties: Record<string, SchemaObject>): SchemaObject {
  return { type: 'object', additionalProperties: false, properties, default: {} };
}

function ring(slots: number, slotBytes: number): SchemaObject {
  return section({
    slots: { ...int(2, 2 ** 24, slots), powerOfTwo: true },
    slotBytes: { ...int(64, 1024 * 1024, slotBytes), multipleOf: 8 },
  });
}

const agency: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['tokenHash'],
  properties: {
    tokenHash: { type: 'string', scryptHash: true },
    maxConnections: int(1, 1_000_000, 4),
    streams: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: [...STREAMS] },
      default: [...STREAMS],
    },
    parameters: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 256 },
      default: ['*'],
    },
    allowFrom: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', cidr: true },
      default: ['0.0.0.0/0', '::/0'],
    },
    maxArchiveQueries: int(0, 1000, 2),
    session: {
      type: 'object',
      additionalProperties: false,
      properties: {
        completeBufferBytes: int(65_536, 2 ** 40),
        completeMaxBehindMs: int(0, 3_600_000),
        completeMaxBufferBytes: int(65_536, 2 ** 40),
      },
    },
    roles: { type: 'array', uniqueItems: true, items: { enum: [...AGENCY_ROLES] } },
    certificates: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cn: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', minLength: 1, maxLength: 256 },
        },
        san: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', minLength: 1, maxLength: 512 },
        },
      },
    },
  },
};

export const configSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['agencies'],
  properties: {
    server: section({
      host: text('127.0.0.1'),
      port: int(0, MAX_PORT, 7300),
      httpHost: text('127.0.0.1'),
      httpPort: int(0, MAX_PORT, 7301),
      actors: int(1, 256, 2),
      maxSockets: int(1, 1_000_000, 10_000),
      maxClients: int(1, 1_000_000, 5_000),
      connectRatePerIp: int(1, 1_000_000, 2_000),
      maxSocketsPerIp: int(1, 1_000_000, 4_096),
      requestTimeoutMs: int(100, 600_000, 10_000),
      heartbeatMs: int(100, 3_600_000, 2_000),
      shutdownMs: int(0, 600_000, 5_000),
      stateDir: text('var', 4096),
      tls: {
        type: 'object',
        additionalProperties: false,
        required: ['certFile', 'keyFile'],
        properties: {
          certFile: { type: 'string', minLength: 1, maxLength: 4096 },
          keyFile: { type: 'string', minLength: 1, maxLength: 4096 },
          caFile: { type: 'string', minLength: 1, maxLength: 4096 },
          crlFile: { type: 'string', minLength: 1, maxLength: 4096 },
        },
      },
    }),
    session: section({
      completeBufferBytes: int(65_536, 2 ** 40, 8 * 1024 * 1024),
      // Seconds of a client's scheduling jitter absorbed at its own rate, whatever the rate.
      completeMaxBehindMs: int(0, 3_600_000, 5_000),
      completeMaxBufferBytes: int(65_536, 2 ** 40, 512 * 1024 * 1024),
      latestHighWaterBytes: int(1024, 2 ** 32, 256 * 1024),
      // Room left under ICD's 4 MiB for the per-session prefix (map header, `skipped`) and the array header.
      maxDataBytes: int(1024, MAX_SERVER_BODY - 64, 1024 * 1024),
      maxRecordsPerData: int(1, 1_000_000, 2_000),
    }),
    ring: section({
      frames: ring(16_384, 2048),
      packets: ring(16_384, 2048),
      parameters: ring(65_536, 256),
      events: ring(4096, 1024),
    }),
    agencies: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: AGENCY_ID_PATTERN },
      additionalProperties: agency,
    },
    simulator: section({
      enabled: { type: 'boolean', default: true },
      scid: int(0, 1023, 42),
      station: text('SIM', 32),
      frameRateHz: { type: 'number', exclusiveMinimum: 0, maximum: 10_000, default: 10 },
      frameLength: int(153, 2048, 1115),
      seed: int(0, 2 ** 32 - 1, 1),
      dataBreaks: section({
        everySec: int(0, 86_400, 300),
        durationSec: int(1, 86_400, 10),
      }),
      randomized: { type: 'boolean', default: true },
      reedSolomon: section({ interleave: int(0, 5, 5) }),
      impairments: section({
        bitErrorRate: { type: 'number', minimum: 0, maximum: 0.5, default: 1e-5 },
        frameDropRate: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0 },
        polarityInversion: section({
          everyFrames: int(0, 2 ** 31, 0),
          frames: int(0, 2 ** 31, 0),
        }),
      }),
      badFrameFile: badFrameFileSchema(false),
      contactFiles: contactFilesSchema,
    }),
    mdb: section({
      file: { type: 'string', minLength: 1, maxLength: 4096 },
      strict: { type: 'boolean', default: false },
    }),
    links: { type: 'array', items: downlinkLinkSchema, default: [] },
    archive: section({
      enabled: { type: 'boolean', default: true },
      file: text('archive.sqlite', 4096),
      commitMs: int(10, 60_000, 200),
      maxAgeDays: int(0, 36_500, 30),
      maxBytes: int(0, 2 ** 50, 2 * 1024 ** 3),
      parameterKeyIndex: { type: 'boolean', default: false },
    }),
    display: section({
      enabled: { type: 'boolean', default: true },
      mission: text('SCS', 64),
      anonymousAgency: { type: 'string', pattern: AGENCY_ID_PATTERN },
      sessionTtlSec: int(60, 7 * 86_400, 43_200),
      maxSessions: int(1, 10_000, 64),
      batchMs: int(10, 10_000, 100),
      maxBufferedBytes: int(16_384, 2 ** 30, 1024 * 1024),
      maxHistoryRows: int(1, 1_000_000, 20_000),
      secureCookie: { type: 'boolean', default: false },
    }),
    standingOrders: { type: 'array', items: standingOrderSchema, default: [] },
    log: section({
      level: { type: 'string', enum: [...LOG_LEVELS], default: 'info' },
    }),
  },
};
