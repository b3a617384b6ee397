// `scs export`: a time range and filter of the archive file to CSV, JSON Lines or packet files,
// on the server machine. The archive is opened read-only, so it runs while the server records.
// Also the argument parsing that `scs fetch` shares.
import { Writable } from 'node:stream';
import { SEVERITIES, type Severity, STREAMS, type Stream } from '../../protocol/constants.ts';
import type { AnyRecord } from '../../protocol/types.ts';
import { ArchiveError } from '../archive/errors.ts';
import type { ArchiveReader } from '../archive/query.ts';
import { ConfigError } from '../config/errors.ts';
import { ExportError, ExportErrorCode } from '../export/errors.ts';
import { type ExportOutput, type ExportResult, outputFor, runExport } from '../export/run.ts';
import {
  checkSpec,
  EXPORT_FORMATS,
  type ExportFilter,
  type ExportFormat,
  type ExportSpec,
} from '../export/spec.ts';
import { parseTimeArg } from '../export/time.ts';
import { ExitCode } from './errors.ts';
import {
  type CliIo,
  errorLine,
  isBrokenPipe,
  isUsageError,
  type OutStream,
  usage,
  wholeNumber,
} from './io.ts';
import { parseOptions } from './options.ts';
import { formatMiB, progressBar, type TtyLike } from './progress.ts';

/** Options of the export itself, shared with `scs fetch`. */
export const SPEC_HELP = `  --stream S      frames | packets | parameters | events (default parameters)
  --from T        start, inclusive (required): µs since the epoch, ISO-8601 with zone
                  (2026-11-21T00:00:00Z), now, or now-DURATION (now-24h; DURATION: Ns Nm Nh Nd)
  --to T          end, exclusive (default now)
  --by AXIS       ert (ground receipt, default) | scet (spacecraft time: packets, parameters)
  --param GLOB    parameters: a name or a glob with *, repeatable
  --vcid N        frames, packets: virtual channel id, repeatable
  --apid N        packets: APID, repeatable
  --severity S    events: minimum severity, INFO | WARNING | ALARM | CRITICAL
  --station NAME  frames, packets: ground station, repeatable
  --good          frames, packets, parameters: only good records (no error bit; bits 3, 8 are informational)
  --format F      csv | jsonl | packets (default: packets for --stream packets, else csv)
  --out PATH      a file, or a directory (existing, or ending in /) to name the file in:
                  vc_yyyymmddhhmmss for packets (vc<ids>_… with --vcid), <stream>_yyyymmddhhmmss.csv|jsonl;
                  default: stdout for csv and jsonl, the current directory for packets
  --quiet         no progress bar, no summary line`;

export const help = `Usage: scs export --from T [options]

Writes archived records of one stream, in time order, from the server's archive file
(read-only: safe while the server runs). A progress bar shows on stderr when it is a terminal.

  --config FILE   server configuration (finds the archive: server.stateDir, archive.file)
  --archive FILE  the archive file itself (instead of --config)
${SPEC_HELP}
  --help          this text

A file is written as PATH.part and renamed when complete.
Exit codes: 0 done (also when no record matched, or stdout closed by its reader as with
| head), 1 failure (archive unreadable, output
not writable, interrupted), 2 usage.`;

export const SPEC_OPTIONS = {
  stream: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  by: { type: 'string' },
  param: { type: 'string', multiple: true },
  vcid: { type: 'string', multiple: true },
  apid: { type: 'string', multiple: true },
  severity: { type: 'string' },
  station: { type: 'string', multiple: true },
  good: { type: 'boolean' },
  format: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export interface SpecValues {
  stream?: string;
  from?: string;
  to?: string;
  by?: string;
  param?: string[];
  vcid?: string[];
  apid?: string[];
  severity?: string;
  station?: string[];
  good?: boolean;
  format?: string;
}

/** The export the options describe; usage errors name the option. */
export function specFromArgs(v: SpecValues, nowUs: number): ExportSpec {
  const stream = (v.stream ?? 'parameters') as Stream;
  if (!STREAMS.includes(stream))
    throw usage(`--stream must be one of ${STREAMS.join(', ')}, got '${v.stream}'`);
  const time = (name: string, text: string) => {
    const us = parseTimeArg(text, nowUs);
    if (us === undefined)
      throw usage(`--${name}: '${text}' is not a time (µs, ISO-8601 with zone, now, now-24h)`);
    return us;
  };
  if (v.from === undefined) throw usage('--from is required');
  const from = time('from', v.from);
  const to = v.to === undefined ? nowUs : time('to', v.to);
  if (!(from < to)) throw usage('--from must be before --to');
  const by = v.by ?? 'ert';
  if (by !== 'ert' && by !== 'scet') throw usage(`--by must be ert or scet, got '${by}'`);
  const format = (v.format ?? (stream === 'packets' ? 'packets' : 'csv')) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const filter: ExportFilter = {};
  if (v.param) filter.parameters = v.param;
  if (v.vcid) filter.vcids = v.vcid.map((x) => wholeNumber('vcid', x, 0, 63));
  if (v.apid) filter.apids = v.apid.map((x) => wholeNumber('apid', x, 0, 2047));
  if (v.station) filter.stations = v.station;
  if (v.good) filter.goodOnly = true;
  if (v.severity !== undefined) {
    const severity = v.severity.toUpperCase() as Severity;
    if (!SEVERITIES.includes(severity)) throw usage(`--severity must be one of ${SEVERITIES.join(', ')}`);
    filter.severity = severity;
  }
  const spec: ExportSpec = { stream, from, to, timeBy: by, filter, format };
  try {
    checkSpec(spec);
  } catch (err) {
    if (err instanceof ExportError) throw usage(err.message);
    throw err;
  }
  return spec;
}

/** Text chunks to a CliIo stream (rows never straddle chunks, so UTF-8 is never split). */
function textWritable(out: OutStream): Writable {
  if (out instanceof Writable) return out;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.write(chunk.toString('utf8'));
      done();
    },
  });
}

