// What an export is: a stream, a time range on one axis, a filter and a format. Shared by
// `scs export` (archive file), `scs fetch` (network) and standing orders (config).
import { isGoodQuality, SEVERITIES, type Severity, STREAMS, type Stream } from '../../protocol/constants.ts';
import type { AnyRecord, EventRecord, ParameterRecord, RequestBody } from '../../protocol/types.ts';
import type { ArchiveFilter, TimeBy } from '../archive/query.ts';
import { globToRegExp } from '../config/access.ts';
import { ExportError, ExportErrorCode } from './errors.ts';

export const ExportFormat = { CSV: 'csv', JSONL: 'jsonl', PACKETS: 'packets' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl', 'packets'];

/** ICD §5 filters, plus the export-only `stations` and `goodOnly` (checked on each record). */
export interface ExportFilter {
  vcids?: number[];
  apids?: number[];
  /** Parameter names or globs with `*`. */
  parameters?: string[];
  /** Events: minimum severity. */
  severity?: Severity;
  /** Frames and packets: only these ground stations. */
  stations?: string[];
  /** Frames, packets, parameters: only records with quality 0. */
  goodOnly?: boolean;
}

export interface ExportSpec {
  stream: Stream;
  /** µs, inclusive. */
  from: number;
  /** µs, exclusive. */
  to: number;
  timeBy: TimeBy;
  filter: ExportFilter;
  format: ExportFormat;
}

/** Which streams each filter applies to (as the server rules for ICD §5 filters). */
const FILTER_STREAMS: Record<keyof ExportFilter, readonly Stream[]> = {
  vcids: ['frames', 'packets'],
  apids: ['packets'],
  parameters: ['parameters'],
  severity: ['events'],
  stations: ['frames', 'packets'],
  goodOnly: ['frames', 'packets', 'parameters'],
};

function bad(message: string): never {
  throw new ExportError(ExportErrorCode.ERR_EXPORT_SPEC, message);
}

/** Throws ERR_EXPORT_SPEC for an export that cannot be made; the message names the field. */
export function checkSpec(spec: ExportSpec): void {
  if (!STREAMS.includes(spec.stream)) bad(`stream must be one of ${STREAMS.join(', ')}`);
  if (
    !(
      Number.isSafeInteger(spec.from) &&
      Number.isSafeInteger(spec.to) &&
      spec.from >= 0 &&
      spec.from < spec.to
    )
  ) {
    bad(`time range [${spec.from}, ${spec.to}) is not 0 <= from < to`);
  }
  if (spec.timeBy !== 'ert' && spec.timeBy !== 'scet') bad(`timeBy must be ert or scet`);
  if (spec.timeBy === 'scet' && spec.stream !== 'packets' && spec.stream !== 'parameters') {
    bad(`${spec.stream} have no scet: export them by ert`);
  }
  if (!EXPORT_FORMATS.includes(spec.format)) bad(`format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (spec.format === 'packets' && spec.stream !== 'packets')
    bad(`format packets is for stream packets only`);
  for (const [key, streams] of Object.entries(FILTER_STREAMS)) {
    if (spec.filter[key as keyof ExportFilter] !== undefined && !streams.includes(spec.stream)) {
      bad(`filter ${key} applies to ${streams.join(' or ')}, not ${spec.stream}`);
    }
  }
  const ints = (name: string, values: number[] | undefined, max: number) => {
    if (values?.some((v) => !(Number.isInteger(v) && v >= 0 && v <= max)))
      bad(`filter ${name}: integers 0 … ${max}`);
  };
  ints('vcids', spec.filter.vcids, 63);
  ints('apids', spec.filter.apids, 2047);
  if (spec.filter.severity !== undefined && !SEVERITIES.includes(spec.filter.severity)) {
    bad(`filter severity must be one of ${SEVERITIES.join(', ')}`);
  }
}

/** The part of the filter the archive's indexes answer. */
export function archiveFilter(spec: ExportSpec): ArchiveFilter {
  const f = spec.filter;
  return {
    ...(f.vcids === undefined ? {} : { vcids: f.vcids }),
    ...(f.apids === undefined ? {} : { apids: f.apids }),
    ...(f.severity === undefined ? {} : { minSeverity: SEVERITIES.indexOf(f.severity) }),
  };
}

/**
 * The rest of the filter, checked on each decoded record: parameter globs (the archive keys
 * parameters by the dictionary index of the recording server, which an offline export does not
 * know), stations and good quality. Null when nothing is left to check.
 */
export function recordFilter(spec: ExportSpec): ((r: AnyRecord) => boolean) | null {
  const f = spec.filter;
  const checks: ((r: AnyRecord) => boolean)[] = [];
  if (f.parameters !== undefined) {
    const res = f.parameters.map(globToRegExp);
    checks.push((r) => res.some((re) => re.test((r as ParameterRecord).name)));
  }
  if (f.stations !== undefined) {
    const set = new Set(f.stations);
    checks.push((r) => set.has((r as { station: string }).station));
  }
  if (f.goodOnly) checks.push((r) => isGoodQuality((r as { quality: number }).quality));
  if (checks.length === 0) return null;
  return (r) => checks.every((c) => c(r));
}

/** The record's time on the export's axis. */
export function recordTime(spec: Pick<ExportSpec, 'stream' | 'timeBy'>, r: AnyRecord): number {
  if (spec.stream === 'events') return (r as EventRecord).time;
  return spec.timeBy === 'scet' ? (r as { scet: number }).scet : (r as { ert: number }).ert;
}

/** The ICD REQUEST fields of the export (for `scs fetch`); stations and goodOnly stay client-side. */
export function archiveRequest(
  spec: ExportSpec,
): Pick<RequestBody, 'stream' | 'mode' | 'from' | 'to' | 'timeBy' | 'filter'> {
  const f = spec.filter;
  const filter: NonNullable<RequestBody['filter']> = {
    ...(f.vcids === undefined ? {} : { vcids: f.vcids }),
    ...(f.apids === undefined ? {} : { apids: f.apids }),
    ...(f.parameters === undefined ? {} : { parameters: f.parameters }),
    ...(f.severity === undefined ? {} : { severity: f.severity }),
  };
  return {
    stream: spec.stream,
    mode: 'archive',
    from: spec.from,
    to: spec.to,
    timeBy: spec.timeBy,
    ...(Object.keys(filter).length === 0 ? {} : { filter }),
  };
}
