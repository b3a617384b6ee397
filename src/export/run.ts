// Writes the records of an export in its format to a stream, a file or a directory. Files are
// written as `<name>.part` and renamed when complete, so whoever watches the directory (a
// standing order's consumer, a transfer script) never picks up half a file.
import { createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { AnyRecord, PacketRecord } from '../../protocol/types.ts';
import { packetFileName } from '../files/packet-file.ts';
import { csvHeader, csvRow } from './csv.ts';
import { ExportError, ExportErrorCode } from './errors.ts';
import { jsonlRow } from './jsonl.ts';
import { packetRow } from './packets.ts';
import { checkSpec, type ExportSpec, recordTime } from './spec.ts';

export type ExportOutput =
  /** e.g. stdout; left open. */
  | { kind: 'stream'; stream: Writable }
  | { kind: 'file'; path: string }
  /** The file is named by exportFileName(). */
  | { kind: 'dir'; path: string };

export interface ExportProgress {
  records: number;
  bytes: number;
  /** The last record's time on the export's axis (µs); `spec.from` before the first. */
  time: number;
}

export interface ExportResult {
  records: number;
  bytes: number;
  /** Files written (none for a stream output). */
  files: string[];
}

export interface RunExportOptions {
  onProgress?: (p: ExportProgress) => void;
  /** Aborting stops the export: a file output is removed, and runExport rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Bytes gathered before a write: few large writes, and a turn of the event loop between them. */
const FLUSH_BYTES = 256 * 1024;
const PROGRESS_EVERY = 4096;

/**
 * Packets: `vc_yyyymmddhhmmss` (or `vc<ids>_…` for a VC selection, src/files/README.md) of the
 * start of the collection period `spec.from`; CSV and JSON Lines: `<stream>_yyyymmddhhmmss.<ext>`.
 */
export function exportFileName(spec: ExportSpec): string {
  const name = packetFileName(spec.from, spec.stream === 'packets' ? spec.filter.vcids : undefined);
  if (spec.format === 'packets') return name;
  return `${spec.stream}_${name.slice(name.indexOf('_') + 1)}.${spec.format}`;
}

/** Where a `--out` path goes: an existing directory, or a path ending in `/`, is a directory. */
export function outputFor(path: string): ExportOutput {
  if (path.endsWith('/')) return { kind: 'dir', path };
  try {
    if (statSync(path).isDirectory()) return { kind: 'dir', path };
  } catch {
    // Not there yet: a file to create.
  }
  return { kind: 'file', path };
}

function rowOf(spec: ExportSpec): (r: AnyRecord) => string | Uint8Array {
  switch (spec.format) {
    case 'csv':
      return (r) => csvRow(spec.stream, r);
    case 'jsonl':
      return jsonlRow;
    default:
      return (r) => packetRow(r as PacketRecord);
  }
}

function waitWritable(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', done);
      out.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
}

export async function runExport(
  records: Iterable<AnyRecord> | AsyncIterable<AnyRecord>,
  spec: ExportSpec,
  output: ExportOutput,
  opts: RunExportOptions = {},
): Promise<ExportResult> {
  checkSpec(spec);
  const target =
    output.kind === 'dir'
      ? join(output.path, exportFileName(spec))
      : output.kind === 'file'
        ? output.path
        : null;
  const part = target === null ? null : `${target}.part`;
  let out: Writable;
  if (part === null) {
    out = (output as { stream: Writable }).stream;
  } else {
    const file = createWriteStream(part);
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', (err) =>
        reject(new ExportError(ExportErrorCode.ERR_EXPORT_OUTPUT, `${part}: ${err.message}`, { cause: err })),
      );
    });
    out = file;
  }
  let failure: Error | undefined;
  const onError = (err: Error) => {
    failure ??= err;
  };
  out.on('error', onError);

  const row = rowOf(spec);
  const progress: ExportProgress = { records: 0, bytes: 0, time: spec.from };
  let parts: Buffer[] = [];
  let pending = 0;
  const flush = async () => {
    if (pending > 0) {
      const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts, pending);
      parts = [];
      progress.bytes += pending;
      pending = 0;
      if (!out.write(chunk) && failure === undefined) await waitWritable(out);
    }
    // A turn of the event loop: a synchronous source (SQLite pages) must not starve signals and timers.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (failure) throw failure;
    if (opts.signal?.aborted) throw opts.signal.reason;
  };
  const add = (data: string | Uint8Array) => {
    const b =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    parts.push(b);
    pending += b.length;
  };

  try {
    if (spec.format === 'csv') add(csvHeader(spec.stream));
    for await (const r of records) {
      add(row(r));
      progress.records++;
      progress.time = recordTime(spec, r);
      if (pending >= FLUSH_BYTES) await flush();
      if (progress.records % PROGRESS_EVERY === 0) opts.onProgress?.(progress);
    }
    await flush();
    if (part !== null && target !== null) {
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
      await rename(part, target);
    }
  } catch (err) {
    if (part !== null) {
      out.destroy();
      await rm(part, { force: true });
    }
    const e = err as Error & { code?: string };
    if (err instanceof ExportError || e.name === 'AbortError' || err === opts.signal?.reason) throw err;
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
      throw new ExportError(ExportErrorCode.ERR_EXPORT_OUTPUT, `${target ?? 'output'}: ${e.message}`, {
        cause: err,
      });
    }
    throw err;
  } finally {
    out.off('error', onError);
  }
  opts.onProgress?.(progress);
  return { records: progress.records, bytes: progress.bytes, files: target === null ? [] : [target] };
}