export function outputOf(spec: ExportSpec, out: string | undefined, io: CliIo): ExportOutput {
  if (out !== undefined) return outputFor(out);
  if (spec.format === 'packets') return { kind: 'dir', path: '.' };
  return { kind: 'stream', stream: textWritable(io.stdout) };
}

/**
 * Runs an export with the bar and the summary line: what export and fetch have in common.
 * The records' source decides how they arrive.
 */
export async function exportWithProgress(
  command: string,
  records: Iterable<AnyRecord> | AsyncIterable<AnyRecord>,
  spec: ExportSpec,
  output: ExportOutput,
  io: CliIo,
  quiet: boolean,
): Promise<ExportResult> {
  const bar = quiet ? null : progressBar(io.stderr as TtyLike, spec.from, spec.to);
  try {
    const result = await runExport(records, spec, output, {
      ...(bar === null ? {} : { onProgress: (p) => bar.update(p) }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    bar?.clear();
    if (!quiet) {
      const where = result.files.length > 0 ? ` to ${result.files.join(', ')}` : '';
      errorLine(
        io,
        command,
        `${result.records.toLocaleString('en-US')} records, ${formatMiB(result.bytes)}${where}`,
      );
    }
    return result;
  } catch (err) {
    bar?.clear();
    if (io.signal?.aborted)
      throw new ExportError(ExportErrorCode.ERR_EXPORT_OUTPUT, 'interrupted: nothing written');
    throw err;
  }
}

/** The export's stdout was closed by its reader (`| head`): a normal end, nothing to say. */
export function readerGone(err: unknown, output: ExportOutput | undefined): boolean {
  return (
    output?.kind === 'stream' &&
    err instanceof ExportError &&
    err.code === ExportErrorCode.ERR_EXPORT_OUTPUT &&
    isBrokenPipe(err.cause)
  );
}

export function exitCodeOf(err: unknown): ExitCode {
  if (isUsageError(err) || err instanceof ConfigError) return ExitCode.USAGE;
  return ExitCode.FAILURE;
}

// The archive reader, the configuration loader and the archive path are imported when `export`
// runs, not when this module is: `fetch` shares this module's options and output, and stays light.
async function archiveFile(v: { config?: string; archive?: string }): Promise<string> {
  if (v.archive !== undefined) {
    if (v.config !== undefined) throw usage('give --config or --archive, not both');
    return v.archive;
  }
  const [{ loadConfig }, { archivePath }] = await Promise.all([
    import('../config/load.ts'),
    import('../server/archive.ts'),
  ]);
  const config = loadConfig({ file: v.config });
  return archivePath(config.archive, config.server.stateDir);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let reader: ArchiveReader | undefined;
  let output: ExportOutput | undefined;
  try {
    const { values: v } = parseOptions({
      args: argv,
      options: { ...SPEC_OPTIONS, config: { type: 'string' }, archive: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    if (v.help) {
      io.stdout.write(`${help}\n`);
      return ExitCode.OK;
    }
    const spec = specFromArgs(v, Date.now() * 1000);
    output = outputOf(spec, v.out, io);
    const path = await archiveFile(v);
    const [{ ArchiveReader }, { archiveRecords }] = await Promise.all([
      import('../archive/query.ts'),
      import('../export/archive-source.ts'),
    ]);
    reader = new ArchiveReader(path);
    await exportWithProgress('export', archiveRecords(reader, spec), spec, output, io, v.quiet ?? false);
    return ExitCode.OK;
  } catch (err) {
    if (readerGone(err, output)) return ExitCode.OK;
    const e = err as Error;
    errorLine(io, 'export', err instanceof ArchiveError ? `${e.message} (${err.code})` : e.message);
    return exitCodeOf(err);
  } finally {
    reader?.close();
  }
}
