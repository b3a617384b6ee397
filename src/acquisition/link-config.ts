// The configuration of one downlink link (`links[]` in the server configuration): its JSON schema
// fragment (defaults live here), its TypeScript type written by hand to match, and its translation
// into the CCSDS pipeline's DownlinkConfig. config/README.md documents every field.
import type { SchemaObject } from 'ajv';
import type { DownlinkConfig } from '../ccsds/pipeline.ts';
import type { PacketSwap } from '../ccsds/swap.ts';
import { EPOCH_1958_US, type TimeCodeConfig } from '../ccsds/time.ts';
import { type LinkTransportConfig, linkTransportSchema } from '../links/link.ts';
import type { BadFrameFileSettings, LinkFilesConfig } from './link-files.ts';

export interface LinkFrameConfig {
  readonly type: 'tm' | 'aos';
  /** Transfer frame length in bytes. */
  readonly length: number;
  readonly fecf: boolean;
  /** AOS only: an operational control field before the FECF (TM frames signal it in their header). */
  readonly ocf?: boolean;
  /** Frames of another spacecraft are header errors; any is accepted when absent. */
  readonly scid?: number;
  /** AOS only: frame header error control present. */
  readonly fhec?: boolean;
  /** AOS only: insert zone bytes. */
  readonly insertZone?: number;
  /** TM only: the idle VC (default 7); null when none is reserved. */
  readonly idleVcid?: number | null;
}

export interface ApidTimeConfig {
  /** CUC or CDS P-field octets (implicit P-field; CCSDS 301.0-B). */
  readonly pField?: readonly number[];
  /** The packet carries its own CUC or CDS P-field. */
  readonly explicit?: boolean;
  /** Not CUC: a plain binary count of `unitUs` µs in `octets` octets. */
  readonly counter?: { readonly octets: number; readonly unitUs: number };
  /** Time zero, ISO 8601; default 1958-01-01T00:00:00Z (CCSDS level 1). */
  readonly epoch?: string;
  readonly leapSeconds?: number;
  /** Octet of the time field in the packet; default 6. */
  readonly offset?: number;
}

export interface ApidConfig {
  readonly time?: ApidTimeConfig;
  readonly swap?: PacketSwap;
}

export interface DownlinkLinkConfig {
  readonly id: string;
  readonly station: string;
  readonly transport: LinkTransportConfig;
  readonly frame: LinkFrameConfig;
  readonly randomized: boolean;
  /** interleave 0: no Reed-Solomon. */
  readonly reedSolomon: { readonly interleave: number };
  /** VCs to process; all when absent. */
  readonly vcids?: readonly number[];
  readonly checkVcContinuity: boolean;
  readonly sync: { readonly flywheel: number; readonly markerBitErrors: number };
  /** Per APID (decimal string keys). */
  readonly apids: Readonly<Record<string, ApidConfig>>;
  /** Bad frames as text lines (src/files/bad-frame-file.ts); relative paths from server.stateDir. */
  readonly badFrameFile: BadFrameFileSettings;
  /** One contact recorder per entry: the packets of its VCs (all when `vcids` is absent), a file per contact. */
  readonly contactFiles: LinkFilesConfig['contactFiles'];
}

const int = (minimum: number, maximum: number, d?: number): SchemaObject => ({
  type: 'integer',
  minimum,
  maximum,
  ...(d === undefined ? {} : { default: d }),
});

const apidSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    time: {
      type: 'object',
      additionalProperties: false,
      properties: {
        pField: { type: 'array', minItems: 1, maxItems: 2, items: int(0, 255) },
        explicit: { type: 'boolean' },
        counter: {
          type: 'object',
          additionalProperties: false,
          required: ['octets', 'unitUs'],
          properties: { octets: int(1, 8), unitUs: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 } },
        },
        epoch: { type: 'string', minLength: 1, maxLength: 64 },
        leapSeconds: int(0, 1000),
        offset: int(0, 65_535),
      },
    },
    swap: { type: 'string', enum: ['bytes', 'words', 'both'] },
  },
};

/** `badFrameFile` of a link (on by default) or of the simulator (absent unless configured). */
export function badFrameFileSchema(enabled: boolean): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', default: enabled },
      path: { type: 'string', minLength: 1, maxLength: 4096 },
      maxFileBytes: int(4096, 2 ** 40, 64 * 1024 * 1024),
      keepFiles: int(0, 100, 4),
    },
    ...(enabled ? { default: {} } : {}),
  };
}

/** `contactFiles` of a link (default none) or of the simulator (absent unless configured). */
export const contactFilesSchema: SchemaObject = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    properties: { vcids: { type: 'array', uniqueItems: true, minItems: 1, items: int(0, 63) } },
  },
};

export const downlinkLinkSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'station', 'transport', 'frame'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,32}$' },
    station: { type: 'string', minLength: 1, maxLength: 16 },
    transport: linkTransportSchema,
    frame: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'length'],
      properties: {
        type: { type: 'string', enum: ['tm', 'aos'] },
        length: int(8, 2048),
        fecf: { type: 'boolean', default: true },
        ocf: { type: 'boolean' },
        scid: int(0, 1023),
        fhec: { type: 'boolean' },
        insertZone: int(0, 256),
        idleVcid: { anyOf: [int(0, 7), { type: 'null' }] },
      },
    },
    randomized: { type: 'boolean', default: false },
    reedSolomon: {
      type: 'object',
      additionalProperties: false,
      properties: { interleave: int(0, 5, 0) },
      default: {},
    },
    vcids: { type: 'array', uniqueItems: true, minItems: 1, items: int(0, 63) },
    checkVcContinuity: { type: 'boolean', default: true },
    sync: {
      type: 'object',
      additionalProperties: false,
      properties: { flywheel: int(0, 64, 3), markerBitErrors: int(0, 8, 0) },
      default: {},
    },
    apids: {
      type: 'object',
      propertyNames: { pattern: '^(0|[1-9][0-9]{0,3})$' },
      additionalProperties: apidSchema,
      default: {},
    },
    badFrameFile: badFrameFileSchema(true),
    contactFiles: { ...contactFilesSchema, default: [] },
  },
};

/** Parses an ISO 8601 epoch to µs since 1970; NaN when it is not a date. */
function epochUs(epoch: string | undefined): number {
  if (epoch === undefined) return EPOCH_1958_US;
  return Date.parse(epoch) * 1000;
}

function timeCode(t: ApidTimeConfig): TimeCodeConfig {
  const base = { epochUs: epochUs(t.epoch), ...(t.offset === undefined ? {} : { offset: t.offset }) };
  if (t.counter !== undefined) return { ...base, counter: t.counter };
  return {
    ...base,
    ...(t.pField === undefined ? {} : { pField: t.pField }),
    ...(t.explicit === undefined ? {} : { explicit: t.explicit }),
    ...(t.leapSeconds === undefined ? {} : { leapSeconds: t.leapSeconds }),
  };
}

/** The pipeline configuration of a link; DownlinkPipeline's constructor checks what the schema cannot. */
export function toDownlinkConfig(link: DownlinkLinkConfig): DownlinkConfig {
  const f = link.frame;
  const time = new Map<number, TimeCodeConfig>();
  const swap = new Map<number, PacketSwap>();
  for (const [key, a] of Object.entries(link.apids)) {
    const apid = Number(key);
    if (a.time !== undefined) time.set(apid, timeCode(a.time));
    if (a.swap !== undefined) swap.set(apid, a.swap);
  }
  return {
    station: link.station,
    frame: {
      type: f.type,
      frameLength: f.length,
      fecf: f.fecf,
      ...(f.scid === undefined ? {} : { scid: f.scid }),
      ...(f.ocf === undefined ? {} : { ocf: f.ocf }),
      ...(f.fhec === undefined ? {} : { fhec: f.fhec }),
      ...(f.insertZone === undefined ? {} : { insertZone: f.insertZone }),
      ...(f.idleVcid === undefined ? {} : { idleVcid: f.idleVcid }),
    },
    sync: { flywheel: link.sync.flywheel, markerBitErrors: link.sync.markerBitErrors },
    randomized: link.randomized,
    ...(link.reedSolomon.interleave > 0 ? { reedSolomon: { interleave: link.reedSolomon.interleave } } : {}),
    ...(link.vcids === undefined ? {} : { vcids: link.vcids }),
    checkVcContinuity: link.checkVcContinuity,
    time,
    swap,
  };
}
